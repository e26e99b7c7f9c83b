#!/usr/bin/env python3
"""Search load over HTTP: 2,000 one- or two-word queries of the field, each sent to the JSON API
and to the results page, from 4 concurrent clients. Prints requests/s, p50 and p99.

    bibliotheque --data-dir /tmp/bench --addr 127.0.0.1:18090 --no-demo &
    python3 scripts/search_load.py http://127.0.0.1:18090
    grep -E 'VmHWM|RssAnon|RssFile' /proc/$(pgrep -f 'addr 127.0.0.1:18090')/status
"""
import urllib.request, urllib.parse, threading, time, random, json, sys
words=["emploi","formation","compétences","recrutement","salariés","branche","métiers","apprentissage","numérique","industrie","santé","commerce","GPEC","FOAD","formation à distance","métiers en tension","transition écologique","égalité professionnelle","qualité de vie au travail","insertion des jeunes"]
random.seed(7)
qs=[" ".join(random.sample(words, random.randint(1,2))) for _ in range(2000)]
base=sys.argv[1]; n=0; times=[]
lock=threading.Lock()
def worker(chunk):
    for q in chunk:
        for path in ("/api/v1/search?q=", "/recherche?q="):
            t=time.perf_counter()
            with urllib.request.urlopen(base+path+urllib.parse.quote(q)) as r: r.read()
            with lock: times.append(time.perf_counter()-t)
ths=[threading.Thread(target=worker,args=(qs[i::4],)) for i in range(4)]
t0=time.perf_counter()
[t.start() for t in ths]; [t.join() for t in ths]
el=time.perf_counter()-t0
times.sort()
print(f"{len(times)} requests in {el:.1f}s, {len(times)/el:.0f} req/s, p50 {times[len(times)//2]*1000:.1f} ms, p99 {times[int(len(times)*.99)]*1000:.1f} ms")
