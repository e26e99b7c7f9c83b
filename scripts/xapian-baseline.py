#!/usr/bin/python3
"""The peer issue 12 names: Xapian, plain BM25 with its French stemmer, the words OR-ed.

Reads the same JSON Lines corpora as the library's benchmarks, so that both engines see the
same texts and the same queries. Debian's bindings (`apt-get install -y python3-xapian`) are
for the system's Python: run this with /usr/bin/python3.

    xapian-baseline.py time CORPUS.jsonl QUERIES.txt DB_DIR
        Indexes the corpus into DB_DIR (reused for the same corpus file), then searches
        each query (one per line) for its top 10, in process, after a warm-up pass: median,
        95th and 99th percentile and maximum, in milliseconds (BENCHMARKS.md); once as Xapian
        does by default (the total estimated), once with every match counted.

    xapian-baseline.py run CORPUS.jsonl QUERIES.json > xapian.run
        Indexes the corpus in memory and writes the top 10 of each judged query as a TREC run
        (`id Q0 external_id rank score xapian`), which `realistic_relevance --run` scores
        beside the library's own runs.

Each document is its title, abstract, keywords and body, as one text: BM25 (Xapian's default
weighting, default parameters), no field weights, no accent folding, no synonyms; queries
through Xapian's QueryParser with the French stemmer and OR between words, as typed.
"""

import json
import os
import statistics
import sys
import time

import xapian

TOP = 10


def texts(corpus):
    """(external id, text) of each publication of a JSON Lines corpus."""
    with open(corpus, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            p = json.loads(line)
            parts = [p.get("title"), p.get("abstract"), " ".join(p.get("keywords") or []), p.get("body")]
            yield p["external_id"], "\n".join(part for part in parts if part)


def index(db, corpus):
    generator = xapian.TermGenerator()
    generator.set_stemmer(xapian.Stem("french"))
    count = 0
    for external_id, text in texts(corpus):
        document = xapian.Document()
        generator.set_document(document)
        generator.index_text(text)
        document.set_data(external_id)
        db.add_document(document)
        count += 1
        if count % 500 == 0:
            print(f"  {count} documents indexés", file=sys.stderr)
    db.commit()
    return count


def parser(db):
    qp = xapian.QueryParser()
    qp.set_stemmer(xapian.Stem("french"))
    qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
    qp.set_default_op(xapian.Query.OP_OR)
    qp.set_database(db)
    return qp


def search(db, qp, text, counted=False):
    """The top 10 of `text`; `counted`: every match counted exactly, as a results page that
    shows its total and facet counts must (the default estimates the total and skips what
    cannot reach the top)."""
    enquire = xapian.Enquire(db)
    enquire.set_query(qp.parse_query(text, 0))
    at_least = db.get_doccount() if counted else 0
    mset = enquire.get_mset(0, TOP, at_least)
    return [(m.document.get_data().decode("utf-8"), m.weight) for m in mset]


def timed(corpus, queries_file, db_dir):
    with open(queries_file, encoding="utf-8") as f:
        queries = [line.strip() for line in f if line.strip()]
    # The index is reused only for the very corpus it was built from (its size and date).
    stat = os.stat(corpus)
    stamp = f"{os.path.abspath(corpus)} {stat.st_size} {stat.st_mtime_ns}\n"
    stamp_file = os.path.join(db_dir, "corpus-stamp")
    if os.path.isfile(stamp_file) and open(stamp_file, encoding="utf-8").read() == stamp:
        print(f"index Xapian réutilisé : {db_dir}", file=sys.stderr)
    else:
        started = time.monotonic()
        db = xapian.WritableDatabase(db_dir, xapian.DB_CREATE_OR_OVERWRITE)
        count = index(db, corpus)
        db.close()
        with open(stamp_file, "w", encoding="utf-8") as f:
            f.write(stamp)
        print(f"{count} documents indexés en {time.monotonic() - started:.1f} s", file=sys.stderr)
    db = xapian.Database(db_dir)
    qp = parser(db)
    for counted, name in ((False, "top 10"), (True, "top 10, total exact")):
        for text in queries:  # warm-up: the same pass as the library's benchmark
            search(db, qp, text, counted)
        times = []
        empty = 0
        for text in queries:
            started = time.perf_counter()
            hits = search(db, qp, text, counted)
            times.append((time.perf_counter() - started) * 1000)
            empty += not hits
        times.sort()

        def pct(p):
            return times[min(len(times) - 1, int(p / 100 * len(times)))]

        print(
            f"  Xapian {xapian.version_string()} (BM25, français, OU, {name})  n {len(times):5}  "
            f"p50 {statistics.median(times):6.2f} ms  p95 {pct(95):6.2f} ms  "
            f"p99 {pct(99):6.2f} ms  max {times[-1]:6.2f} ms  ({empty} sans résultat)"
        )


def run(corpus, queries_file):
    db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    index(db, corpus)
    qp = parser(db)
    with open(queries_file, encoding="utf-8") as f:
        judged = json.load(f)
    for q in judged:
        for rank, (external_id, weight) in enumerate(search(db, qp, q["query"]), start=1):
            print(f"{q['id']} Q0 {external_id} {rank} {weight:.4f} xapian")


def main(argv):
    if len(argv) == 5 and argv[1] == "time":
        timed(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "run":
        run(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
