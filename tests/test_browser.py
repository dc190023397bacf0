"""The HTML report in a real browser: headless Chromium shows the diagram and both tables,
with no console error, and its screenshot is not blank.

Chromium is driven through the DevTools protocol over `--remote-debugging-pipe` (JSON
messages separated by NUL bytes on file descriptors 3 and 4), so the test needs no
package beyond the standard library and no network port.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from msgarch.links import REPOSITORY

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,1000"]
TIMEOUT_S = 60.0


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


pytestmark = [
    pytest.mark.skipif(chromium() is None,
                       reason="Chromium is not installed (Debian: apt-get install chromium; CI installs it)"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed (apt-get install graphviz)"),
    pytest.mark.skipif(sys.platform == "win32", reason="the DevTools pipe uses POSIX file descriptors 3 and 4"),
]


class DevTools:
    """A headless Chromium and its DevTools protocol over a pipe."""

    def __init__(self, binary: str, profile: Path):
        to_chrome_read, self._write_fd = os.pipe()
        self._read_fd, from_chrome_write = os.pipe()

        def wire_fds():  # the child reads commands on fd 3 and answers on fd 4
            # Move both ends out of the way first: a pipe end may already be fd 3 or 4,
            # and dup2 onto itself would neither move it nor make it inheritable.
            commands = fcntl.fcntl(to_chrome_read, fcntl.F_DUPFD, 10)
            answers = fcntl.fcntl(from_chrome_write, fcntl.F_DUPFD, 10)
            os.dup2(commands, 3)
            os.dup2(answers, 4)

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            close_fds=False, preexec_fn=wire_fds)
        os.close(to_chrome_read)
        os.close(from_chrome_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001 - closing is best effort; the process is killed below
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for fd in (self._write_fd, self._read_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._read_fd], [], [], remaining)
            if ready:
                chunk = os.read(self._read_fd, 1 << 20)
                if not chunk:
                    stderr = self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr else ""
                    raise RuntimeError(f"Chromium closed the DevTools pipe: {stderr[-2000:]}")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = TIMEOUT_S) -> dict:
        self._next_id += 1
        command = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._write_fd, json.dumps(command).encode("utf-8") + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, session: str, timeout: float = TIMEOUT_S) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            message = self._read_message(deadline)
            self.events.append(message)
            if message.get("method") == method and message.get("sessionId") == session:
                return message


    def wait_for_next(self, method: str, session: str, timeout: float = TIMEOUT_S) -> dict:
        """The next ``method`` event of ``session`` (not one already received)."""
        self.events = [e for e in self.events if not (e.get("method") == method and e.get("sessionId") == session)]
        return self.wait_for(method, session, timeout)


def console_errors(events: list[dict]) -> list[str]:
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(json.dumps(params.get("args", []))[:500])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(params["entry"].get("text", "")[:500])
    return errors


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB(A) rows of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            upper_left = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - upper_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else upper_left)) & 0xFF
        rows.append(bytes(line))
        previous = line
    if channels == 4:
        rows = [b"".join(row[i:i + 3] for i in range(0, stride, 4)) for row in rows]
    return width, height, rows


def ink(width: int, height: int, rows: list[bytes]) -> tuple[float, int]:
    """The share of pixels that are not near-white, and how many distinct colours there are."""
    coloured, colours = 0, set()
    for row in rows[::2]:
        for x in range(0, width * 3, 6):
            pixel = row[x:x + 3]
            colours.add(pixel)
            if min(pixel) < 235:
                coloured += 1
    sampled = ((height + 1) // 2) * ((width + 1) // 2)
    return coloured / sampled, len(colours)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The HTML report of the order platform, with heat and findings, as a user makes it."""
    folder = tmp_path_factory.mktemp("report")
    out = folder / "order-platform.html"
    result = subprocess.run([sys.executable, "-m", "msgarch", "render",
                             str(ROOT / "examples" / "order-platform.msgarch"), "-o", str(out), "--heat"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def page(report, tmp_path_factory):
    """The report loaded in a fresh headless Chromium: (devtools, session id)."""
    yield from open_page(report, tmp_path_factory)


def open_page(report: Path, tmp_path_factory):
    browser = DevTools(chromium(), tmp_path_factory.mktemp("chromium-profile"))
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.send("Page.navigate", {"url": report.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        yield browser, session
    finally:
        browser.close()


def evaluate(page, expression: str):
    browser, session = page
    result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
    assert "exceptionDetails" not in result, result
    return result["result"].get("value")


BOX = """(selector => {
  const element = document.querySelector(selector);
  if (!element) return null;
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  return {width: box.width, height: box.height, x: box.x, y: box.y + window.scrollY,
          display: style.display, visibility: style.visibility, opacity: style.opacity,
          rows: element.querySelectorAll ? element.querySelectorAll('tbody tr').length : 0};
})"""


@pytest.mark.parametrize("selector", ["#diagram svg", "#findings-table", "#consumer-load", "#broker-load",
                                      "#legend svg"])
def test_each_part_of_the_report_is_displayed(page, selector):
    box = evaluate(page, f"{BOX}({json.dumps(selector)})")
    assert box is not None, f"{selector} is missing"
    assert box["width"] > 100 and box["height"] > 20, box
    assert box["display"] != "none" and box["visibility"] == "visible" and float(box["opacity"]) > 0


def test_the_tables_have_rows(page):
    rows = evaluate(page, "[...document.querySelectorAll('table')].map(t => [t.id, t.querySelectorAll('tbody tr').length])")
    rows = dict(rows)
    assert rows["findings-table"] >= 3  # R502, C304 and infos at least
    assert rows["consumer-load"] >= 8 and rows["broker-load"] == 3


def test_the_diagram_shows_every_element(page):
    ids = evaluate(page, "[...document.querySelectorAll('#diagram svg g.node')].map(g => g.id)")
    assert {"c_orders", "c_inventory", "b_events", "b_bus", "b_jobs"} <= set(ids)
    title = evaluate(page, "document.querySelector('#c_inventory > title').textContent")
    assert "R502" in title  # the finding's code is in the element's tooltip


def test_no_console_errors(page):
    browser, _ = page
    evaluate(page, "1")  # drain the events that arrived while loading
    assert console_errors(browser.events) == []


def screenshot(page, box: dict, scale: float = 0.5) -> bytes:
    """A PNG of a region of the page, scaled down (fewer pixels to decode in Python)."""
    browser, session = page
    clip = {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"], "scale": scale}
    answer = browser.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True},
                          session=session)
    return base64.b64decode(answer["data"])


def test_the_screenshot_is_not_blank(page):
    whole = screenshot(page, {"x": 0, "y": 0, "width": 1400, "height": 1000})
    share, colours = ink(*png_pixels(whole))
    assert share > 0.02 and colours > 20, (share, colours)
    # The diagram itself, clipped to its box, has drawing in it too.
    diagram = screenshot(page, evaluate(page, f"{BOX}('#diagram svg')"), scale=1)
    share, colours = ink(*png_pixels(diagram))
    assert share > 0.02 and colours > 20, (share, colours)


# --- a channel model (language v2) ------------------------------------------------------


@pytest.fixture(scope="module")
def channel_page(tmp_path_factory):
    """The report of the channel showcase: channels in broker clusters, a channels table."""
    out = tmp_path_factory.mktemp("channels") / "channels.html"
    result = subprocess.run([sys.executable, "-m", "msgarch", "render",
                             str(ROOT / "tests" / "fixtures" / "render" / "channels.msgarch"), "-o", str(out), "--heat"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    yield from open_page(out, tmp_path_factory)


def test_a_channel_report_shows_its_channels(channel_page):
    box = evaluate(channel_page, f"{BOX}('#channels-table')")
    assert box is not None and box["width"] > 100 and box["rows"] == 10, box
    ids = set(evaluate(channel_page, "[...document.querySelectorAll('#diagram svg g.node')].map(g => g.id)"))
    assert {"ch_orders", "ch_billing", "ch_payments", "ch_telemetry", "ch_ticks", "c_checkout"} <= ids
    clusters = set(evaluate(channel_page, "[...document.querySelectorAll('#diagram svg g.cluster')].map(g => g.id)"))
    assert {"cluster_broker_bus", "cluster_broker_notify", "cluster_broker_work"} <= clusters
    edges = set(evaluate(channel_page, "[...document.querySelectorAll('#diagram svg g.edge')].map(g => g.id)"))
    assert {"p_checkout_to_orders", "rt_orders_to_billing", "dl_billing_to_billing_hfailed",
            "rt_order_hevents_to_refunds", "d_billing_to_billing_hsvc"} <= edges
    browser, _ = channel_page
    evaluate(channel_page, "1")
    assert console_errors(browser.events) == []
    diagram = screenshot(channel_page, evaluate(channel_page, f"{BOX}('#diagram svg')"), scale=0.5)
    share, colours = ink(*png_pixels(diagram))
    assert share > 0.02 and colours > 20, (share, colours)


# --- the report as a tool (issue 14, item 4) ----------------------------------------------


def centre_of(page, selector: str) -> dict:
    """The viewport centre of an element, scrolled into view first."""
    return evaluate(page, f"""(() => {{
      const e = document.querySelector({json.dumps(selector)});
      e.scrollIntoView({{block: 'center', inline: 'center'}});
      const b = e.getBoundingClientRect();
      return {{x: b.x + b.width / 2, y: b.y + b.height / 2}};
    }})()""")


def click_at(page, point: dict) -> None:
    browser, session = page
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", {"type": kind, "x": point["x"], "y": point["y"],
                                                  "button": "left" if kind != "mouseMoved" else "none",
                                                  "buttons": 1 if kind == "mousePressed" else 0,
                                                  "clickCount": 1}, session=session)


def press(page, key: str, code: str | None = None, keycode: int | None = None, text: str | None = None) -> None:
    browser, session = page
    params = {"type": "keyDown", "key": key, "code": code or key}
    if keycode is not None:
        params["windowsVirtualKeyCode"] = keycode
    if text is not None:
        params["text"] = text
    browser.send("Input.dispatchKeyEvent", params, session=session)
    browser.send("Input.dispatchKeyEvent", {**params, "type": "keyUp", "text": ""}, session=session)


@pytest.fixture()
def tool(page):
    """The report page, reloaded so that each test starts from the page as written."""
    browser, session = page
    browser.send("Page.reload", {"ignoreCache": True}, session=session)
    browser.wait_for_next("Page.loadEventFired", session)
    return page


def test_clicking_an_element_shows_its_findings_and_load(tool):
    assert evaluate(tool, "document.getElementById('details').hidden") is True
    click_at(tool, centre_of(tool, "#c_inventory polygon, #c_inventory path"))
    details = evaluate(tool, """(() => ({
      hidden: document.getElementById('details').hidden,
      name: document.getElementById('details-name').textContent,
      tip: document.getElementById('details-tip').textContent,
      codes: [...document.querySelectorAll('#details-findings tbody tr')].map(r => r.dataset.code),
      load: [...document.querySelectorAll('#details-load tbody tr td:first-child')].map(t => t.textContent),
      selected: [...document.querySelectorAll('#diagram svg .msg-selected')].map(g => g.id)}))()""")
    assert details["hidden"] is False
    assert details["name"] == "component inventory"
    assert "R502" in details["tip"] and "R502" in details["codes"]
    assert details["load"] == ["inventory"]
    assert details["selected"] == ["c_inventory"]
    # a broker: its load row, no consumer row
    click_at(tool, centre_of(tool, "#b_events polygon, #b_events path"))
    load = evaluate(tool, "[...document.querySelectorAll('#details-load tbody tr td:first-child')].map(t => t.textContent)")
    assert load == ["events"]


def test_clicking_a_finding_highlights_its_element(tool):
    row = "#findings-table tbody tr[data-code='R502'] button.locate"
    click_at(tool, centre_of(tool, row))
    state = evaluate(tool, """(() => ({
      selected: [...document.querySelectorAll('#diagram svg .msg-selected')].map(g => g.id),
      stroke: getComputedStyle(document.querySelector('#c_inventory path, #c_inventory polygon')).stroke,
      status: document.getElementById('locate-status').textContent}))()""")
    assert state["selected"] == ["c_inventory"], state
    assert state["stroke"] == "rgb(106, 27, 154)", state  # drawn in the highlight colour
    assert state["status"].startswith("Highlighted 1 element"), state


def test_rule_codes_link_to_their_rule_docs(tool):
    links = evaluate(tool, "[...document.querySelectorAll('#findings-table a')].map(a => [a.textContent, a.href])")
    assert links
    for code, href in links:
        base, _, anchor = href.partition("#")
        assert base == f"{REPOSITORY}/blob/main/docs/rules/{code[0]}.md", href
        page = (ROOT / "docs" / "rules" / f"{code[0]}.md").read_text(encoding="utf-8")
        headings = {line[3:].strip().lower().replace(" ", "-") for line in page.splitlines() if line.startswith("## ")}
        assert anchor in headings, (code, anchor)


def test_findings_sort_and_filter(tool):
    codes = "[...document.querySelectorAll('#findings-table tbody tr')].filter(r => !r.hidden).map(r => r.dataset.code)"
    written = evaluate(tool, codes)
    click_at(tool, centre_of(tool, "#findings-table th button[data-sort='code']"))
    assert evaluate(tool, codes) == sorted(written)
    assert evaluate(tool, "document.querySelector(\"button[data-sort='code']\").parentNode.getAttribute('aria-sort')") == "ascending"
    click_at(tool, centre_of(tool, "#findings-table th button[data-sort='code']"))
    assert evaluate(tool, codes) == sorted(written, reverse=True)
    click_at(tool, centre_of(tool, "#findings-table th button[data-sort='severity']"))
    ranks = evaluate(tool, "[...document.querySelectorAll('#findings-table tbody tr')].map(r => Number(r.dataset.rank))")
    assert ranks == sorted(ranks)
    # filter by severity, code and element, as a user does: the select's value and its change event
    evaluate(tool, """(() => { const s = document.getElementById('filter-severity'); s.value = 'info';
                        s.dispatchEvent(new Event('change')); })()""")
    severities = evaluate(tool, "[...document.querySelectorAll('#findings-table tbody tr')].filter(r => !r.hidden).map(r => r.dataset.severity)")
    assert severities and set(severities) == {"info"}
    evaluate(tool, """(() => { const s = document.getElementById('filter-severity'); s.value = '';
                        s.dispatchEvent(new Event('change')); const c = document.getElementById('filter-code');
                        c.value = 'R502'; c.dispatchEvent(new Event('change')); })()""")
    assert set(evaluate(tool, codes)) == {"R502"}
    assert evaluate(tool, "document.getElementById('filter-count').textContent").endswith(f"of {len(written)} shown")
    evaluate(tool, """(() => { const c = document.getElementById('filter-code'); c.value = '';
                        c.dispatchEvent(new Event('change')); })()""")
    # typing into the element filter (real key events into the focused field)
    evaluate(tool, "document.getElementById('filter-element').focus()")
    for char in "inventory":
        press(tool, char, code=f"Key{char.upper()}", text=char)
    elements = evaluate(tool, "[...document.querySelectorAll('#findings-table tbody tr')].filter(r => !r.hidden).map(r => r.dataset.element)")
    assert elements and all("inventory" in e for e in elements), elements
    assert len(elements) < len(written)


def view_box(page) -> list[float]:
    return [float(v) for v in evaluate(page, "document.querySelector('#diagram svg').getAttribute('viewBox')").split()]


def test_zoom_and_pan(tool):
    full = view_box(tool)
    click_at(tool, centre_of(tool, "button[data-zoom='in']"))
    zoomed = view_box(tool)
    assert abs(zoomed[2] - full[2] / 1.25) < 0.5 and abs(zoomed[3] - full[3] / 1.25) < 0.5
    assert evaluate(tool, "document.getElementById('zoom-level').textContent") == "125%"
    # the wheel zooms in around the pointer
    browser, session = tool
    point = centre_of(tool, "#diagram svg")
    browser.send("Input.dispatchMouseEvent", {"type": "mouseWheel", "x": point["x"], "y": point["y"],
                                              "deltaX": 0, "deltaY": -100}, session=session)
    evaluate(tool, "new Promise(r => setTimeout(r, 100))")
    wheeled = view_box(tool)
    assert wheeled[2] < zoomed[2] - 1
    # a drag pans
    start = {"x": point["x"], "y": point["y"]}
    browser.send("Input.dispatchMouseEvent", {"type": "mousePressed", "x": start["x"], "y": start["y"],
                                              "button": "left", "buttons": 1, "clickCount": 1}, session=session)
    for step in range(1, 6):
        browser.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": start["x"] + 20 * step,
                                                  "y": start["y"] + 10 * step, "button": "left", "buttons": 1},
                     session=session)
    browser.send("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": start["x"] + 100, "y": start["y"] + 50,
                                              "button": "left", "buttons": 0, "clickCount": 1}, session=session)
    panned = view_box(tool)
    assert panned[0] < wheeled[0] - 1 and panned[1] < wheeled[1] - 1 and panned[2] == wheeled[2]
    # keyboard: the figure takes focus, arrows pan, 0 fits
    evaluate(tool, "document.getElementById('diagram-figure').focus()")
    press(tool, "ArrowRight", keycode=39)
    assert view_box(tool)[0] > panned[0]
    press(tool, "0", code="Digit0", keycode=48, text="0")
    assert view_box(tool) == full


