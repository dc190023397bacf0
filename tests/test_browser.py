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
    return result["result"]["value"]


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
