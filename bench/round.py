#!/usr/bin/env python3
"""A reporting round's 84 updates posted through the workspace's progress form by 16 signed-in
clients at once, beside the same updates over the API (bearer token, If-Match), on the release
binary with an embedded SQLite file (what `cargo run --release` runs).

    cargo build --release --locked && python3 bench/round.py [rounds]   # default 10 rounds

Each client is a person signed in by the mailed link (read from the file outbox) with its own
session. Per update the form client does what a browser does: GET the form (its CSRF token and
the sub-goal's version), POST it, follow the 303 to the list is not counted. The API client GETs
the sub-goal (its ETag) and POSTs the progress. Both record the POST's latency; throughput is
updates per second of wall time over all rounds. Writes bench/results/round-<date>.md.
"""
import concurrent.futures
import email
import email.policy
import glob
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/klimaspor")
CLIENTS = 16
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def request(o, url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with o.open(req) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def hidden(body, name):
    m = re.search(rf'name="{name}" value="([^"]*)"', body)
    return m.group(1) if m else ""


def main():
    work = tempfile.mkdtemp(prefix="klimaspor-round-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=f"sqlite://{work}/klimaspor.db", KLIMASPOR_DATA_DIR=work,
               KLIMASPOR_BIND=f"127.0.0.1:{port}", KLIMASPOR_PUBLIC_URL=base, KLIMASPOR_NO_SCHEDULER="true",
               RUST_LOG="warn")
    run = lambda *a: subprocess.run([BIN, *a], env=env, check=True, capture_output=True, text=True).stdout
    server = subprocess.Popen([BIN], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/readyz")
                break
            except Exception:
                time.sleep(0.1)
        for i in range(CLIENTS):
            run("person", "add", "--name", f"Indberetter {i}", "--email", f"p{i}@ballerup.example")
            run("admin", "grant", f"p{i}@ballerup.example", "--plan", "ballerup")
        token = run("token", "create", "--role", "admin", "--name", "API-klient", "--plan", "ballerup").split()[-1]
        ids = []
        page = 1
        while True:
            _, _, body = request(opener(), f"{base}/api/v1/plans/ballerup/subgoals?per_page=100&page={page}")
            data = json.loads(body)
            ids += [g["id"] for g in data["items"]]
            if len(ids) >= data["total"]:
                break
            page += 1
        assert len(ids) == 84, len(ids)

        def sign_in(i):
            o = opener()
            _, _, body = request(o, base + "/log-ind")
            form = urllib.parse.urlencode({"email": f"p{i}@ballerup.example", "csrf": hidden(body, "csrf")}).encode()
            request(o, base + "/log-ind", form, {"Origin": base})
            link = None
            for _ in range(100):
                for f in glob.glob(os.path.join(work, "outbox", "*.eml")):
                    msg = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
                    if msg["To"] != f"p{i}@ballerup.example":
                        continue
                    m = re.search(r"/log-ind/link\?kode=([0-9a-f]+)", msg.get_body(("plain",)).get_content())
                    if m:
                        link = m.group(1)
                if link:
                    break
                time.sleep(0.05)
            _, _, body = request(o, f"{base}/log-ind/link?kode={link}")
            form = urllib.parse.urlencode({"kode": link, "csrf": hidden(body, "csrf")}).encode()
            status, _, _ = request(o, base + "/log-ind/link", form, {"Origin": base})
            assert status == 303, status
            return o

        sessions = [sign_in(i) for i in range(CLIENTS)]
        shares = [ids[i::CLIENTS] for i in range(CLIENTS)]

        def by_form(i, rnd):
            o, lat = sessions[i], []
            for gid in shares[i]:
                _, _, body = request(o, f"{base}/min-side/delmaal/{gid}")
                form = urllib.parse.urlencode({
                    "csrf": hidden(body, "csrf"), "version": hidden(body, "version"),
                    "status": "on_track", "progress": str(rnd % 100), "note": f"Runde {rnd}: fra formularen",
                    "kpi_value": "", "as_of": "", "achieved_on": "", "forecast_outlook": "",
                    "forecast_year": "", "forecast_reason": ""}).encode()
                t = time.perf_counter()
                status, _, page = request(o, f"{base}/min-side/delmaal/{gid}", form,
                                          {"Origin": base, "Content-Type": "application/x-www-form-urlencoded"})
                lat.append(time.perf_counter() - t)
                assert status == 303, (status, page[:500])
            return lat

        def by_api(i, rnd):
            o, lat = opener(), []
            auth = {"Authorization": f"Bearer {token}"}
            for gid in shares[i]:
                _, headers, _ = request(o, f"{base}/api/v1/subgoals/{gid}", headers=auth)
                body = json.dumps({"status": "on_track", "progress": rnd % 100, "note": f"Runde {rnd}: fra API'et"}).encode()
                t = time.perf_counter()
                status, _, text = request(o, f"{base}/api/v1/subgoals/{gid}/progress", body,
                                          dict(auth, **{"If-Match": headers["ETag"], "Content-Type": "application/json"}))
                lat.append(time.perf_counter() - t)
                assert status == 201, (status, text[:300])
            return lat

        results = {}
        for name, fn in (("form", by_form), ("api", by_api)):
            lat, started = [], time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
                for rnd in range(1, ROUNDS + 1):
                    for part in pool.map(lambda i: fn(i, rnd), range(CLIENTS)):
                        lat += part
            wall = time.perf_counter() - started
            lat.sort()
            results[name] = {
                "updates": len(lat), "per_s": len(lat) / wall,
                "p50": statistics.median(lat) * 1000, "p99": lat[int(len(lat) * 0.99) - 1] * 1000,
            }
        date = time.strftime("%Y-%m-%d-%H%M")
        out = os.path.join(ROOT, "bench", "results", f"round-{date}.md")
        with open(out, "w") as f:
            f.write(f"# A round's updates, {CLIENTS} clients at once ({date})\n\n")
            f.write(f"Release binary, embedded SQLite, {ROUNDS} rounds of the plan's 84 sub-goals; "
                    "latency of the POST alone; throughput over the wall time (includes each "
                    "client's GET of the form or the sub-goal first). Client: Python threads on the same 2 cores.\n\n")
            f.write("| path | updates | updates/s | p50 ms | p99 ms |\n|---|---|---|---|---|\n")
            for name, label in (("form", "form: POST /min-side/delmaal/{id} (session, CSRF)"),
                                ("api", "API: POST /api/v1/subgoals/{id}/progress (token, If-Match)")):
                r = results[name]
                f.write(f"| {label} | {r['updates']} | {r['per_s']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} |\n")
        print(open(out).read())
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
