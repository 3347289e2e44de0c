#!/usr/bin/env python3
"""The climate pages in a real headless Chromium, at 1280 and 375 px: the public climate page,
the dashboard and a measure page with an inventory, targets and estimates loaded; the form an
owner of measure 1 records a climate assessment with (its errors first, the typed values kept,
then saved and shown); an owner of another measure is refused. axe-core (WCAG 2.1 A/AA) runs on
every page and state; screenshots go to SCREENSHOTS. Started by tests/api/browser.rs.
Environment:
  BASE_URL, AXE_JS, SCREENSHOTS, MAILDIR  as for signin.py
  ASSESSOR_EMAIL   owns measure 1 (climate assessments)
  OTHER_EMAIL      owns measure 14 only
"""
import json
import os
import sys

from selenium.webdriver.common.by import By

import common
from common import browser, check_page, main_text, submit_form

BASE = os.environ["BASE_URL"].rstrip("/")
SHOTS = os.environ["SCREENSHOTS"]
MAILDIR = os.environ["MAILDIR"]
ASSESSOR = os.environ["ASSESSOR_EMAIL"]
OTHER = os.environ["OTHER_EMAIL"]
failures = []
seen = set()


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def check(d, name, width):
    check_page(d, f"climate-{name}", width, SHOTS, fail)


def public_pages(d, width):
    d.get(BASE + "/ballerup/klima")
    text = main_text(d)
    for want in ["Testudgivelse 2025", "198.530", "Mankoen er 58.530 t."]:
        if want not in text:
            fail(f"klima @{width}: {want!r} missing")
    # The chart says its numbers to a screen reader.
    desc = d.execute_script("return document.querySelector('svg.chart desc').textContent")
    if "2023: I alt 198.530 t" not in desc:
        fail(f"klima @{width}: the chart's description lacks 2023's total: {desc[:200]}")
    check(d, "page", width)
    d.get(BASE + "/ballerup")
    if "Udledningen var 198.530 t i 2023" not in main_text(d):
        fail(f"dashboard @{width}: no climate line")
    check(d, "dashboard", width)
    d.get(BASE + "/ballerup/tiltag/14")
    if "20.000 t CO₂e om året" not in main_text(d):
        fail(f"measure 14 @{width}: no effect")
    check(d, "measure", width)


def field_error(d, field):
    found = d.find_elements(By.ID, f"{field}-error")
    return found[0].text if found else None


def assessor_records(d, width):
    d.get(BASE + "/ballerup/klima/vurderinger/ny")
    check(d, "form", width)
    submit_form(d, "#assessment-form button[type=submit]")
    for field in ["title", "committee", "meeting_date", "option-label-0"]:
        if not field_error(d, field):
            fail(f"empty form @{width}: no error next to {field}")
    if not d.find_elements(By.CSS_SELECTOR, ".alert-error a[href='#title']"):
        fail(f"empty form @{width}: the error summary does not link to the title")
    check(d, "form-errors", width)
    title = f"Indkøb af skraldebiler ({width} px)"
    d.find_element(By.ID, "title").send_keys(title)
    d.find_element(By.ID, "committee").send_keys("Teknik- og Miljøudvalget")
    d.execute_script("document.getElementById('meeting_date').value = '2026-11-03'")
    d.find_element(By.ID, "option-label-0").send_keys("Diesel")
    d.find_element(By.ID, "option-tonnes-0").send_keys("310")
    d.find_element(By.ID, "option-label-1").send_keys("El")
    d.find_element(By.ID, "option-tonnes-1").send_keys("mange")
    submit_form(d, "#assessment-form button[type=submit]")
    if not field_error(d, "option-tonnes-1"):
        fail(f"bad amount @{width}: no error next to it")
    if d.find_element(By.ID, "title").get_attribute("value") != title:
        fail(f"bad amount @{width}: the typed title was lost")
    check(d, "form-bad-amount", width)
    box = d.find_element(By.ID, "option-tonnes-1")
    box.clear()
    box.send_keys("-40,5")
    submit_form(d, "#assessment-form button[type=submit]")
    if "/ballerup/klima" not in d.current_url or "Klimavurderingen er gemt." not in main_text(d):
        fail(f"saving @{width}: no receipt on the climate page ({d.current_url})")
    if title not in main_text(d) or "-60.750 kr." not in main_text(d):
        fail(f"saving @{width}: the assessment or its value is not shown")
    check(d, "saved", width)


def other_owner_is_refused(d, width):
    d.get(BASE + "/ballerup/klima/vurderinger/ny")
    if d.find_elements(By.ID, "assessment-form"):
        fail(f"@{width}: an owner of another measure got the form")
    check(d, "refused", width)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    for width in (1280, 375):
        d = browser(width)
        try:
            public_pages(d, width)
            common.sign_in(d, BASE, MAILDIR, seen, ASSESSOR, fail)
            assessor_records(d, width)
            common.sign_out(d, BASE)
            common.sign_in(d, BASE, MAILDIR, seen, OTHER, fail)
            other_owner_is_refused(d, width)
            common.sign_out(d, BASE)
        finally:
            d.quit()
    print(json.dumps({"failures": failures}), flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
