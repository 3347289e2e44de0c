#!/usr/bin/env python3
"""Signing in and administering a plan in a real headless Chromium, at 1280 and 375 px:
the e-mailed link (read from the SMTP server's maildir) followed in the browser, the pages of
/min-side and /admin used through their forms, signing out, and signing in with the OpenID
provider's own login page. axe-core (WCAG 2.1 A/AA) runs on every page, in its error states
too; screenshots go to SCREENSHOTS. Started by tests/api/browser.rs. Environment:
  BASE_URL, AXE_JS, SCREENSHOTS  as for site.py
  MAILDIR       the SMTP server's maildir (its new/ holds the mails)
  ADMIN_EMAIL   a person who administers the plan 'ballerup'
  OIDC_EMAIL    a person the OpenID provider signs in (its login page takes any name)
"""
import json
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from common import browser, check_page, leads_to_next_page, newest_sign_in_link, submit_form

BASE = os.environ["BASE_URL"].rstrip("/")
SHOTS = os.environ["SCREENSHOTS"]
MAILDIR = os.environ["MAILDIR"]
ADMIN = os.environ["ADMIN_EMAIL"]
OIDC_EMAIL = os.environ["OIDC_EMAIL"]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def check(d, name, width):
    check_page(d, f"signin-{name}", width, SHOTS, fail)


def submit(d, selector):
    submit_form(d, selector)


def newest_link(seen):
    return newest_sign_in_link(MAILDIR, seen, fail) or BASE + "/log-ind"


def sign_in_by_mail(d, width, seen):
    d.get(BASE + "/log-ind")
    check(d, "log-ind", width)
    # Nothing typed: the error is next to the field and in the summary that links to it.
    submit(d, "main form button[type=submit]")
    if not d.find_elements(By.ID, "email-error"):
        fail("log-ind: no error next to the empty field")
    summary = d.find_elements(By.CSS_SELECTOR, ".alert-error a[href='#email']")
    if not summary:
        fail("log-ind: the error summary does not link to the field")
    check(d, "log-ind-fejl", width)
    box = d.find_element(By.ID, "email")
    box.clear()
    box.send_keys(ADMIN)
    submit(d, "main form button[type=submit]")
    if not d.current_url.endswith("/log-ind/sendt"):
        fail(f"after asking for a link: {d.current_url}")
    check(d, "sendt", width)
    d.get(newest_link(seen))
    check(d, "link", width)
    submit(d, "main form button[type=submit]")
    if not d.current_url.endswith("/min-side"):
        fail(f"after the link: {d.current_url}")
    check(d, "min-side", width)


def administer(d, width):
    d.get(BASE + "/admin")
    check(d, "admin", width)
    d.get(BASE + "/admin/ballerup/personer")
    check(d, "personer", width)
    # A person without a name: the form says so.
    d.find_element(By.ID, "email").send_keys(f"ny{width}@ballerup.example")
    submit(d, "#person-form button[type=submit]")
    if not d.find_elements(By.ID, "name-error"):
        fail("personer: no error next to the missing name")
    check(d, "personer-fejl", width)
    d.find_element(By.ID, "name").send_keys(f"Ny Medarbejder {width}")
    Select(d.find_element(By.ID, "owner")).select_by_index(1)
    Select(d.find_element(By.ID, "role")).select_by_value("reader")
    submit(d, "#person-form button[type=submit]")
    if "/admin/ballerup/personer/" not in d.current_url:
        fail(f"after adding a person: {d.current_url}")
    main = d.find_element(By.TAG_NAME, "main").text
    if f"ny{width}@ballerup.example" not in main:
        fail("the new person's page does not show their address")
    check(d, "person", width)
    d.get(BASE + "/admin/ballerup/ansvar")
    check(d, "ansvar", width)
    d.get(BASE + "/admin/ballerup/tokens")
    d.find_element(By.ID, "name").send_keys("Energistyring")
    Select(d.find_element(By.ID, "kind")).select_by_value("reader")
    submit(d, "#token-form button[type=submit]")
    shown = d.find_elements(By.ID, "new-token")
    if not shown or not shown[0].get_attribute("value").startswith("ks_"):
        fail("tokens: the new token is not shown")
    check(d, "tokens", width)
    # Revoke it with the button in its row: the page comes back and the row says so.
    live = [r for r in d.find_elements(By.CSS_SELECTOR, "main table tbody tr")
            if "Energistyring" in r.text and r.find_elements(By.TAG_NAME, "button")]
    if not live:
        fail("tokens: no revoke button next to the new token")
    else:
        number = live[0].find_element(By.TAG_NAME, "td").text
        leads_to_next_page(d, lambda: live[0].find_element(By.TAG_NAME, "button").click())
        if not d.current_url.endswith("/admin/ballerup/tokens"):
            fail(f"tokens: after revoking {d.current_url}")
        row = [r for r in d.find_elements(By.CSS_SELECTOR, "main table tbody tr")
               if r.find_element(By.TAG_NAME, "td").text == number]
        if not row or "Tilbagekaldt" not in row[0].text:
            fail(f"tokens: token {number} is not shown as revoked")
        check(d, "tokens-tilbagekaldt", width)
    climate(d, width)
    d.get(BASE + "/admin/ballerup/log")
    rows = d.find_elements(By.CSS_SELECTOR, "main table tbody tr")
    if len(rows) < 3:
        fail(f"log: {len(rows)} entries")
    check(d, "log", width)


