"""What the browser tests share: a headless Chromium of a given width, and axe-core."""
import os

from selenium import webdriver

AXE = open(os.environ["AXE_JS"], encoding="utf-8").read()


def browser(width):
    o = webdriver.ChromeOptions()
    o.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-quic", f"--window-size={width},900"]:
        o.add_argument(a)
    service = webdriver.ChromeService(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    d = webdriver.Chrome(options=o, service=service)
    d.set_window_size(width, 900)
    return d


def run_axe(d, name, width, fail):
    """Every WCAG 2.1 A/AA violation axe-core finds on the page, reported with `fail`."""
    d.execute_script(AXE)
    result = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary)}))))"
        ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));")
    for v in result:
        fail(f"axe {name} @{width}px: {v['id']} ({v.get('impact')}): {v['help']} :: {v['nodes']}")
