#!/usr/bin/env bash
# Sends hostile input to a running `bibliotheque serve` (the public side and the login form),
# and prints the number of requests and the statuses; exits 1 on any 5xx or a refused value
# that was not refused with its status. The admin side is swept by
# `cargo test --test it hostile::sweep -- --nocapture` (it needs an account and a session).
#
#   bibliotheque --data-dir /tmp/sweep --addr 127.0.0.1:18090 &
#   scripts/hostile_sweep.sh http://127.0.0.1:18090
#
# Only for a server on this machine: every request goes to BASE, bounded in number.
set -uo pipefail
base=${1:-http://127.0.0.1:8080}
case "$base" in
  http://127.* | http://localhost* | http://\[::1\]*) ;;
  *) echo "BASE must be a local address (127.0.0.0/8, localhost, [::1])" >&2; exit 2 ;;
esac

declare -A statuses=()
total=0 bad=0

# status METHOD URI [BODY]
status() {
  local args=(-s -g --path-as-is -o /dev/null -w '%{http_code}' --max-time 20 -X "$1")
  if [[ $# -gt 2 ]]; then
    args+=(-H "Origin: $base" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$3")
  fi
  curl "${args[@]}" "$base$2"
}

# expect EXPECTED METHOD URI [BODY]: EXPECTED is a status, or "any" (anything below 500).
expect() {
  local want=$1 got
  shift
  got=$(status "$@")
  total=$((total + 1))
  statuses[$got]=$((${statuses[$got]:-0} + 1))
  if [[ $got == 000 || $got -ge 500 || ($want != any && $got != "$want") ]]; then
    bad=$((bad + 1))
    echo "$1 ${2:0:120}: $got (attendu $want)" >&2
  fi
}

# The first link of a page that starts with PREFIX.
first_link() {
  curl -s "$base$1" | grep -o "href=\"$2[^\"#?]*\"" | head -n 1 | sed 's/^href="//; s/"$//'
}

# A publication with a file.
publication='' file=''
for candidate in $(curl -s "$base/publications" | grep -o 'href="/publications/[^"#?]*"' \
  | sed 's/^href="//; s/"$//'); do
  file=$(first_link "$candidate" /fichiers/)
  if [[ -n $file ]]; then publication=$candidate; break; fi
done
observatory=$(first_link /observatoires /observatoires/)
opco=$(first_link /opco /opco/)
branch=$(first_link /branches /branches/)
scheme=$(first_link /thesaurus /thesaurus/themes)
concept=$(first_link "$scheme" /thesaurus/concepts/)
for found in publication observatory opco branch scheme concept file; do
  [[ -n ${!found} ]] || { echo "no $found link found on $base (is the demo loaded?)" >&2; exit 2; }
done

long10=$(head -c 10000 /dev/zero | tr '\0' a)
long100=$(head -c 100000 /dev/zero | tr '\0' a)
refused=(a%00b a%01b %1B%5B31m a%7Fb a%C2%85b %ED%A0%80 %C0%80 a%C3)

routes=(
  "/ x"
  "/recherche q expand corriger page tri theme type opco observatoire annee region branche x"
  "/api/v1/search q expand corriger page per_page sort theme type opco observatoire annee region branche x"
  "/api/v1/suggest q x"
  "/api/v1/concepts q x"
  "/publications q opco observatoire type annee_min annee_max region branche tri page x"
  "$publication x" "/observatoires x" "$observatory x" "/opco x" "$opco x" "/branches x"
  "$branch x" "$file x" "/thesaurus lettre q x" "/thesaurus/export.ttl x"
  "/thesaurus/export.rdf x" "/thesaurus/export.jsonld x" "$concept x" "$scheme x"
  "/healthz x" "/readyz x" "/connexion suite x"
  "/oai verb identifier metadataPrefix from until set resumptionToken x"
  "/flux.atom x" "/publications/flux.atom q opco observatoire type annee_min annee_max region branche tri page x"
  "/recherche/flux.atom q expand corriger page tri theme type opco observatoire annee region branche x"
  "$observatory/flux.atom x" "$opco/flux.atom x" "$branch/flux.atom x" "$concept/flux.atom x"
  "/robots.txt x" "/sitemap.xml x" "/sitemaps/publications-1.xml x"
)
for route in "${routes[@]}"; do
  read -r path params <<<"$route"
  for param in $params; do
    for value in "${refused[@]}"; do expect 400 GET "$path?$param=$value"; done
    expect 414 GET "$path?$param=$long10"
    expect 414 GET "$path?$param=$long100"
    expect any GET "$path?$param=1&$param=2&$param=1"
    expect any GET "$path?$param=a%09b%0D%0A"
  done
  for value in "${refused[@]}"; do expect 400 GET "$path/$value"; done
done

# The login form: every field.
for field in email mot_de_passe suite x; do
  for value in a%00b a%01b %1B a%7Fb a%C2%85b; do
    expect 422 POST /connexion "email=personne%40b.fr&mot_de_passe=faux&$field=$value"
  done
  for value in %ED%A0%80 %C0%80 %FF; do
    expect 400 POST /connexion "email=personne%40b.fr&mot_de_passe=faux&$field=$value"
  done
  expect any POST /connexion "email=personne%40b.fr&mot_de_passe=faux&$field=$long100"
done

# OAI-PMH by POST: whatever the body, the protocol's error in a 200.
for field in verb identifier metadataPrefix resumptionToken x; do
  for value in a%00b a%01b %1B a%7Fb a%C2%85b %ED%A0%80 %C0%80 %FF "$long100"; do
    expect 200 POST /oai "verb=ListRecords&$field=$value"
  done
done

summary=$(for s in "${!statuses[@]}"; do echo "$s × ${statuses[$s]}"; done | sort | paste -sd, -)
echo "$total requêtes : $summary ; $bad inattendue(s)"
[[ $bad -eq 0 ]]
