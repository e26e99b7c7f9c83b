#!/usr/bin/env bash
# OAI-PMH, Atom feeds and sitemaps read by independent clients (Sickle, feedparser,
# ultimate-sitemap-parser), against a real server on a library of more than 100 records (the
# demo and 150 synthetic publications: harvests take several pages). The clients' versions are
# pinned, in a virtualenv of their own. Fails loudly on any disagreement.
#
#   bash scripts/check-open-a.sh        (after a debug build: cargo build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${BIBLIOTHEQUE_BIN:-${CARGO_TARGET_DIR:-target}/debug/bibliotheque}"
[ -x "$bin" ] || cargo build
venv="${TMPDIR:-/tmp}/bibliotheque-open-a-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check \
  sickle==0.7.0 feedparser==6.0.14 ultimate-sitemap-parser==1.8.1

data=$(mktemp -d)
port=$(python3 "$(dirname "$0")/free-port")
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill -INT "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT
"$bin" --data-dir "$data" demo --synthetic 150 --seed 1 >"$data/demo.log" 2>&1 \
  || { cat "$data/demo.log"; exit 1; }
BIBLIOTHEQUE_PUBLIC_URL="http://127.0.0.1:$port" \
  "$bin" --data-dir "$data" --addr "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$data/serve.log"; exit 1; }
  sleep 0.5
done
"$venv/bin/python" scripts/check-open-a.py "http://127.0.0.1:$port" \
  || { echo "== journal du serveur"; tail -n 50 "$data/serve.log"; exit 1; }
