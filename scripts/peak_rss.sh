#!/usr/bin/env bash
# Runs a command and prints, on stderr, the peaks of its resident memory: anonymous (what the
# process allocated) and file-backed (pages of mapped files, such as the index), sampled from
# /proc/PID/status every 50 ms. `/usr/bin/time -v` reports only their sum.
#
#   scripts/peak_rss.sh target/release/bibliotheque --data-dir DIR reindex
set -uo pipefail
"$@" &
pid=$!
anon=0 file=0 total=0
while kill -0 "$pid" 2>/dev/null; do
  read -r a f < <(awk '/^RssAnon/{a=$2} /^RssFile/{f=$2} END{print a+0, f+0}' "/proc/$pid/status" 2>/dev/null)
  if [[ -n "${a:-}" ]]; then
    ((a > anon)) && anon=$a
    ((f > file)) && file=$f
    ((a + f > total)) && total=$((a + f))
  fi
  sleep 0.05
done
wait "$pid"
status=$?
echo "pic de mémoire résidente : anonyme $((anon / 1024)) Mo, fichiers $((file / 1024)) Mo, total $((total / 1024)) Mo" >&2
exit "$status"
