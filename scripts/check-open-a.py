"""Independent clients against a running library: OAI-PMH through Sickle, the Atom feeds
through feedparser, the sitemaps through ultimate-sitemap-parser (usp). Each reads what the
server publishes the way harvesters, feed readers and crawlers do; any disagreement fails.

    python scripts/check-open-a.py http://127.0.0.1:PORT

Run by scripts/check-open-a.sh, which starts the server on a library of more than 100
records (so that harvests resume) and installs these clients in a virtualenv.
"""

import json
import sys
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import feedparser
from sickle import Sickle
from sickle.oaiexceptions import BadArgument, IdDoesNotExist, NoRecordsMatch
from usp.tree import sitemap_tree_for_homepage

BASE = sys.argv[1].rstrip("/")
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def fetch(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as response:
        return response.read().decode("utf-8")


# --- OAI-PMH ---------------------------------------------------------------------------
oai = Sickle(BASE + "/oai", max_retries=2)
identify = oai.Identify()
check(identify.protocolVersion == "2.0", "Identify: protocole 2.0")
check(identify.deletedRecord == "persistent", "Identify: deletedRecord persistent")
check(identify.baseURL == BASE + "/oai", f"Identify: baseURL {identify.baseURL}")

prefixes = [f.metadataPrefix for f in oai.ListMetadataFormats()]
check(prefixes == ["oai_dc", "mods"], f"ListMetadataFormats: {prefixes}")

specs = [s.setSpec for s in oai.ListSets()]
kinds = {spec.split(":")[0] for spec in specs}
check(kinds == {"opco", "observatoire", "type", "theme"}, f"ListSets: kinds {sorted(kinds)}")

records = list(oai.ListRecords(metadataPrefix="oai_dc"))
ids = [r.header.identifier for r in records]
check(len(ids) > 100, f"ListRecords oai_dc: {len(ids)} records, over several pages")
check(len(ids) == len(set(ids)), "ListRecords oai_dc: no record twice")
live = [r for r in records if not r.deleted]
check(all(r.metadata.get("title") for r in live), "ListRecords oai_dc: every record has a title")
check(
    all(any(i.startswith(BASE + "/publications/") for i in r.metadata.get("identifier", [])) for r in live),
    "ListRecords oai_dc: every record names its page",
)

mods = list(oai.ListRecords(metadataPrefix="mods"))
check(len(mods) == len(ids), f"ListRecords mods: {len(mods)} records, as many as oai_dc")
with_uris = [r for r in mods if "valueURI=" in r.raw]
check(len(with_uris) > 0, f"ListRecords mods: {len(with_uris)} records with concept URIs")

identifiers = [h.identifier for h in oai.ListIdentifiers(metadataPrefix="oai_dc")]
check(sorted(identifiers) == sorted(ids), "ListIdentifiers: the same identifiers as ListRecords")

one = oai.GetRecord(identifier=ids[0], metadataPrefix="mods")
check(one.header.identifier == ids[0], "GetRecord mods: the record asked for")

opco = next(spec for spec in specs if spec.startswith("opco:"))
try:
    in_set = [h.identifier for h in oai.ListIdentifiers(metadataPrefix="oai_dc", set=opco)]
    check(set(in_set) <= set(ids), f"ListIdentifiers set={opco}: {len(in_set)} records, all known")
except NoRecordsMatch:
    check(True, f"ListIdentifiers set={opco}: noRecordsMatch")

datestamps = sorted(r.header.datestamp for r in records)
latest = datestamps[-1]
recent = list(oai.ListIdentifiers(metadataPrefix="oai_dc", **{"from": latest}))
check(
    0 < len(recent) and all(h.datestamp >= latest for h in recent)
    and len(recent) == sum(1 for d in datestamps if d >= latest),
    f"ListIdentifiers from={latest}: {len(recent)} records, those of that second",
)
try:
    list(oai.ListIdentifiers(metadataPrefix="oai_dc", **{"from": "2100-01-01"}))
    check(False, "ListIdentifiers from=2100-01-01: noRecordsMatch expected")
except NoRecordsMatch:
    check(True, "ListIdentifiers from=2100-01-01: noRecordsMatch")

for call, expected in [
    (lambda: oai.GetRecord(identifier="oai:ailleurs:123", metadataPrefix="oai_dc"), IdDoesNotExist),
    (lambda: list(oai.ListRecords(metadataPrefix="oai_dc", **{"from": "hier"})), BadArgument),
]:
    try:
        call()
        check(False, f"{expected.__name__} expected")
    except expected:
        check(True, f"error {expected.__name__}")

# --- Atom feeds ------------------------------------------------------------------------


class FeedLinks(HTMLParser):
    """The Atom feeds that a page names in its head."""

    def __init__(self):
        super().__init__()
        self.feeds = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate" and attrs.get("type") == "application/atom+xml":
            self.feeds.append(attrs["href"])


def feed_of(page):
    parser = FeedLinks()
    parser.feed(fetch(page))
    check(len(parser.feeds) == 1, f"{page}: names its feed {parser.feeds}")
    return parser.feeds[0] if parser.feeds else None


observatory = next(spec.split(":", 1)[1] for spec in specs if spec.startswith("observatoire:"))
pages = ["/", "/publications?type=etude", f"/observatoires/{observatory}", "/opco/akto",
         "/recherche?q=formation"]
# Feeds are read from the search index, built at start: wait until it holds every live record.
deadline = time.time() + 180
while time.time() < deadline:
    total = json.loads(fetch("/api/v1/search?per_page=1")).get("total", 0)
    if total >= len(live):
        break
    time.sleep(1)
check(total >= len(live), f"search index: {total} of {len(live)} live records")
for page in pages:
    path = feed_of(page)
    if path is None:
        continue
    feed = feedparser.parse(fetch(path))
    check(not feed.bozo, f"{path}: well-formed ({feed.get('bozo_exception')})")
    check(feed.version == "atom10", f"{path}: Atom 1.0")
    check(feed.feed.get("title"), f"{path}: a title")
    for entry in feed.entries:
        for field in ("title", "link", "id", "updated", "summary", "author"):
            if not entry.get(field):
                check(False, f"{path}: entry {entry.get('id')} without {field}")
        for enclosure in entry.get("enclosures", []):
            if not (enclosure.get("type") and enclosure.get("length") and enclosure.get("href", "").startswith(BASE)):
                check(False, f"{path}: enclosure {enclosure}")
    pdfs = [e for e in feed.entries if any(x.get("type") == "application/pdf" for x in e.get("enclosures", []))]
    check(len(feed.entries) > 0 or page.startswith("/recherche"), f"{path}: {len(feed.entries)} entries")
    if page == "/":
        check(len(pdfs) > 0, f"{path}: {len(pdfs)} entries with their PDF as an enclosure")

# --- robots.txt and sitemaps -------------------------------------------------------------
robots = fetch("/robots.txt")
check("Disallow: /admin" in robots, "robots.txt: /admin disallowed")
check(f"Sitemap: {BASE}/sitemap.xml" in robots, "robots.txt: names the sitemap")
tree = sitemap_tree_for_homepage(BASE + "/", use_known_paths=False)
urls = {page.url for page in tree.all_pages()}
publications = {u for u in urls if u.startswith(BASE + "/publications/")}
check(len(publications) == len(live), f"sitemaps: {len(publications)} publications, {len(live)} live records")
for prefix in ("/observatoires/", "/opco/", "/branches/", "/thesaurus/concepts/"):
    found = [u for u in urls if u.startswith(BASE + prefix)]
    check(len(found) > 0, f"sitemaps: {len(found)} pages under {prefix}")
dated = [p for p in tree.all_pages() if p.url in publications and p.last_modified]
check(len(dated) == len(publications), "sitemaps: every publication dated (lastmod)")

if failures:
    print(f"\n{len(failures)} échec(s)", file=sys.stderr)
    sys.exit(1)
print("\nOAI-PMH (Sickle), flux Atom (feedparser), sitemaps (usp) : tout est conforme.")
