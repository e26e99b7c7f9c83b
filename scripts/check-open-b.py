"""Independent clients against a running library (issue 15, part B): the OpenAPI document
validated by openapi-spec-validator, a publication page read by extruct (JSON-LD, Open Graph,
Dublin Core), its Signposting links, its citations parsed by bibtexparser and rispy, and a
search's citations. schemathesis runs from check-open-b.sh, which starts the server.

Usage: check-open-b.py BASE_URL (e.g. http://127.0.0.1:PORT). Exits non-zero on the first
failure, saying what failed.
"""

import json
import re
import sys
import unicodedata

import bibtexparser
import bibtexparser.middlewares
import extruct
import requests
import rispy
from openapi_spec_validator import validate

BASE = sys.argv[1].rstrip("/")
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def get(path, **kwargs):
    response = requests.get(BASE + path, timeout=30, **kwargs)
    return response


def plain(text):
    """Text as a reader sees it: what BibTeX's accents decode to, typographic quotes as
    straight ones, spaces collapsed."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'")
    return " ".join(text.split())


# The OpenAPI document.
spec = get("/api/v1/openapi.json").json()
validate(spec)
check(spec["openapi"].startswith("3.1"), "openapi.json is a valid OpenAPI 3.1 document")
for path in [
    "/api/v1/publications",
    "/api/v1/publications/{id}",
    "/api/v1/observatoires",
    "/api/v1/opco",
    "/api/v1/branches",
    "/api/v1/concepts/{id}",
]:
    check(path in spec["paths"], f"openapi.json documents {path}")

# A publication with a PDF and subjects, through the API.
chosen = None
url = "/api/v1/publications?per_page=100"
while url and chosen is None:
    page = requests.get(url if url.startswith("http") else BASE + url, timeout=30).json()
    for item in page["items"]:
        record = requests.get(item["api_url"], timeout=30).json()
        has_pdf = any(f["media_type"] == "application/pdf" for f in record["files"])
        if has_pdf and record["subjects"] and record["abstract"] and record["licence_url"]:
            chosen = record
            break
    url = page.get("next")
check(chosen is not None, "the API lists a publication with a PDF, subjects, an abstract and a licence")
if chosen is None:
    sys.exit(1)
page_url = chosen["url"]
print("publication:", page_url)

# Its page, as extruct reads it.
response = requests.get(page_url, timeout=30)
html = response.text
data = extruct.extract(html, base_url=page_url, syntaxes=["json-ld", "opengraph", "dublincore"])
reports = [d for d in data["json-ld"] if d.get("@type") == "Report"]
check(len(reports) == 1, "extruct finds one schema.org Report in the JSON-LD")
report = reports[0] if reports else {}
check(report.get("name") == chosen["title"], "Report.name is the title")
check(report.get("datePublished") == chosen["published_on"], "Report.datePublished")
check(report.get("inLanguage") == chosen["language"], "Report.inLanguage")
check(report.get("author", {}).get("name") == chosen["observatory"]["name"], "Report.author is the observatory")
check(bool(report.get("publisher", {}).get("name")), "Report.publisher")
check(bool(report.get("license")), "Report.license")
about = {a.get("@id") for a in report.get("about", [])}
check(about == {s["uri"] for s in chosen["subjects"]}, "Report.about holds the subjects' concept URIs")
encoding = report.get("encoding", [])
check(
    {e.get("contentUrl") for e in encoding} == {f["url"] for f in chosen["files"]}
    and all(e.get("@type") == "MediaObject" and e.get("encodingFormat") for e in encoding),
    "Report.encoding: one MediaObject per file, with its URL and type",
)
check(report.get("isPartOf", {}).get("@type") == "Collection", "Report.isPartOf")
og = {k: v for k, v in (data["opengraph"][0]["properties"] if data["opengraph"] else [])}
check(og.get("og:title", "").startswith(chosen["title"]) and og.get("og:url") == page_url, "Open Graph title and URL")
dc = {}
for element in (data["dublincore"][0]["elements"] if data["dublincore"] else []):
    dc.setdefault(element["name"].lower().removeprefix("dc."), []).append(element["content"])
check(dc.get("creator") == [chosen["observatory"]["name"]], "Dublin Core creator")
check(dc.get("identifier") == [page_url], "Dublin Core identifier")
metas = dict(re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)"', html))
for name in ["citation_title", "citation_publication_date", "citation_technical_report_institution",
             "citation_pdf_url", "citation_language", "citation_keywords"]:
    check(bool(metas.get(name)), f"{name} is in the page")
pdf = metas.get("citation_pdf_url", "")
check(pdf.split("/")[2:3] == page_url.split("/")[2:3] and requests.get(pdf, timeout=30).headers.get("content-type") == "application/pdf",
      "citation_pdf_url is an absolute PDF on the same host")
abstract_words = plain(chosen["abstract"])
check(abstract_words in plain(re.sub(r"<[^>]+>", " ", html.replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&"))),
      "the whole abstract is on the page")

# Signposting.
links = []
for part in re.findall(r'<([^>]+)>((?:\s*;\s*[a-z]+="[^"]*")+)', response.headers.get("link", "")):
    target, params = part
    links.append((target, dict(re.findall(r'([a-z]+)="([^"]*)"', params))))
rels = {}
for target, params in links:
    rels.setdefault(params.get("rel"), []).append((target, params.get("type")))
check(rels.get("cite-as") == [(page_url, None)], "Link rel=cite-as is the page")
described = {t: ty for t, ty in rels.get("describedby", [])}
check("application/ld+json" in described.values() and "application/x-bibtex" in described.values(),
      "Link rel=describedby with types (JSON-LD, BibTeX…)")
check({t for t, _ in rels.get("item", [])} == {f["url"] for f in chosen["files"]}
      and all(ty for _, ty in rels.get("item", [])), "Link rel=item with type for each file")
check(bool(rels.get("license")) and bool(rels.get("author")) and bool(rels.get("collection")),
      "Link rel=license, author and collection")
for target, media_type in rels.get("describedby", []):
    got = requests.get(target, timeout=30)
    check(got.status_code == 200 and got.headers["content-type"].startswith(media_type),
          f"describedby {media_type} answers with its type")

# Its citations, read by independent parsers.
links_in_page = dict(re.findall(r'<a href="([^"]+)" type="([^"]+)" download>', html))
for media_type in ["application/x-bibtex", "application/x-research-info-systems", "application/vnd.citationstyles.csl+json"]:
    check(media_type in links_in_page.values(), f"the page links its {media_type} citation with its type")


def parse_bibtex(text):
    library = bibtexparser.parse_string(text, append_middleware=[bibtexparser.middlewares.LatexDecodingMiddleware()])
    return library


bib = requests.get(BASE + chosen["links"]["bibtex"].split(BASE, 1)[-1], timeout=30)
check(bib.headers["content-type"].startswith("application/x-bibtex"), "BibTeX media type")
library = parse_bibtex(bib.text)
check(not library.failed_blocks and len(library.entries) == 1, "bibtexparser reads the BibTeX entry")
if library.entries:
    entry = library.entries[0]
    title = chosen["title"] + (f" : {chosen['subtitle']}" if chosen["subtitle"] else "")
    check(entry.entry_type == "techreport", "BibTeX entry is a techreport")
    check(plain(entry["title"]) == plain(title), f"BibTeX title decodes to the title ({entry['title']!r})")
    check(plain(entry["institution"]) == plain(chosen["observatory"]["name"]), "BibTeX institution decodes to the observatory")
    check(plain(entry["abstract"]) == plain(chosen["abstract"]), "BibTeX abstract decodes to the abstract")

ris = requests.get(chosen["links"]["ris"], timeout=30)
check(ris.headers["content-type"].startswith("application/x-research-info-systems"), "RIS media type")
records = rispy.loads(ris.text)
check(len(records) == 1 and records[0]["type_of_reference"] == "RPRT", "rispy reads one RPRT record")
if records:
    check(records[0].get("title") == chosen["title"], "RIS title")
    check(records[0].get("url") in (page_url, [page_url]) or page_url in records[0].get("urls", []), "RIS URL")

csl = requests.get(chosen["links"]["csl_json"], timeout=30)
check(csl.headers["content-type"].startswith("application/vnd.citationstyles.csl+json"), "CSL-JSON media type")
items = csl.json()
check(len(items) == 1 and items[0]["type"] == "report" and items[0]["URL"] == page_url, "CSL-JSON item")

# A whole search's citations. The demo's files are still having their text extracted and
# indexed at first start, which changes what a search finds: compare within a quiet moment.
import time

for attempt in range(60):
    before = get("/api/v1/search", params={"q": "formation", "per_page": 1}).json()["total"]
    bib = get("/recherche/citations.bib", params={"q": "formation"})
    ris_text = get("/recherche/citations.ris", params={"q": "formation"}).text
    items = get("/recherche/citations.json", params={"q": "formation"}).json()
    after = get("/api/v1/search", params={"q": "formation", "per_page": 1}).json()["total"]
    if before == after:
        break
    time.sleep(1)
total = min(after, 1000)
check(total > 1, f"a search finds several publications ({total})")
library = parse_bibtex(bib.text)
check(not library.failed_blocks and len(library.entries) == total,
      f"a search's BibTeX holds its {total} results, all readable ({len(library.entries)})")
records = rispy.loads(ris_text)
check(len(records) == total, f"a search's RIS holds its {total} results ({len(records)})")
check(len(items) == total, f"a search's CSL-JSON holds its {total} results ({len(items)})")

if failures:
    print(f"\n{len(failures)} failed:", *failures, sep="\n  ")
    sys.exit(1)
print("\nall independent checks of part B passed")
