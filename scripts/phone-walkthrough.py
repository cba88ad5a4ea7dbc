#!/usr/bin/python3
"""A person with a phone follows the README's "At the bedside" section, end to end, and the phone screenshots
in docs/screenshots are taken on the way.

A fresh private folder gets a week of short simulated nights (simulate + replay, consecutive evenings at 23:00)
and a few diary evenings typed with the CLI; `crampwatch serve --listen <LAN address>:<free port>` runs as for a
phone on the home network; headless Chromium, as a 390 x 844 phone in the dark colour scheme, is asked to pair,
pairs with the code the server printed, and walks every page by tapping the menu: fills the diary with the
thumb, presses "I have a cramp now", prints "For my doctor" to PDF. What a page says is checked against the
journal with sqlite3.

Prints one line per check (what, the number seen); exits 1 on any failure. The server is stopped (Ctrl-C, as a
person would) whatever happens, and the private folder is removed unless --keep is given.

usage: scripts/phone-walkthrough.py --binary PATH [--host 192.0.2.2] [--shots docs/screenshots] [--keep]
Needs Debian's python3-selenium, chromium, chromium-driver, sqlite3 and poppler-utils (pdfinfo).
"""
import argparse
import base64
import datetime
import os
import queue
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

PHONE = (390, 844)
# Seven evenings: hours and cramps per night, so the calendar has cramp nights and quiet ones.
NIGHTS = [(1.0, 1), (1.5, 0), (1.25, 2), (1.0, 0), (1.5, 1), (1.0, 0), (1.75, 1)]
FAILURES = []


def check(what, seen, ok):
    """One line per check: what was checked and the number (or text) seen."""
    print(f"{'ok  ' if ok else 'FAIL'} {what}: {seen}", flush=True)
    if not ok:
        FAILURES.append(what)
    return ok


def run(*args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"FAIL {' '.join(map(str, args))}: exit {p.returncode}\n{p.stdout}{p.stderr}")
    return p.stdout


def query(journal, sql, *params):
    """Through the sqlite3 shell, as a person checking the journal would (and not holding it open)."""
    out = subprocess.run(["sqlite3", "-readonly", journal, sql.replace("?", "{}").format(*params)],
                         capture_output=True, text=True, check=True).stdout.strip()
    return out


# ---- 1. a week of nights and a few diary evenings, with the CLI -------------------------------------------------

def make_week(binary, folder, journal):
    today = datetime.date.today()
    evenings = [today - datetime.timedelta(days=len(NIGHTS) - i) for i in range(len(NIGHTS))]
    for i, ((hours, cramps), evening) in enumerate(zip(NIGHTS, evenings)):
        out = os.path.join(folder, f"sim{i + 1}")
        run(binary, "simulate", "--seed", str(40 + i), "--hours", str(hours), "--cramps", str(cramps),
            "--out", out)
        said = run(binary, "replay", os.path.join(out, "night.cwcap"), "--journal", journal,
                   "--start", f"{evening.isoformat()} 23:00")
        saved = re.search(r"as night (\d+)", said)
        check(f"replay evening {evening} ({hours} h, {cramps} cramps) saved as night", saved and saved.group(1),
              saved is not None)
    diary = [(evenings[1], ["--magnesium", "300", "--magnesium-form", "citrate", "--fluids", "1800", "--stretched"]),
             (evenings[3], ["--fluids", "1200", "--caffeine", "190", "--no-stretched", "--stress", "7"]),
             (evenings[6], ["--magnesium", "300", "--exercise", "40", "--stretched", "--bedtime", "23:00",
                            "--cramp", "03:10,left,7"])]
    for evening, flags in diary:
        run(binary, "journal", "diary", "add", "--journal", journal, "--date", evening.isoformat(), *flags)
    nights = int(query(journal, "select count(*) from night"))
    check("nights in the journal (sqlite3)", nights, nights == len(NIGHTS))
    starts = int(query(journal, "select count(distinct startedAt) from night"))
    check("distinct night starts (no duplicates)", starts, starts == len(NIGHTS))
    entries = int(query(journal, "select count(*) from diaryEntry"))
    check("diary evenings typed with the CLI", entries, entries == len(diary))
    mode = stat.S_IMODE(os.stat(journal).st_mode)
    check("journal file mode", oct(mode), mode == 0o600)
    return evenings


