#!/usr/bin/env python3
"""The web site in a real headless Chromium (Debian's chromium + chromedriver, driven by
selenium). Started by tests/api/browser.rs against a running klimaspor; exits non-zero with a
list of what failed. Environment:
  BASE_URL        the server, e.g. http://127.0.0.1:41234
  AXE_JS          path to axe-core's axe.min.js
  SCREENSHOTS     folder for the screenshots (both widths)
  NOTE            a note an owner posted over the API on sub-goal NOTE_KEY (measure NOTE_MEASURE)
  NOTE_MEASURE
  REPORT_PATH     the HTML page of a sent report
  KPI_PATH        the page of a KPI that has values
"""
import json
import os
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from common import browser, leads_to_next_page, run_axe, submit_form

BASE = os.environ["BASE_URL"].rstrip("/")
SHOTS = os.environ["SCREENSHOTS"]
NOTE = os.environ["NOTE"]
NOTE_MEASURE = os.environ["NOTE_MEASURE"]
REPORT_PATH = os.environ["REPORT_PATH"]
os.makedirs(SHOTS, exist_ok=True)
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("link", "script", "img") and (a.get("href") or a.get("src")):
            self.links.append(a.get("href") or a.get("src"))


def crawl():
    """Every link on the site, followed from /, answers 200 (the API docs and the API are
    not the site's pages and are only checked to answer)."""
    seen, todo, pages = set(), ["/"], 0
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            with urllib.request.urlopen(BASE + path) as r:
                body = r.read()
                ctype = r.headers.get("Content-Type", "")
                status = r.status
        except urllib.error.HTTPError as e:
            fail(f"crawl: {path} answered {e.code}")
            continue
        if status != 200:
            fail(f"crawl: {path} answered {status}")
        if not ctype.startswith("text/html") or path.startswith("/docs"):
            continue
        pages += 1
        p = Links()
        p.feed(body.decode("utf-8"))
        for href in p.links:
            u = urlparse(urljoin(BASE + path, href))
            if u.scheme not in ("http", "https") or u.netloc != urlparse(BASE).netloc:
                continue
            target = u.path + (("?" + u.query) if u.query else "")
            if target not in seen:
                todo.append(target)
    print(f"crawl: {len(seen)} URLs, {pages} HTML pages", flush=True)
    if pages < 60:
        fail(f"crawl reached only {pages} pages")
    return seen


PAGES = {
    "dashboard": "/ballerup",
    "dashboard-en": "/ballerup?lang=en",
    "theme": "/ballerup/tema/3",
    "measure": f"/ballerup/tiltag/{NOTE_MEASURE}",
    "sub-goals": "/ballerup/delmaal?status=not_reported&sorter=frist",
    "kpis": "/ballerup/noegletal",
    "kpi": None,  # found below
    "owner": None,
    "reports": "/ballerup/rapporter",
    "report": REPORT_PATH,
    "search": "/ballerup/soeg?q=ladestandere",
    "embed": "/ballerup/indlejr/overblik",
    "embed-measure": f"/ballerup/indlejr/tiltag/{NOTE_MEASURE}",
    "not-found": "/ballerup/tiltag/999",
}


def main():
    seen = crawl()
    kpi = sorted(p for p in seen if p.startswith("/ballerup/noegletal/"))
    owner = sorted(p for p in seen if p.startswith("/ballerup/ansvarlig/"))
    PAGES["kpi"] = os.environ["KPI_PATH"]
    if PAGES["kpi"] not in kpi:
        fail(f"{PAGES['kpi']} is not linked from the site")
    PAGES["owner"] = owner[0] if owner else fail("no owner page linked") or "/ballerup"
    for width in (1280, 375):
        d = browser(width)
        try:
            for name, path in PAGES.items():
                d.get(BASE + path)
                lang = d.find_element(By.TAG_NAME, "html").get_attribute("lang")
                want = "en" if "lang=en" in path else "da"
                if lang != want:
                    fail(f"{name}: lang={lang}, want {want}")
                if len(d.find_elements(By.TAG_NAME, "h1")) != 1:
                    fail(f"{name}: not exactly one h1")
                d.save_screenshot(os.path.join(SHOTS, f"{name}-{width}.png"))
                run_axe(d, name, width, fail)
                overflow = d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 1:
                    fail(f"{name} @{width}px: page is {overflow}px wider than the window")
            if width == 1280:
                interactions(d)
        finally:
            d.quit()
    print(json.dumps({"failures": failures}), flush=True)
    sys.exit(1 if failures else 0)


