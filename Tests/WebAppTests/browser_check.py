#!/usr/bin/python3
"""Drives `crampwatch serve` in headless Chromium (Selenium, Debian's chromium-driver): every page at phone and
desktop size with a screenshot that must not be blank and axe-core's A/AA rules, then the diary form and the cramp
button as a thumb would use them. Prints one JSON object; exits 1 on any failure.

usage: browser_check.py BASE_URL SCREENSHOT_DIR
       browser_check.py --watch BASE_URL   (Tonight while a monitor records: the page updates by itself)
"""
import json
import struct
import sys
import time
import zlib

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

PAGES = ["/", "/night", "/nights", "/diary", "/trends", "/doctor", "/device"]
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


def png_pixels_vary(png):
    """Whether a PNG is more than one flat colour: its unfiltered scanlines are not all the same byte."""
    pos, idat, width, height, depth = 8, b"", 0, 0, 4
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, _, colour = struct.unpack(">IIBB", data[:10])
            depth = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * depth + 1
    # Filter bytes aside, a flat image filtered with Sub or Up is almost all zeros.
    nonzero = sum(1 for i, b in enumerate(raw[:stride * min(height, 400)]) if i % stride and b)
    return nonzero > 0.01 * min(height, 400) * width * depth


def driver(size):
    o = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={size[0]},{size[1]}"]:
        o.add_argument(a)
    d = webdriver.Chrome(options=o)
    d.set_window_size(*size)
    # axe-core's run is an asynchronous script; on two busy cores it takes longer than Selenium's default.
    d.set_script_timeout(180)
    return d


def check_pages(d, base, name, shots, failures, report):
    for path in PAGES:
        d.get(base + path)
        shot = f"{shots}/{name}{path.replace('/', '-') or '-'}.png".replace("--", "-")
        png = d.get_screenshot_as_png()
        open(shot, "wb").write(png)
        if not png_pixels_vary(png):
            failures.append(f"{name} {path}: the screenshot is blank")
        Axe(d).inject()
        # The axe-core this package carries (3.x) knows the WCAG 2.0 A and AA tags; an unknown tag rejects the
        # run, which Axe.run would wait on for ever, so the promise is answered both ways here.
        result = d.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
            ".then(function (r) { done(r); }, function (e) { done({error: String(e), violations: []}); });")
        if "error" in result:
            failures.append(f"{name} {path}: axe did not run: {result['error']}")
        for v in result["violations"]:
            failures.append(f"{name} {path}: axe {v['id']} ({v['impact']}): {v['help']} "
                            f"at {[n['target'] for n in v['nodes']][:3]}")
        width = d.execute_script("return document.documentElement.scrollWidth")
        report.setdefault("scroll_width", {})[f"{name} {path}"] = width
        if name == "phone" and width > SIZES["phone"][0] + 1 and path not in ("/trends", "/doctor", "/night"):
            failures.append(f"phone {path}: the page is {width} px wide, wider than the phone")


