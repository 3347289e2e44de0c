"""What the browser tests share: a headless Chromium of a given width, axe-core, the check
every page gets (one h1, a screenshot, axe, no sideways scrolling), pressing a form's button,
and signing in and out by the link from the SMTP server's maildir."""
import email
import email.policy
import os
import re
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

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


def check_page(d, name, width, shots, fail):
    """One h1, a screenshot `name-width.png`, axe, and nothing wider than the window."""
    if len(d.find_elements(By.TAG_NAME, "h1")) != 1:
        fail(f"{name}: not exactly one h1")
    d.save_screenshot(os.path.join(shots, f"{name}-{width}.png"))
    run_axe(d, name, width, fail)
    overflow = d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        wide = d.execute_script(
            "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1"
            " && !e.closest('.table-wrap')).slice(-3).map(e => e.outerHTML.slice(0, 100));")
        fail(f"{name} @{width}px: page is {overflow}px wider than the window: {wide}")


def submit_form(d, selector):
    """Press a form's button and wait until the page it leads to has loaded.

    A marker set on the old document disappears with it. While the documents swap, the driver
    may answer any error (stale element, no such element, loading status unknown), so every
    WebDriverException counts as "not yet" instead of only a stale element."""
    leads_to_next_page(d, lambda: d.find_element(By.CSS_SELECTOR, selector).click())


# How long a page may take to arrive. Generous: the whole test suite shares two cores with
# three browsers and two database servers, and a wait returns as soon as the page is there.
PAGE_WAIT_SECONDS = 45


def leads_to_next_page(d, action):
    """Run `action` (a click, a key press) and wait until the page it leads to has loaded."""
    d.execute_script("window.__klimasporOld = true")
    action()
    WebDriverWait(d, PAGE_WAIT_SECONDS, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return !window.__klimasporOld && document.readyState === 'complete'"))


def main_text(d):
    return d.find_element(By.TAG_NAME, "main").text


def sign_in(d, base, maildir, seen, address, fail):
    """Sign in by the mailed link: ask for it, open the newest unread one, confirm."""
    d.get(base + "/log-ind")
    d.find_element(By.ID, "email").send_keys(address)
    submit_form(d, "main form button[type=submit]")
    link = newest_sign_in_link(maildir, seen, fail)
    if link:
        d.get(link)
        submit_form(d, "main form button[type=submit]")


def sign_out(d, base):
    d.get(base + "/log-ud")
    submit_form(d, "main form button[type=submit]")


def newest_sign_in_link(maildir, seen, fail):
    """The sign-in link in a mail not read before (None, and a failure, when none comes)."""
    deadline = time.time() + 15
    while time.time() < deadline:
        folder = os.path.join(maildir, "new")
        for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if f in seen:
                continue
            msg = email.message_from_bytes(open(os.path.join(folder, f), "rb").read(), policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",)).get_content()
            m = re.search(r"(https?://\S+/log-ind/link\?kode=[0-9a-f]+)", body)
            seen.add(f)
            if m:
                return m.group(1)
        time.sleep(0.2)
    fail("no sign-in mail arrived")
    return None