def interactions(d):
    # The filter form: choose a status, submit; the URL can be shared and shows the same.
    d.get(BASE + "/ballerup/delmaal")
    Select(d.find_element(By.ID, "f-status")).select_by_value("not_reported")
    Select(d.find_element(By.ID, "f-sorter")).select_by_value("frist")
    submit_form(d, "form button[type=submit]")
    if "status=not_reported" not in d.current_url or "sorter=frist" not in d.current_url:
        fail(f"filter form: URL {d.current_url}")
    shown = d.find_element(By.CSS_SELECTOR, "p[role=status]").text
    rows = d.find_elements(By.CSS_SELECTOR, "table tbody tr")
    statuses = {r.find_element(By.CSS_SELECTOR, ".status").text for r in rows}
    if not rows or statuses != {"Ikke rapporteret"}:
        fail(f"filter form: {len(rows)} rows with statuses {statuses} ({shown})")
    shared = d.current_url
    d.get(shared)
    if d.find_element(By.CSS_SELECTOR, "p[role=status]").text != shown:
        fail("filter form: the shared URL shows something else")
    # Search with Danish word forms.
    for q, expect in (("ladestandere", "ladestander"), ("energimærkning", "energimærkning")):
        d.get(BASE + "/ballerup/soeg")
        box = d.find_element(By.ID, "q")
        box.send_keys(q)
        leads_to_next_page(d, lambda: box.send_keys(Keys.ENTER))
        marks = [m.text.lower() for m in d.find_elements(By.TAG_NAME, "mark")]
        if not any(expect in m for m in marks):
            fail(f"search {q!r}: no highlighted hit containing {expect!r} (marks: {marks[:5]})")
    d.get(BASE + "/ballerup/soeg?q=" + urllib.request.quote("energimærkningen"))
    if not d.find_elements(By.TAG_NAME, "mark"):
        fail("search 'energimærkningen' finds nothing")
    # The owner's note, posted over the API, on the measure page and the dashboard.
    for path in (f"/ballerup/tiltag/{NOTE_MEASURE}", "/ballerup"):
        d.get(BASE + path)
        if NOTE not in d.find_element(By.TAG_NAME, "main").text:
            fail(f"the owner's note is not on {path}")
    # Keyboard only: Tab reaches every link and control, and the focus is visible.
    for path in ("/ballerup/delmaal?tema=7", f"/ballerup/tiltag/{NOTE_MEASURE}"):
        d.get(BASE + path)
        total = d.execute_script(
            "const all = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]"
            ".filter(e => e.offsetParent !== null && !e.disabled && e.tabIndex >= 0"
            " && !e.closest('details:not([open]) > :not(summary)'));"
            "all.forEach((e, i) => e.setAttribute('data-kf', i)); return all.length;")
        reached, invisible = set(), []
        for _ in range(total + 3):
            d.switch_to.active_element.send_keys(Keys.TAB)
            info = d.execute_script(
                "const e = document.activeElement; const s = getComputedStyle(e);"
                "return [e.getAttribute('data-kf'), e.outerHTML.slice(0, 80), s.outlineStyle, s.boxShadow];")
            if info[0] is None:
                continue
            reached.add(info[0])
            if info[2] == "none" and info[3] == "none":
                invisible.append(info[1])
        missing = d.execute_script(
            "return [...document.querySelectorAll('[data-kf]')].filter(e => !arguments[0].includes(e.getAttribute('data-kf')))"
            ".map(e => e.outerHTML.slice(0, 80));", sorted(reached))
        if missing:
            fail(f"keyboard {path}: Tab never reached {missing[:3]} ({len(reached)} of {total})")
        if invisible:
            fail(f"keyboard {path}: focus not visible on {invisible[:3]}")
        print(f"keyboard {path}: {len(reached)} of {total} reached, focus visible", flush=True)

if __name__ == "__main__":
    main()
