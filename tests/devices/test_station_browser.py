"""The station page in a real browser (Debian's headless Chromium through Selenium).

The `station --web` command runs as an operator starts it; drives are
emulated and attached while it runs, so the kernel's uevents bring them in.
Screenshots are kept in the test's temporary folder.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from devices_helpers import fake_disk, medium

from conftest import interruptible_popen, require_tool

MIB = 1 << 20


@contextmanager
def _station(tmp_path: Path, image: Path):
    log = tmp_path / "station.log"
    proc = interruptible_popen(
        [
            sys.executable,
            "-m",
            "sneakernet",
            "station",
            str(image),
            "--web",
            "--ports",
            f"{tmp_path}/*",
            "--log",
            str(log),
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("station page: http://127.0.0.1:"), (line, proc.stderr.read())
        yield proc, line.split(": ", 1)[1].strip()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _state(url: str) -> dict:
    """What the station reports, asked as a program with the token would."""
    port = int(url.split(":")[2].split("/")[0])
    token = url.split("token=")[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", f"/api/state?token={token}", headers={"Host": f"127.0.0.1:{port}"})
    data = json.loads(conn.getresponse().read())
    conn.close()
    return data


@contextmanager
def _browser(tmp_path: Path, lang: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = require_tool("chromium")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        f"--lang={lang}",
        f"--user-data-dir={tmp_path / f'chromium-{lang}'}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(require_tool("chromedriver")))
    try:
        yield driver
    finally:
        driver.quit()


def _until(driver, cond, timeout: float = 60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: cond(d))


def _tile(driver):
    """The one tile's state and words, read in one go (the page redraws as events come)."""
    found = driver.execute_script(
        """const tiles = document.querySelectorAll("article.tile");
        if (tiles.length !== 1) return null;
        const status = tiles[0].querySelector(".status");
        return [tiles[0].dataset.state, status ? status.textContent : ""];"""
    )
    return tuple(found) if found else None


def _text(driver, selector: str) -> str:
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
        selector,
    )


