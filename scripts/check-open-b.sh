#!/usr/bin/env bash
# Independent clients of the open interfaces (issue 15, part B) against a real server with
# the demo library: openapi-spec-validator and schemathesis on /api/v1/openapi.json, extruct
# on a publication page, bibtexparser and rispy on its citations and a search's
# (scripts/check-open-b.py). Python packages, pinned, in a virtualenv under the target folder
# (made once). `.ci/run` calls it after the debug build; developers can too.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bin="${BIBLIOTHEQUE_BIN:-$target/debug/bibliotheque}"
[ -x "$bin" ] || cargo build
venv="$target/open-b-venv"
packages=(openapi-spec-validator==0.9.0 schemathesis==4.32.5 extruct==0.18.0 bibtexparser==2.1.0 rispy==0.10.0)
if ! "$venv/bin/python" -c 'import schemathesis, extruct, bibtexparser, rispy, openapi_spec_validator' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
fi

data=$(mktemp -d)
port=$(python3 "$(dirname "$0")/free-port")
base="http://127.0.0.1:$port"
"$bin" --data-dir "$data" --addr "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server=$!
cleanup() {
  kill -INT "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$data/serve.log"; exit 1; }
  sleep 0.5
done
# The demo is indexed in the background: wait until a filtered list (answered by the index)
# finds what the catalogue holds.
for _ in $(seq 1 120); do
  curl -fs "$base/api/v1/publications?annee_min=1900&per_page=1" | grep -q '"slug"' && break
  sleep 0.5
done

"$venv/bin/python" scripts/check-open-b.py "$base"

# schemathesis: every documented operation with generated parameters (bounded), and no server
# error, no undocumented status, content type or header, no body that the schema refuses.
"$venv/bin/schemathesis" run "$base/api/v1/openapi.json" --url "$base" \
  --max-examples 40 --generation-deterministic \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