def test_tooltips_are_reachable_from_the_keyboard(tool):
    svg = evaluate(tool, """(() => { const s = document.querySelector('#diagram svg');
      return {role: s.getAttribute('role'), name: document.getElementById(s.getAttribute('aria-labelledby')).textContent}; })()""")
    assert svg["role"] == "img" and svg["name"].startswith("Diagram of ")
    evaluate(tool, "document.getElementById('elements').open = true")
    # Tab from the last zoom control reaches the figure, then the list of elements
    evaluate(tool, "document.querySelector(\"button[data-zoom='reset']\").focus()")
    press(tool, "Tab", keycode=9)
    assert evaluate(tool, "document.activeElement.id") == "diagram-figure"
    press(tool, "Tab", keycode=9)
    press(tool, "Tab", keycode=9)  # the <summary>, then the first element's button
    focused = evaluate(tool, "document.activeElement.dataset.elementId")
    assert focused, evaluate(tool, "document.activeElement.outerHTML")
    tip = evaluate(tool, "document.getElementById('details-tip').textContent")
    title = evaluate(tool, f"document.querySelector('#diagram svg #' + CSS.escape({json.dumps(focused)}) + ' > title').textContent")
    assert tip == title and tip


def test_the_interactions_raise_no_console_error(tool):
    click_at(tool, centre_of(tool, "#b_bus polygon, #b_bus path"))
    click_at(tool, centre_of(tool, "#findings-table th button[data-sort='where']"))
    browser, _ = tool
    evaluate(tool, "1")
    assert console_errors(browser.events) == []