def climate(d, width):
    """The climate figures: a target refused then set, a measure's effect set with a reason."""
    d.get(BASE + "/admin/ballerup/klima")
    check(d, "klima", width)
    d.find_element(By.ID, "year").send_keys("2030")
    d.find_element(By.ID, "base_year").send_keys("1990")
    d.find_element(By.ID, "reduction_pct").send_keys("170")
    submit(d, "#target-form button[type=submit]")
    if not d.find_elements(By.ID, "reduction_pct-error"):
        fail("klima: no error next to a reduction of 170 %")
    check(d, "klima-fejl", width)
    field = d.find_element(By.ID, "reduction_pct")
    field.clear()
    field.send_keys("70")
    d.find_element(By.ID, "source").send_keys("Klimahandleplanen 2021")
    submit(d, "#target-form button[type=submit]")
    if "70 % lavere i 2030 end i 1990" not in d.find_element(By.TAG_NAME, "main").text:
        fail("klima: the target is not shown after saving it")
    leads_to_next_page(d, lambda: d.find_element(By.CSS_SELECTOR, "#tiltag-14 a").click())
    check(d, "klima-tiltag", width)
    for name, value in [("tonnes_per_year", "1.200"), ("full_from", "2028"),
                        ("basis", "Energimærker for 40 bygninger"), ("basis_source", "Notat"),
                        ("reason", f"Skøn {width}")]:
        field = d.find_element(By.ID, name)
        field.clear()
        field.send_keys(value)
    submit(d, "#effect-form button[type=submit]")
    row = d.find_elements(By.ID, "tiltag-14")
    if not row or "1.200 t om året fra 2028" not in row[0].text:
        fail(f"klima: measure 14 after saving its effect: {row[0].text if row else d.current_url}")


def sign_out(d, width):
    d.get(BASE + "/log-ud")
    check(d, "log-ud", width)
    submit(d, "main form button[type=submit]")
    check(d, "logget-ud", width)
    d.get(BASE + "/min-side")
    if not d.current_url.endswith("/log-ind"):
        fail(f"after signing out /min-side is {d.current_url}")


def sign_in_with_provider(d):
    d.get(BASE + "/log-ind")
    leads_to_next_page(d, lambda: d.find_element(By.LINK_TEXT, "Log ind med din arbejdskonto").click())
    d.find_element(By.NAME, "login").send_keys(OIDC_EMAIL)
    d.find_element(By.NAME, "password").send_keys("x")
    submit(d, "button[type=submit]")
    if not d.current_url.endswith("/min-side"):
        fail(f"after the OpenID provider: {d.current_url}")
    elif "Arbejdskonto" not in d.find_element(By.TAG_NAME, "main").text:
        fail("min-side does not show the work-account session")
    check(d, "min-side-oidc", 1280)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    seen = set()
    for width in (1280, 375):
        d = browser(width)
        try:
            sign_in_by_mail(d, width, seen)
            administer(d, width)
            sign_out(d, width)
            if width == 1280:
                sign_in_with_provider(d)
        finally:
            d.quit()
    print(json.dumps({"failures": failures}), flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
