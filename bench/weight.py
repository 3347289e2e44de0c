#!/usr/bin/env python3
"""What a visit to a page transfers, as Chromium counts it (Resource Timing transferSize:
headers and compressed bodies): a first visit with an empty cache, then a repeat visit (the
page revalidated with its ETag, the assets from the cache). Prints one Markdown line.
  python3 bench/weight.py http://127.0.0.1:8080/ballerup"""
import sys

from selenium import webdriver

url = sys.argv[1]
o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync"]:
    o.add_argument(a)
d = webdriver.Chrome(options=o, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))
SUM = ("const n = performance.getEntriesByType('navigation')[0];"
       "const r = performance.getEntriesByType('resource');"
       "return [n.transferSize, r.reduce((a, e) => a + e.transferSize, 0), r.length,"
       " r.map(e => e.name.split('/').pop() + ':' + e.transferSize).join(' ')];")
try:
    d.get(url)
    first = d.execute_script(SUM)
    d.get(url)  # the same page again: a repeat visit
    repeat = d.execute_script(SUM)
finally:
    d.quit()
kb = lambda b: f"{b / 1024:.1f} KB"
print(f"Page weight of {url.split('//', 1)[1].split('/', 1)[1] or '/'} in headless Chromium: first visit "
      f"{kb(first[0] + first[1])} ({kb(first[0])} page + {first[2]} files {kb(first[1])}: {first[3]}); "
      f"repeat visit {kb(repeat[0] + repeat[1])}.")