# --- Lighthouse -----------------------------------------------------------------------------

LIGHTHOUSE_VERSION = "12.8.2"


def lighthouse_cli() -> Path | None:
    """Lighthouse, installed by npm into a cache directory on first use (or None, with npm absent)."""
    cache = Path(os.environ.get("MSGARCH_TEST_CACHE", Path.home() / ".cache" / "msgarch-test")) / "lighthouse"
    cli = cache / "node_modules" / "lighthouse" / "cli" / "index.js"
    if cli.exists():
        return cli
    if shutil.which("npm") is None or shutil.which("node") is None:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache),
                             f"lighthouse@{LIGHTHOUSE_VERSION}"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    return cli


@pytest.mark.parametrize("source", ["examples/order-platform.msgarch", "tests/fixtures/render/channels.msgarch"])
def test_lighthouse_scores_the_report_accessible(tmp_path, source):
    cli = lighthouse_cli()
    if cli is None:
        pytest.skip("npm and node are needed to install Lighthouse (Debian: apt-get install npm); "
                    "the test installs lighthouse itself into ~/.cache/msgarch-test")
    import functools
    import http.server
    import threading

    out = tmp_path / "report.html"
    result = subprocess.run([sys.executable, "-m", "msgarch", "render", str(ROOT / source), "-o", str(out), "--heat"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # noqa: D102 - no request log on the test's output
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/report.html"
        env = {**os.environ, "CHROME_PATH": chromium()}
        scores_file = tmp_path / "lighthouse.json"
        run = subprocess.run(["node", str(cli), url, "--quiet", "--output=json", f"--output-path={scores_file}",
                              "--only-categories=accessibility,best-practices",
                              "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"],
                             capture_output=True, text=True, timeout=300, env=env)
        assert run.returncode == 0, run.stderr[-3000:]
    finally:
        server.shutdown()
        server.server_close()
    lighthouse = json.loads(scores_file.read_text(encoding="utf-8"))
    categories = lighthouse["categories"]
    failing = [(audit_id, audit.get("title")) for audit_id, audit in lighthouse["audits"].items()
               if audit.get("score") is not None and audit.get("score") < 1
               and audit_id in {ref["id"] for ref in categories["accessibility"]["auditRefs"]}]
    print(f"Lighthouse {lighthouse['lighthouseVersion']} {source}: "
          + ", ".join(f"{key} {value['score']}" for key, value in categories.items()))
    assert categories["accessibility"]["score"] == 1.0, failing