# ---- 2. the server, as for a phone on the home network ------------------------------------------------------------

def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """`crampwatch serve --listen HOST:PORT`, its printed lines read as they come."""

    def __init__(self, binary, journal, host):
        self.port = free_port(host)
        self.lines = queue.Queue()
        self.proc = subprocess.Popen([binary, "serve", "--journal", journal, "--listen", f"{host}:{self.port}"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            print(f"     server: {line}", flush=True)
            m = re.search(pattern, line)
            if m:
                return m
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # Ctrl-C, as the server says
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# ---- 3. the phone -----------------------------------------------------------------------------------------------

def phone():
    o = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--hide-scrollbars", "--window-size=500,1000"]:
        o.add_argument(a)
    d = webdriver.Chrome(options=o)
    # A phone's screen, not a window: the viewport is exactly 390 x 844 and the page's viewport meta applies.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
    d.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    d.execute_cdp_cmd("Emulation.setEmulatedMedia",
                      {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    return d


def png_size_and_colours(png):
    """Width, height and whether the image is more than one flat colour (decoded scanlines differ)."""
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IHDR":
            width, height = struct.unpack(">II", png[pos + 8:pos + 16])
        elif kind == b"IDAT":
            idat += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = len(raw) // height
    rows = {raw[r * stride + 1:(r + 1) * stride] for r in range(0, height, 7)}
    return width, height, len(rows) > 3


LAYOUT_JS = """
const vw = document.documentElement.clientWidth;
let out = [], small = [];
for (const e of document.querySelectorAll('main *, nav *')) {
  const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
  if (r.width === 0 || cs.visibility === 'hidden') continue;
  if (e.closest('.table-wrap, svg')) continue;
  if (r.right > vw + 1) out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + Math.round(r.right));
  if (['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName) && e.type !== 'hidden') {
    const target = e.closest('label') || e;
    const h = Math.max(r.height, target.getBoundingClientRect().height);
    if (h < 44 && !e.closest('p, li, td')) small.push(e.tagName.toLowerCase() + ' ' +
        (e.id || e.name || e.textContent.trim().slice(0, 20)) + ' ' + Math.round(h) + 'px');
  }
}
// A box that scrolls sideways by itself (the page does not): which tables and drawings make it wide.
const wide = [], crowded = [];
for (const w of document.querySelectorAll('main .table-wrap')) {
  if (w.scrollWidth <= w.clientWidth + 1) continue;
  if (w.children.length !== 1) crowded.push(w.children.length);
  const left = w.getBoundingClientRect().left;
  const parts = [...w.querySelectorAll('table, svg')]
    .filter(e => e.getBoundingClientRect().right - left > w.clientWidth + 1)
    .map(e => e.tagName.toLowerCase() + ' ' + Math.round(e.getBoundingClientRect().width) + ' px');
  wide.push(`box ${w.scrollWidth}/${w.clientWidth} px holding ${w.children.length} elements; ` +
            `too wide: ${parts}`);
}
return {scroll: document.documentElement.scrollWidth, out: out.slice(0, 5), outCount: out.length,
        small: small.slice(0, 8), smallCount: small.length, wide: wide, crowded: crowded};
"""


def layout(d, page):
    """No sideways scrolling on a phone; every control a thumb uses at least 44 px high."""
    r = d.execute_script(LAYOUT_JS)
    check(f"{page}: page width at 390 px (no sideways scrolling)", r["scroll"], r["scroll"] <= PHONE[0] + 1)
    if r["outCount"]:
        print(f"     {page}: {r['outCount']} elements reach past the right edge: {r['out']}")
    if r["wide"]:
        # Not a failure (the table scrolls in its own box, the page does not), but a sideways swipe to read it.
        print(f"note {page}: scrolls sideways inside the page: {r['wide']}", flush=True)
    # A box holding more than its table makes the text and drawings around it slide with it.
    check(f"{page}: every sideways-scrolling box holds one table alone", r["crowded"], not r["crowded"])
    check(f"{page}: controls under 44 px high", f"{r['smallCount']} {r['small']}", r["smallCount"] == 0)


def shoot(d, shots, name, scroll_to=None):
    if scroll_to is not None:
        d.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -8);", scroll_to)
    else:
        d.execute_script("window.scrollTo(0, 0);")
    time.sleep(0.3)
    png = d.get_screenshot_as_png()
    path = os.path.join(shots, f"phone-{name}.png")
    with open(path, "wb") as f:
        f.write(png)
    w, h, varied = png_size_and_colours(png)
    dark = d.execute_script("return getComputedStyle(document.body).backgroundColor")
    check(f"screenshot {path}", f"{w} x {h}, background {dark}",
          (w, h) == PHONE and varied and dark == "rgb(17, 20, 24)")


def tap(d, element):
    """A tap that leaves the page: done when the next page has replaced this one."""
    old = d.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(d, 30).until(staleness_of(old))
    WebDriverWait(d, 30).until(lambda _: d.execute_script("return document.readyState") == "complete")


def tap_menu(d, label):
    tap(d, d.find_element(By.LINK_TEXT, label))
    return d.find_element(By.TAG_NAME, "h1").text


def pair(d, base, code):
    d.get(base)
    asked = d.find_elements(By.ID, "code")
    check("unpaired phone opening / is asked to pair", f"{d.current_url} h1={d.find_element(By.TAG_NAME, 'h1').text!r}",
          bool(asked) and "Pair" in d.find_element(By.TAG_NAME, "h1").text)
    if not asked:
        return False
    asked[0].send_keys(code)  # as printed, with its space
    tap(d, d.find_element(By.CSS_SELECTOR, "form[action='/pair'] button"))
    h1 = d.find_element(By.TAG_NAME, "h1").text
    cookie = d.get_cookie("cw_session") or {}
    check("paired with the printed code, now on", f"{h1!r}, cookie HttpOnly={cookie.get('httpOnly')} "
          f"SameSite={cookie.get('sameSite')}", h1 == "Tonight" and cookie.get("httpOnly") is True
          and cookie.get("sameSite") == "Strict")
    return h1 == "Tonight"


def tonight(d, journal, shots):
    layout(d, "Tonight")
    shoot(d, shots, "tonight")
    before = int(query(journal, "select count(*) from selfReportedCramp"))
    Select(d.find_element(By.ID, "pain")).select_by_visible_text("7")
    button = d.find_element(By.CSS_SELECTOR, "form.cramp-now button[value=left]")
    check("Tonight: the cramp button's height (px)", button.size["height"], button.size["height"] >= 88)
    tap(d, button)
    said = d.find_element(By.CSS_SELECTOR, "p.message").text
    check("Tonight: after pressing 'Left leg'", repr(said), said.startswith("Written down: a cramp at"))
    rows = query(journal, "select leg, pain, strftime('%s', time) from selfReportedCramp order by id desc limit 1")
    after = int(query(journal, "select count(*) from selfReportedCramp"))
    leg, pain, at = rows.split("|")
    age = abs(time.time() - int(at))
    check("noticed cramps stored (sqlite3), newest leg/pain/seconds ago",
          f"{before} -> {after}, {leg}/{pain}/{age:.0f}", after == before + 1 and (leg, pain) == ("left", "7")
          and age < 120)


def last_night(d, shots):
    h1 = tap_menu(d, "Last night")
    text = d.find_element(By.TAG_NAME, "main").text
    svgs = len(d.find_elements(By.CSS_SELECTOR, "main svg"))
    check("Last night: heading, drawings", f"{h1!r}, {svgs} svg", "Night" in h1 and svgs >= 1)
    said = [w for w in ("cramp", "leg movement", "diary") if w in text.lower()]
    check("Last night: says in words", said, len(said) >= 2)
    layout(d, "Last night")
    shoot(d, shots, "night")


def nights(d, shots, evenings):
    tap_menu(d, "Nights")
    marked = len(d.find_elements(By.CSS_SELECTOR, "table.calendar .recorded, table.calendar .cramp"))
    cramps = len(d.find_elements(By.CSS_SELECTOR, "table.calendar .cramp"))
    layout(d, "Nights")
    shoot(d, shots, "nights")
    total, total_cramps = marked, cramps
    if evenings[0].month != evenings[-1].month:  # the week crosses a month: the month before, by its link
        d.find_element(By.CSS_SELECTOR, ".month-nav a").click()
        total += len(d.find_elements(By.CSS_SELECTOR, "table.calendar .recorded, table.calendar .cramp"))
        total_cramps += len(d.find_elements(By.CSS_SELECTOR, "table.calendar .cramp"))
    want_cramps = sum(1 for _, c in NIGHTS if c)
    check("Nights: nights marked in the calendar (cramp nights)", f"{total} ({total_cramps})",
          total == len(NIGHTS) and total_cramps == want_cramps)


def fill_diary(d):
    """With the thumb: type into number fields, tap the yes/no pills, pick from the lists."""
    d.find_element(By.ID, "magnesium").send_keys("250")
    d.find_element(By.ID, "magnesium_form").send_keys("glycinate")
    d.find_element(By.ID, "fluids").send_keys("2100")
    d.find_element(By.ID, "exercise").send_keys("35")
    for name, value in (("stretched", "yes"), ("late_meal", "no")):
        d.find_element(By.CSS_SELECTOR, f"input[name={name}][value={value}]").find_element(By.XPATH, "..").click()
    Select(d.find_element(By.ID, "stress")).select_by_visible_text("4")
    d.find_element(By.ID, "notes").send_keys("calves tight after the long walk")
    clock = d.find_element(By.ID, "cramp_time")
    clock.send_keys("0240A")
    typed = clock.get_attribute("value") == "02:40"
    if not typed:  # a locale whose time field takes the digits differently: set it as the picker would
        d.execute_script("arguments[0].value = '02:40';", clock)
    d.find_element(By.CSS_SELECTOR, "input[name=cramp_leg][value=right]").find_element(By.XPATH, "..").click()
    Select(d.find_element(By.ID, "cramp_pain")).select_by_visible_text("6")
    return typed


def diary(d, journal, shots):
    tap_menu(d, "Diary")
    evening = d.find_element(By.ID, "date").get_attribute("value")
    layout(d, "Diary")
    typed = fill_diary(d)
    tap(d, d.find_element(By.CSS_SELECTOR, "form.diary button[type=submit]"))
    said = d.find_elements(By.CSS_SELECTOR, "p.message")
    check("Diary: after 'Save the diary' the page says", repr(said[0].text if said else None),
          bool(said) and "problem" not in said[0].get_attribute("class"))
    # The web form amends the evening the CLI wrote (its bedtime 23:00 stays), as a second `diary add` would.
    row = query(journal, "select magnesiumMg, magnesiumForm, fluidsMl, exerciseMinutes, stretchedBeforeBed, "
                "lateMeal, stress, bedtime, count(*) from diaryEntry where date = '?'", evening)
    check(f"Diary: evening {evening} in the journal (sqlite3)", row,
          row == "250.0|glycinate|2100.0|35.0|1|0|4|23:00|1")
    cramp = query(journal, "select leg, pain, time from selfReportedCramp where leg = 'right' order by id desc "
                  "limit 1")
    check(f"Diary: the cramp line in the journal (time typed: {typed})", cramp,
          cramp.startswith("right|6|") and "02:40" in cramp)
    listed = d.find_element(By.CSS_SELECTOR, "ul.diary-list").text
    shown = ["magnesium 250 mg" in listed, "calves tight" in listed, "02:40: right leg, pain 6/10" in listed]
    check("Diary: the saved entry listed on the page (magnesium, note, cramp line)", shown, all(shown))
    shoot(d, shots, "diary", d.find_element(By.CSS_SELECTOR, "fieldset.cramp-line"))


def trends(d, shots):
    h1 = tap_menu(d, "Trends")
    svgs = len(d.find_elements(By.CSS_SELECTOR, "main svg"))
    check("Trends: heading, drawings", f"{h1!r}, {svgs} svg", svgs >= 1)
    layout(d, "Trends")
    shoot(d, shots, "trends")


def doctor(d, shots, folder):
    h1 = tap_menu(d, "For my doctor")
    svgs = len(d.find_elements(By.CSS_SELECTOR, "main svg"))
    check("For my doctor: heading, drawings", f"{h1!r}, {svgs} svg", svgs >= 1)
    layout(d, "For my doctor")
    shoot(d, shots, "doctor")
    for paper, (width, height) in (("letter", (8.5, 11)), ("a4", (8.27, 11.69))):
        pdf = d.execute_cdp_cmd("Page.printToPDF", {"paperWidth": width, "paperHeight": height,
                                                    "printBackground": True})
        path = os.path.join(folder, f"doctor-{paper}.pdf")
        with open(path, "wb") as f:
            f.write(base64.b64decode(pdf["data"]))
        info = run("pdfinfo", path)
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        size = re.search(r"Page size:\s+(.*)", info).group(1).strip()
        check(f"For my doctor printed by Chromium on {paper}: pages (pdfinfo)", f"{pages} ({size})", pages == 1)


def device(d, shots):
    h1 = tap_menu(d, "Device")
    text = d.find_element(By.TAG_NAME, "main").text
    said = [w for w in ("attached", "SIM-", "threshold") if w.lower() in text.lower()]
    check("Device: heading, says", f"{h1!r}, {said}", len(said) == 3)
    layout(d, "Device")
    shoot(d, shots, "device")


def watch_recording(d, journal, shots, seconds=120):
    """Tonight left open while the monitor records: its status changes by itself, the cramp appears among the
    events while it lasts (the screenshot is taken then), and once it has ended it is listed once, with its length."""
    tap_menu(d, "Tonight")
    d.execute_script("window.cwSamePage = true;")
    # Read in one go: the live script replaces these elements as updates arrive.
    read = ("const s = document.getElementById('status'), e = document.getElementById('events');"
            "return [s ? s.innerText : '', e ? e.innerText : '', document.querySelectorAll('#live svg').length];")
    seen, shot, deadline = [], False, time.time() + seconds
    while time.time() < deadline:
        status, events, drawings = d.execute_script(read)
        if not seen or seen[-1] != status:
            seen.append(status)
        if not shot and "still going" in events and drawings:
            # Scrolled as far as the page goes with the first cramp button whole: the buttons and the live part.
            shoot(d, shots, "tonight", d.find_element(By.CSS_SELECTOR, "form.cramp-now button[value=left]"))
            shot = True
        if shot and re.search(r"cramp, \d+ s", events):  # the cramp has ended and has its length
            break
        time.sleep(1)
    same = d.execute_script("return window.cwSamePage === true;")
    check("Tonight while the monitor records: statuses seen without reloading",
          f"{len(seen)}, last {seen[-1]!r}", same and len([t for t in seen if t.startswith("Recording")]) >= 2)
    check("Tonight while the monitor records: screenshot with a cramp still going", shot, shot)
    events = d.execute_script(read)[1].replace("\n", "; ")
    check("Tonight after the cramp ended: events so far (one cramp, none still going)", repr(events),
          events.count("cramp") == 1 and "still going" not in events)
    rows = query(journal, "select count(*), sum(provisional) from event where kind = 'cramp' and nightId = "
                 "(select id from night where status = 'recording')")
    check("cramp events of the night being recorded (sqlite3): rows, provisional", rows, rows == "1|0")


def record_tonight(d, binary, journal, folder, shots):
    """A monitor records while Tonight is open, with no device and nothing built: scripts/cyton-sim.py plays an
    OpenBCI Cyton on a pseudo-terminal at real time (a muscle burst from 15 s to 45 s), `crampwatch monitor
    --cyton` reads it into the same journal. Shorter than a night, the recording is not kept in the journal."""
    here = os.path.dirname(os.path.abspath(__file__))
    link = os.path.join(folder, "cyton")
    sim = subprocess.Popen([sys.executable, os.path.join(here, "cyton-sim.py"), "--link", link,
                            "--packets", str(250 * 240), "--speed", "1", "--burst", "15-45"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    monitor = None
    try:
        check("Cyton simulator on a pseudo-terminal", sim.stdout.readline().strip(), os.path.exists(link))
        with open(os.path.join(folder, "monitor.log"), "w") as log:
            monitor = subprocess.Popen([binary, "monitor", "--cyton", link, "--journal", journal,
                                        "--capture", os.path.join(folder, "tonight.cwcap")],
                                       stdout=log, stderr=subprocess.STDOUT)
        watch_recording(d, journal, shots)
    finally:
        if monitor and monitor.poll() is None:
            monitor.send_signal(signal.SIGINT)
            rc = monitor.wait(timeout=60)
            check("monitor stopped with Ctrl-C, exit code", rc, rc == 0)
        sim.terminate()
        sim.wait()
    nights = int(query(journal, "select count(*) from night"))
    check("nights in the journal after the short recording (not a night)", nights, nights == len(NIGHTS))


def walk(base, code, journal, shots, folder, evenings, binary):
    d = phone()
    try:
        if not pair(d, base, code):
            return
        tonight(d, journal, shots)
        last_night(d, shots)
        nights(d, shots, evenings)
        diary(d, journal, shots)
        trends(d, shots)
        doctor(d, shots, folder)
        device(d, shots)
        record_tonight(d, binary, journal, folder, shots)
    finally:
        d.quit()


def main():
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("--binary", required=True, help="the crampwatch executable")
    a.add_argument("--host", default="192.0.2.2", help="this computer's address on the home network")
    a.add_argument("--shots", default=os.path.join(os.path.dirname(__file__), "..", "docs", "screenshots"))
    a.add_argument("--keep", action="store_true", help="keep the private folder (journal, captures, PDF)")
    args = a.parse_args()
    binary = os.path.abspath(args.binary)
    folder = tempfile.mkdtemp(prefix="cw-phone-")  # mode 0700: the nights are private
    journal = os.path.join(folder, "journal.sqlite")
    server = None
    try:
        evenings = make_week(binary, folder, journal)
        server = Server(binary, journal, args.host)
        m = server.wait_for(r"Pairing code for a phone: (\d{4} \d{4})")
        check("pairing code printed by serve", m and m.group(1), m is not None)
        listening = server.wait_for(r"Listening on (\S+)")
        check("serve says where it listens", listening and listening.group(1), listening is not None)
        if m and listening:
            try:
                walk(listening.group(1), m.group(1), journal, args.shots, folder, evenings, binary)
            except Exception as e:  # a page that was not as expected: one failure line, then clean up
                check("the walk through the pages", f"{type(e).__name__}: {str(e).splitlines()[0]}", False)
    finally:
        if server:
            rc = server.stop()
            check("serve stopped with Ctrl-C, exit code", rc, rc == 0)
            with socket.socket() as s:
                s.settimeout(2)
                closed = s.connect_ex((args.host, server.port)) != 0
            check(f"nothing listens on {args.host}:{server.port} any more", closed, closed)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(journal + suffix):
                mode = stat.S_IMODE(os.stat(journal + suffix).st_mode)
                check(f"journal{suffix} mode after serving", oct(mode), mode == 0o600)
        if args.keep:
            print(f"     kept {folder}")
        else:
            shutil.rmtree(folder)
    print(f"{len(FAILURES)} failure(s)" + (f": {FAILURES}" if FAILURES else ""))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
