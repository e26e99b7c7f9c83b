#!/usr/bin/env bash
# The tests of the `s3` feature against a real S3-compatible server: moto's standalone server
# (from PyPI, in a virtualenv under the target folder, made once), on 127.0.0.1 only, with a
# bucket of its own. Runs clippy and the `s3::` integration tests with the feature, then stops
# the server. `.ci/run` calls it; developers can too (it needs python3 with venv).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/moto-venv"
if [ ! -x "$venv/bin/moto_server" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5'
fi

port=$(python3 "$(dirname "$0")/free-port")
log=$(mktemp)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  kill -0 "$moto" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.2
done
bucket=bibliotheque-tests
curl -fsS -X PUT "http://127.0.0.1:$port/$bucket" >/dev/null

# What the library's S3 store reads (object_store's AmazonS3Builder::from_env), and the bucket
# the tests share (each works under a prefix of its own). Without BIBLIOTHEQUE_TEST_S3_URL the
# tests fail rather than pass unchecked.
export BIBLIOTHEQUE_TEST_S3_URL="s3://$bucket"
export AWS_ENDPOINT="http://127.0.0.1:$port" AWS_ALLOW_HTTP=true AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=moto AWS_SECRET_ACCESS_KEY=moto
unset AWS_SESSION_TOKEN AWS_PROFILE

cargo clippy --all-targets --features s3 -- -D warnings
cargo test --features s3 --test it s3::