class _Attacker(http.server.BaseHTTPRequestHandler):
    """Another page in the operator's browser, on another loopback port."""

    target = ""

    def do_GET(self) -> None:
        body = f"""<!doctype html><title>other</title><script>
        fetch("{self.target}/api/control/start", {{method: "POST", mode: "no-cors",
               credentials: "include"}})
          .catch(() => null).finally(() => {{ document.title = "sent"; }});
        </script>""".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_browser_sees_a_drive_written_and_another_page_cannot_start_the_station(tmp_path):
    require_tool("chromium")
    require_tool("chromedriver")
    image = tmp_path / "card.img"
    image.write_bytes(os.urandom(6 * MIB))
    with _station(tmp_path, image) as (proc, url), _browser(tmp_path, "en") as driver:
        origin = url.split("/?")[0]
        driver.get(url)
        _until(driver, lambda d: "Not started" in _text(d, "#mode"))
        assert _text(driver, "#title") == "sneakernet write station"
        assert "token" not in driver.current_url  # kept out of the address bar

        # A page from another origin, in the same browser that holds the cookie.
        _Attacker.target = origin
        other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
        threading.Thread(target=other.serve_forever, daemon=True).start()
        try:
            driver.get(f"http://127.0.0.1:{other.server_address[1]}/")
            _until(driver, lambda d: d.title == "sent")
        finally:
            other.shutdown()
            other.server_close()
        assert _state(url)["mode"] == "ready"
        seen = [e["message"] for e in driver.get_log("browser")]
        assert any(f"{origin}/api/control/start" in m and "403" in m for m in seen), seen

        with fake_disk(tmp_path, "drive", claimed=16 * MIB, write_rate=4e6, read_rate=40e6) as dev:
            deadline = time.monotonic() + 30
            while not _state(url)["waiting"]:
                assert time.monotonic() < deadline, "the drive was not picked up"
                time.sleep(0.1)
            time.sleep(0.5)
            state = _state(url)
            assert state["mode"] == "ready" and state["drives"] == []
            assert medium(tmp_path, "drive").read_bytes()[: 6 * MIB] == bytes(6 * MIB)

            driver.get(origin + "/")  # the cookie alone opens it from now on
            _until(driver, lambda d: _tile(d) == ("waiting", "waiting for Start"))
            driver.find_element("id", "start").click()
            _until(driver, lambda d: (_tile(d) or ("", ""))[0] == "writing")
            assert "writing" in _tile(driver)[1] and "%" in _tile(driver)[1]
            _until(driver, lambda d: _tile(d) == ("done", "done ✔ pull now"), timeout=120)
            driver.save_screenshot(str(tmp_path / "station-en.png"))
            # Nothing refused on the page itself: no blocked script, style or font, no 403.
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert not [e for e in errors if origin in e["message"]], errors
            assert medium(tmp_path, "drive").read_bytes()[: 6 * MIB] == image.read_bytes()
            assert _text(driver, '[data-total="done"]') == "1"
            assert dev in _text(driver, "article.tile .device")

            with _browser(tmp_path, "ko") as korean:
                korean.get(url)
                _until(korean, lambda d: _tile(d) == ("done", "완료 ✔ 지금 뽑으세요"))
                assert _text(korean, "#title") == "sneakernet 기록 스테이션"
                assert _text(korean, "#start") == "시작"
                assert korean.find_element("css selector", "html").get_attribute("lang") == "ko"
                korean.save_screenshot(str(tmp_path / "station-ko.png"))
                korean.find_element("css selector", '[data-lang-choice="en"]').click()
                _until(korean, lambda d: _text(d, "#title") == "sneakernet write station")

        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "done 1," in out
    for name in ("station-en.png", "station-ko.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _tiles(driver) -> dict[str, tuple[str, str, str]]:
    """Every tile by port: state, status words, reason."""
    found = driver.execute_script(
        """return [...document.querySelectorAll("article.tile")].map(t => [
            t.dataset.port || "", t.dataset.state,
            (t.querySelector(".status") || {}).textContent || "",
            (t.querySelector(".reason") || {}).textContent || ""]);"""
    )
    return {port: (state, status, reason) for port, state, status, reason in found}


def _three_finished(tiles: dict[str, tuple[str, str, str]]) -> bool:
    """Three tiles, each done, failed or fake, read from one look at the page
    (two looks could see no tiles, all of which are finished, then three that
    are still writing)."""
    return len(tiles) == 3 and all(t[0] in ("done", "failed", "fake") for t in tiles.values())


def test_a_browser_sees_a_fake_drive_a_failed_one_and_an_emptied_port(tmp_path):
    from sneakernet.station import ADDED, REMOVED, DriveEvent, Station
    from sneakernet.station_web import StationWeb

    image = tmp_path / "card.img"
    image.write_bytes(os.urandom(4 * MIB))
    station = Station(image, ports=f"{tmp_path}/*")
    web = StationWeb(station)
    url = web.start()
    throttle = {"write_rate": 20e6, "read_rate": 80e6}
    try:
        with (
            fake_disk(tmp_path, "fake", claimed=64 * MIB, real=16 * MIB, mode="limbo") as fake,
            fake_disk(tmp_path, "bad", claimed=16 * MIB, eio_at=2 * MIB, **throttle) as bad,
            fake_disk(tmp_path, "good", claimed=16 * MIB, **throttle) as good,
            _browser(tmp_path, "en") as driver,
        ):
            driver.get(url)
            _until(driver, lambda d: "Accepting drives" in _text(d, "#mode"))
            for port, dev in (("A", fake), ("B", bad), ("C", good)):
                station.handle(DriveEvent(ADDED, dev, port))
            _until(driver, lambda d: _three_finished(_tiles(d)), timeout=120)
            tiles = _tiles(driver)
            assert tiles["A"][:2] == ("fake", "fake drive (real size 16.0 MiB)"), tiles
            assert tiles["B"][:2] == ("failed", "failed ✘"), tiles
            assert "Input/output error" in tiles["B"][2]
            assert tiles["C"][:2] == ("done", "done ✔ pull now")
            assert _text(driver, '[data-total="fakes"]') == "1"
            assert _text(driver, '[data-total="failed"]').startswith("2 (")
            station.handle(DriveEvent(REMOVED, good, "C"))
            _until(driver, lambda d: _tiles(d)["C"][:2] == ("empty", "empty"))
            assert _tiles(driver)["C"][2] == "last: done ✔ pull now"
            rows = driver.execute_script(
                "return [...document.querySelectorAll('#log tbody tr')].map(r => r.cells[4].textContent)"
            )
            assert sorted(rows) == ["FAILED", "FAILED", "done"]
            driver.save_screenshot(str(tmp_path / "station-failures.png"))
    finally:
        web.stop()
        station.wait(60)