def use_forms(d, base, failures, report):
    d.get(base + "/diary")
    d.find_element(By.ID, "magnesium").send_keys("250")
    d.find_element(By.ID, "notes").send_keys("<b>calf</b> after a long walk")
    d.find_element(By.CSS_SELECTOR, "input[name=stretched][value=yes]").click()
    # A cramp noticed in the night, with the thumb: the time picker, a leg, the pain.
    clock = d.find_element(By.ID, "cramp_time")
    clock.send_keys("0310A")
    if clock.get_attribute("value") != "03:10":
        # A locale whose time field takes the digits differently: set it as the picker would.
        d.execute_script("arguments[0].value = '03:10';", clock)
        report["cramp_time_set_by_script"] = True
    d.find_element(By.CSS_SELECTOR, "input[name=cramp_leg][value=left]").click()
    Select(d.find_element(By.ID, "cramp_pain")).select_by_visible_text("6")
    for field in ("cramp_time", "cramp_pain"):
        size = d.find_element(By.ID, field).size
        if size["height"] < 44:
            failures.append(f"phone /diary: {field} is {size['height']} px high, too small for a thumb")
    d.find_element(By.CSS_SELECTOR, "form.diary button[type=submit]").click()
    listed = d.find_element(By.CSS_SELECTOR, "ul.diary-list").text
    report["diary_listed"] = listed
    if "magnesium 250 mg" not in listed or "<b>calf</b> after a long walk" not in listed:
        failures.append(f"the diary entry is not listed as typed: {listed!r}")
    if "Cramp noticed at 03:10: left leg, pain 6/10" not in listed:
        failures.append(f"the diary's cramp line is not listed: {listed!r}")
    d.get(base + "/")
    d.find_element(By.CSS_SELECTOR, "form.cramp-now button[value=right]").click()
    status = d.find_element(By.CSS_SELECTOR, "p.message").text
    report["cramp_message"] = status
    if "Written down: a cramp at" not in status:
        failures.append(f"the cramp button did not say it was written down: {status!r}")


DARK_JS = """
const lum = c => { const v = c.match(/[0-9.]+/g).slice(0, 3).map(Number);
                   return (0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]) / 255; };
return [...document.querySelectorAll('main svg')].map(s => ({
  background: lum(getComputedStyle(s).backgroundColor),
  text: s.querySelector('text') ? lum(getComputedStyle(s.querySelector('text')).fill) : null}));
"""


def check_dark(d, base, failures, report):
    """A phone asking for dark pages: every drawing is dark with light words, not a white box in a dark room."""
    d.execute_cdp_cmd("Emulation.setEmulatedMedia",
                      {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    for path in ("/night", "/trends"):
        d.get(base + path)
        drawings = d.execute_script(DARK_JS)
        report.setdefault("dark_drawings", {})[path] = drawings
        if not drawings:
            failures.append(f"dark {path}: no drawing to look at")
        for k, g in enumerate(drawings):
            if g["background"] > 0.2 or (g["text"] is not None and g["text"] < 0.6):
                failures.append(f"dark {path}: drawing {k + 1} has background luminance {g['background']:.2f} "
                                f"and text {g['text']}: it stays light on the dark page")


def watch(base):
    """Tonight, left open while the monitor records: the status must change without the page being loaded again."""
    d = driver(SIZES["phone"])
    failures, seen = [], []
    try:
        d.get(base + "/")
        d.execute_script("window.cwSamePage = true;")
        deadline = time.time() + 12
        while time.time() < deadline:
            # Read in one script: the live update replaces #status's element, so an element found first and read
            # after could be gone by then (a stale element, which a busy machine makes likely).
            text = d.execute_script("var e = document.getElementById('status'); return e ? e.innerText : '';")
            if not seen or seen[-1] != text:
                seen.append(text)
            time.sleep(0.5)
        if not d.execute_script("return window.cwSamePage === true;"):
            failures.append("the page was loaded again instead of updated")
        if len([t for t in seen if t.startswith("Recording:")]) < 2:
            failures.append(f"Tonight did not update while recording: {seen}")
        if not d.find_elements(By.CSS_SELECTOR, "#live svg"):
            failures.append("no drawing of the last seconds on Tonight")
    except Exception as e:  # noqa: BLE001 - the test prints what went wrong, whatever Selenium raised
        failures.append(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    finally:
        d.quit()
    print(json.dumps({"seen": seen, "failures": failures}))
    sys.exit(1 if failures else 0)


def main():
    if sys.argv[1] == "--watch":
        return watch(sys.argv[2])
    base, shots = sys.argv[1], sys.argv[2]
    failures, report = [], {}
    for name, size in SIZES.items():
        d = driver(size)
        try:
            check_pages(d, base, name, shots, failures, report)
            if name == "phone":
                use_forms(d, base, failures, report)
                check_dark(d, base, failures, report)
        finally:
            d.quit()
    report["failures"] = failures
    print(json.dumps(report))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
