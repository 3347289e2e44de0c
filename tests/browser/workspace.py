#!/usr/bin/env python3
"""The owners' workspace and the reporting round in a real headless Chromium, at 1280 and
375 px: an owner signs in by the mailed link, updates a sub-goal (its errors first), confirms
another as unchanged, hits the conflict when a colleague saved first, and sees the result on the
public page; the keyboard alone fills in and sends the progress form; the form works with
JavaScript switched off; the admin extends the round; a committee member asks a question and
the owner answers it. axe-core (WCAG 2.1 A/AA) runs on every page, in its error states too;
screenshots go to SCREENSHOTS. Started by tests/api/browser.rs. Environment:
  BASE_URL, AXE_JS, SCREENSHOTS, MAILDIR  as for signin.py
  OWNER_EMAIL       owns measures 14 and 15
  ADMIN_EMAIL       administers the plan 'ballerup'
  COMMITTEE_EMAIL   has the committee role on it
  ADMIN_TOKEN       an API token of the plan's administrator (the colleague who saves first)
  REPORT_ID         a sent UGO status
  GOAL_14, GOAL_15  the ids of sub-goals 14.1 and 15.1
"""
import json
import os
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

import common
from common import PAGE_WAIT_SECONDS, browser, check_page, leads_to_next_page, main_text, newest_sign_in_link, submit_form

BASE = os.environ["BASE_URL"].rstrip("/")
SHOTS = os.environ["SCREENSHOTS"]
MAILDIR = os.environ["MAILDIR"]
OWNER = os.environ["OWNER_EMAIL"]
ADMIN = os.environ["ADMIN_EMAIL"]
COMMITTEE = os.environ["COMMITTEE_EMAIL"]
TOKEN = os.environ["ADMIN_TOKEN"]
REPORT = os.environ["REPORT_ID"]
G14 = os.environ["GOAL_14"]
G15 = os.environ["GOAL_15"]
failures = []
seen = set()


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def check(d, name, width):
    check_page(d, f"workspace-{name}", width, SHOTS, fail)


def sign_in(d, address):
    common.sign_in(d, BASE, MAILDIR, seen, address, fail)


def sign_out(d):
    common.sign_out(d, BASE)


