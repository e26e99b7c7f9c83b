#!/usr/bin/env bash
# Regenerates .sqlx/, the query data that lets sqlx check our SQL at compile time without a
# database. Starts a throwaway PostgreSQL cluster from the system's binaries, applies the
# migrations with psql, builds every target against it, and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
dir=$(mktemp -d /tmp/sqlx-prepare.XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; as=(runuser -u postgres --); fi
"${as[@]}" "$bin/initdb" -D "$dir/data" -U bibliotheque --auth=trust --encoding=UTF8 \
  --locale=C.UTF-8 >/dev/null
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-k $dir -c listen_addresses=" start >/dev/null
trap '"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null; rm -rf "$dir"' EXIT
psql -q "host=$dir user=bibliotheque dbname=postgres" -c "create database bibliotheque"
for migration in migrations/*.sql; do
  psql -q -v ON_ERROR_STOP=1 "host=$dir user=bibliotheque dbname=bibliotheque" -f "$migration"
done
rm -rf .sqlx && mkdir .sqlx
touch src/lib.rs tests/it/main.rs   # make the macros run again
SQLX_OFFLINE=false DATABASE_URL="postgres:///bibliotheque?host=$dir&user=bibliotheque" SQLX_OFFLINE_DIR="$PWD/.sqlx" \
  cargo build --all-targets
echo "$(ls .sqlx | wc -l) queries in .sqlx/"