def colleague_saves(note):
    """The administrator saves progress on 14.1 over the API, as a colleague would."""
    req = urllib.request.Request(f"{BASE}/api/v1/subgoals/{G14}", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req) as r:
        etag = r.headers["ETag"]
    body = json.dumps({"status": "on_track", "progress": 50, "note": note}).encode()
    req = urllib.request.Request(f"{BASE}/api/v1/subgoals/{G14}/progress", data=body, method="POST", headers={
        "Authorization": f"Bearer {TOKEN}", "If-Match": etag, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        if r.status != 201:
            fail(f"the colleague's save answered {r.status}")


def owner_updates(d, width):
    d.get(BASE + "/min-side/delmaal")
    check(d, "liste", width)
    if "Delmål 14.1" not in main_text(d):
        fail("the list does not show 14.1")
    d.get(f"{BASE}/min-side/delmaal/{G14}")
    check(d, "formular", width)
    # Errors first: each next to its field, what was typed kept.
    p = d.find_element(By.ID, "progress")
    p.clear()
    p.send_keys("150")
    d.find_element(By.ID, "kpi_value").send_keys("tolv")
    d.find_element(By.ID, "note").send_keys(f"Notat skrevet ved {width} px")
    submit_form(d, "#progress-form button[type=submit]")
    for field in ("progress", "kpi_value"):
        if not d.find_elements(By.ID, f"{field}-error"):
            fail(f"no error next to {field}")
        if not d.find_elements(By.CSS_SELECTOR, f".alert-error a[href='#{field}']"):
            fail(f"the error summary does not link to {field}")
    if d.find_element(By.ID, "note").get_attribute("value") != f"Notat skrevet ved {width} px":
        fail("the note typed was not kept")
    check(d, "formular-fejl", width)
    p = d.find_element(By.ID, "progress")
    p.clear()
    p.send_keys("40")
    k = d.find_element(By.ID, "kpi_value")
    k.clear()
    k.send_keys("12,5")
    Select(d.find_element(By.ID, "status")).select_by_value("at_risk")
    d.find_element(By.ID, "forecast_outlook_no").click()
    y = d.find_element(By.ID, "forecast_year")
    y.clear()
    y.send_keys("2027")
    r = d.find_element(By.ID, "forecast_reason")
    r.clear()
    r.send_keys("Leverandøren er forsinket")
    submit_form(d, "#progress-form button[type=submit]")
    if "er gemt" not in main_text(d):
        fail(f"no receipt after saving: {d.current_url}")
    check(d, "gemt", width)
    # Public: the measure page shows the new status and the forecast.
    d.get(BASE + "/ballerup/tiltag/14")
    text = main_text(d)
    if "Nej, nås ikke til tiden – forventet 2027" not in text or f"Notat skrevet ved {width} px" not in text:
        fail("the public measure page does not show the update and the forecast")
    check(d, "offentlig", width)


def owner_confirms(d, width):
    d.get(BASE + "/min-side/delmaal")
    buttons = d.find_elements(By.CSS_SELECTOR, f"form[action$='/min-side/delmaal/{G15}/bekraeft'] button")
    if not buttons:
        fail("no confirm button for 15.1")
        return
    submit_form(d, f"form[action$='/min-side/delmaal/{G15}/bekraeft'] button")
    if "bekræftet uændret" not in main_text(d):
        fail("no receipt after confirming 15.1")
    check(d, "bekraeftet", width)


def owner_meets_a_conflict(d, width):
    d.get(f"{BASE}/min-side/delmaal/{G14}")
    note = d.find_element(By.ID, "note")
    note.send_keys(f"Min note ved {width} px")
    colleague_saves(f"Kollegaens note ved {width} px")
    submit_form(d, "#progress-form button[type=submit]")
    text = main_text(d)
    if "En anden har gemt en opdatering" not in text or f"Kollegaens note ved {width} px" not in text:
        fail("the conflict does not show the colleague's update")
    if d.find_element(By.ID, "note").get_attribute("value") != f"Min note ved {width} px":
        fail("the note typed was lost in the conflict")
    check(d, "konflikt", width)
    submit_form(d, "#progress-form button[type=submit]")
    if "er gemt" not in main_text(d):
        fail("saving on top of the colleague's update failed")


def keyboard_only(d):
    """From the page's top, Tab reaches the progress field; typing and Enter send the form."""
    d.get(f"{BASE}/min-side/delmaal/{G14}")
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(80):
        if d.switch_to.active_element.get_attribute("id") == "progress":
            break
        d.switch_to.active_element.send_keys(Keys.TAB)
    else:
        fail("Tab never reached the progress field")
        return
    field = d.switch_to.active_element
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("45")
    leads_to_next_page(d, lambda: field.send_keys(Keys.ENTER))
    if "er gemt" not in main_text(d):
        fail("the keyboard could not send the progress form")


def without_javascript():
    """The form needs no JavaScript: a browser with it switched off saves an update."""
    o = webdriver.ChromeOptions()
    o.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=375,900"]:
        o.add_argument(a)
    o.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    d = webdriver.Chrome(options=o, service=webdriver.ChromeService(
        executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")))
    # No script runs in these pages, so the waits watch the address instead.
    def press_and_wait(selector, url_part):
        d.find_element(By.CSS_SELECTOR, selector).click()
        WebDriverWait(d, PAGE_WAIT_SECONDS, ignored_exceptions=(WebDriverException,)).until(
            lambda d: url_part in d.current_url and d.find_elements(By.TAG_NAME, "main"))

    try:
        d.get(BASE + "/log-ind")
        d.find_element(By.ID, "email").send_keys(OWNER)
        press_and_wait("main form button[type=submit]", "/log-ind/sendt")
        link = newest_sign_in_link(MAILDIR, seen, fail)
        if not link:
            return
        d.get(link)
        press_and_wait("main form button[type=submit]", "/min-side")
        d.get(f"{BASE}/min-side/delmaal/{G14}")
        d.find_element(By.ID, "note").send_keys("Uden JavaScript")
        press_and_wait("#progress-form button[type=submit]", "gemt=")
        if "er gemt" not in d.find_element(By.TAG_NAME, "main").text:
            fail("without JavaScript the form did not save")
    finally:
        d.quit()


def owner_imports(d, width):
    """The export, one row changed, uploaded: the preview, then saved."""
    with urllib.request.urlopen(f"{BASE}/api/v1/plans/ballerup/export.csv") as r:
        text = r.read().decode("utf-8-sig")
    lines = text.split("\r\n")
    header = lines[0].split(";")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(";")
        if cells and cells[0] == "14.1" and len(cells) == len(header):
            cells[header.index("Fremdrift (%)")] = str(60 + width % 7)
            cells[header.index("Status")] = "I risiko"
            line = ";".join(cells)
        out.append(line)
    path = os.path.join(SHOTS, f"import-{width}.csv")
    with open(path, "w", encoding="utf-8-sig") as f:
        f.write("\r\n".join(out))
    d.get(BASE + "/min-side/delmaal/import")
    check(d, "import", width)
    d.find_element(By.ID, "file").send_keys(path)
    submit_form(d, "#import-form button[type=submit]")
    if "(før:" not in main_text(d):
        fail(f"import: no preview: {main_text(d)[:300]}")
    check(d, "import-forhaandsvisning", width)
    submit_form(d, "#import-save button[type=submit]")
    if "opdateret fra regnearket" not in main_text(d):
        fail("import: no receipt after saving")


def admin_extends_the_round(d, width):
    d.get(BASE + "/admin/ballerup/runde")
    check(d, "runde", width)
    if width != 1280:
        return
    d.find_element(By.ID, "date").send_keys("01-01-2000")
    submit_form(d, "#extend-form button[type=submit]")
    if not d.find_elements(By.ID, "date-error"):
        fail("runde: no error next to a close in the past")
    check(d, "runde-fejl", width)
    d.execute_script("document.getElementById('date').value = '2027-01-22'")
    submit_form(d, "#extend-form button[type=submit]")
    if "forlænget fra" not in main_text(d):
        fail("runde: the extension is not shown")
    check(d, "runde-forlaenget", width)


def committee_asks(d, width):
    d.get(f"{BASE}/ballerup/rapporter/{REPORT}/spoergsmaal")
    check(d, "spoergsmaal", width)
    submit_form(d, "#question-form button[type=submit]")
    if not d.find_elements(By.ID, "about-error"):
        fail("spoergsmaal: no error next to the missing choice")
    check(d, "spoergsmaal-fejl", width)
    Select(d.find_element(By.ID, "about")).select_by_value("sg:14.1")
    d.find_element(By.ID, "text").send_keys(f"Hvorfor er 14.1 i risiko? ({width} px)")
    submit_form(d, "#question-form button[type=submit]")
    if "Dit spørgsmål er sendt" not in main_text(d):
        fail("spoergsmaal: no receipt")


def owner_answers(d, width):
    d.get(f"{BASE}/min-side/delmaal/{G14}")
    areas = d.find_elements(By.CSS_SELECTOR, "textarea[id^='answer-']")
    if not areas:
        fail("the owner does not see the committee's question")
        return
    areas[-1].send_keys(f"Fordi leverandøren er forsinket ({width} px)")
    form = areas[-1].find_element(By.XPATH, "./ancestor::form")
    leads_to_next_page(d, lambda: form.find_element(By.CSS_SELECTOR, "button[type=submit]").click())
    if "Dit svar er gemt" not in main_text(d):
        fail("no receipt after answering")
    check(d, "svar", width)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    for width in (1280, 375):
        d = browser(width)
        try:
            sign_in(d, OWNER)
            owner_updates(d, width)
            owner_confirms(d, width)
            owner_meets_a_conflict(d, width)
            owner_imports(d, width)
            if width == 1280:
                keyboard_only(d)
            sign_out(d)
            sign_in(d, ADMIN)
            admin_extends_the_round(d, width)
            sign_out(d)
            sign_in(d, COMMITTEE)
            committee_asks(d, width)
            sign_out(d)
            sign_in(d, OWNER)
            owner_answers(d, width)
            sign_out(d)
        finally:
            d.quit()
    without_javascript()
    print(json.dumps({"failures": failures}), flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
