"""The station page refuses every request without the token, from another origin or host.

The server runs for real on a loopback port; requests go over HTTP with the
headers a browser or another program would send. The station starts not
accepting drives, with one drive plugged in and waiting: a refused request
that got through would start it, and the drive would be written.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import time
from pathlib import Path

import pytest
from devices_helpers import loop_file
from hypothesis import given
from hypothesis import strategies as st

from conftest import run_cli
from sneakernet.station import ADDED, DriveEvent, Mode, Station
from sneakernet.station_web import STATIC, StationWeb, listen_warning, pick_language

MIB = 1 << 20


def _request(web: StationWeb, method: str, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    try:
        conn.request(method, path, headers={"Host": f"127.0.0.1:{web.port}", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path):
    image = tmp_path / "card.img"
    image.write_bytes(os.urandom(2 * MIB))
    station = Station(image, ports=f"{tmp_path}/*", mode=Mode.READY)
    web = StationWeb(station)
    web.start()
    with loop_file(tmp_path, "drive", 8 * MIB) as dev:
        station.handle(DriveEvent(ADDED, dev, "p1"))
        assert dev in station.pending
        yield web, station, tmp_path / "drive.img", image
    web.stop()
    station.wait(60)


def _untouched(station: Station, backing: Path) -> None:
    time.sleep(0.3)
    assert station.mode is Mode.READY
    assert station.drives == {} and station.finished == []
    assert backing.read_bytes() == bytes(8 * MIB)


def test_requests_without_the_right_token_host_or_origin_are_refused(served):
    web, station, backing, _ = served
    token = web.token
    own = f"http://127.0.0.1:{web.port}"
    refused = [
        ("GET", "/", {}),
        ("GET", "/api/state", {}),
        ("GET", "/api/events", {}),
        ("GET", "/static/app.js", {}),
        ("GET", "/?token=wrong", {}),
        ("GET", f"/?token={token[:-1]}", {}),
        ("GET", "/api/state", {"Cookie": f"{web.cookie}=wrong"}),
        ("POST", "/api/control/start", {"Origin": own}),
        ("POST", "/api/control/start?token=wrong", {"Origin": own}),
        # The right token, but from elsewhere:
        ("POST", f"/api/control/start?token={token}", {}),  # no Origin on a POST
        ("POST", f"/api/control/start?token={token}", {"Origin": "http://127.0.0.1:1"}),
        ("POST", f"/api/control/start?token={token}", {"Origin": "http://evil.example"}),
        ("POST", f"/api/control/start?token={token}", {"Origin": "null"}),
        ("GET", f"/api/state?token={token}", {"Origin": "http://localhost:1"}),
        ("POST", f"/api/control/start?token={token}", {"Origin": own, "Host": "evil.example"}),
        ("GET", f"/?token={token}", {"Host": f"rebound.example:{web.port}"}),
        ("GET", f"/?token={token}", {"Host": "127.0.0.1:1"}),
        ("POST", f"/api/control/start?token={token}", {"Origin": own, "Sec-Fetch-Site": "cross-site"}),
    ]  # fmt: skip
    for method, path, headers in refused:
        status, _, body = _request(web, method, path, headers)
        assert status == 403, (method, path, headers, status, body)
        assert token.encode() not in body
    _untouched(station, backing)


def test_the_token_opens_the_page_and_only_a_same_origin_post_starts_the_station(served):
    web, station, backing, image = served
    status, headers, body = _request(web, "GET", f"/?token={web.token}")
    assert status == 200 and b"/static/app.js" in body
    assert f"{web.cookie}={web.token}" in headers["set-cookie"]
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=strict" in headers["set-cookie"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "server" not in {k.lower() for k in headers}  # no version string handed out
    cookie = {"Cookie": f"{web.cookie}={web.token}"}
    status, _, body = _request(web, "GET", "/api/state", cookie)
    assert status == 200 and json.loads(body)["mode"] == "ready"
    status, _, body = _request(web, "GET", "/static/messages.json", cookie)
    assert status == 200
    _untouched(station, backing)

    own = {"Origin": f"http://127.0.0.1:{web.port}", **cookie}
    status, _, body = _request(web, "POST", "/api/control/start", own)
    assert status == 200 and json.loads(body) == {"mode": "running"}
    assert station.wait(60)
    (drive,) = station.finished
    assert drive.result == "done", drive.to_json()
    assert backing.read_bytes()[: 2 * MIB] == image.read_bytes()
    status, _, body = _request(web, "GET", f"/api/state?token={web.token}")
    snap = json.loads(body)
    assert snap["totals"]["done"] == 1 and snap["drives"][0]["result"] == "done"
    assert snap["log"][-1]["result"] == "done"
    status, _, _ = _request(web, "POST", "/api/control/format", own)
    assert status == 404


def test_the_page_is_served_on_localhost_too_and_streams_events(served):
    web, station, _, _ = served
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    conn.request("GET", f"/api/events?token={web.token}", headers={"Host": f"localhost:{web.port}"})
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("content-type").startswith("text/event-stream")
    line = response.readline()
    assert line.startswith(b"data: ")
    assert json.loads(line[6:])["waiting"][0]["port"] == "p1"
    conn.close()


def test_language_follows_the_browser_and_the_operators_choice():
    assert pick_language("ko-KR,ko;q=0.9,en-US;q=0.8") == "ko"
    assert pick_language("en-US,en;q=0.9,ko;q=0.8") == "en"
    assert pick_language("de-DE,ko;q=0.5") == "ko"
    assert pick_language("fr,de") == "en" and pick_language(None) == "en"
    assert pick_language("ko;q=0.2,en;q=0.7") == "en"
    assert pick_language("ko", chosen="en") == "en"
    assert pick_language("en", chosen="xx") == "en"


def test_every_text_of_the_page_exists_in_both_languages():
    messages = json.loads((STATIC / "messages.json").read_text(encoding="utf-8"))
    assert set(messages) == {"en", "ko"}
    assert set(messages["en"]) == set(messages["ko"])
    used = set()
    for name in ("index.html", "app.js"):
        text = (STATIC / name).read_text(encoding="utf-8")
        used |= set(re.findall(r'data-text="(\w+)"', text))
        used |= set(re.findall(r'\bt\("(\w+)"\)', text))
    used.discard("mode_")  # built from the mode's name
    assert used <= set(messages["en"]), used - set(messages["en"])
    for mode in ("ready", "running", "paused", "finishing", "finished"):
        assert f"mode_{mode}" in messages["ko"]
    assert all(
        any("\uac00" <= ch <= "\ud7a3" for ch in text)
        for text in messages["ko"].values()
        if text != "MB/s"
    )


def test_the_page_loads_nothing_from_elsewhere():
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert (
            "http://" not in text
            and "https://" not in text
            and "//" not in text.replace("// ", "").replace("://", "")
        ), path.name


def test_a_non_loopback_address_needs_listen_and_is_warned_about(tmp_path):
    assert listen_warning("127.0.0.1") is None and listen_warning("::1") is None
    assert "anyone who can reach" in listen_warning("0.0.0.0")
    assert "anyone who can reach" in listen_warning("192.0.2.7")
    with pytest.raises(ValueError):
        listen_warning("example.org")
    image = tmp_path / "card.img"
    image.write_bytes(bytes(MIB))
    result = run_cli("station", image, "--web", "--listen", "example.org", "--log", tmp_path / "l")
    assert result.code == 2 and "not an IP address" in result.stderr
    result = run_cli("station", image, "--listen", "127.0.0.1", "--log", tmp_path / "l")
    assert result.code == 2 and "--web" in result.stderr
    result = run_cli("station", image, "--web", "--port", "70000", "--log", tmp_path / "l")
    assert result.code == 2 and "port" in result.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy = str(taken.getsockname()[1])
        result = run_cli("station", image, "--web", "--port", busy, "--log", tmp_path / "l")
    assert result.code == 2 and f"127.0.0.1:{busy}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "l").exists()


@given(st.text(max_size=200), st.sampled_from([None, "en", "ko", "", "xx"]))
def test_any_accept_language_header_gives_one_of_our_languages(header, chosen):
    lang = pick_language(header, chosen)
    assert lang in ("en", "ko")
    if chosen in ("en", "ko"):
        assert lang == chosen
    elif "ko" not in header.lower():
        assert lang == "en"


def test_listen_serves_on_the_address_given_and_answers_to_it(tmp_path):
    image = tmp_path / "card.img"
    image.write_bytes(bytes(MIB))
    station = Station(image, ports=f"{tmp_path}/*", mode=Mode.READY)
    web = StationWeb(station, address="127.0.0.2")
    web.start()
    try:
        assert web.url.startswith(f"http://127.0.0.2:{web.port}/?token=")
        conn = http.client.HTTPConnection("127.0.0.2", web.port, timeout=10)
        for host, expected in ((f"127.0.0.2:{web.port}", 200), ("127.0.0.2:1", 403)):
            conn.request("GET", f"/api/state?token={web.token}", headers={"Host": host})
            response = conn.getresponse()
            response.read()
            assert response.status == expected, host
        conn.close()
        with pytest.raises(OSError):  # nothing listens on 127.0.0.1 at that port
            http.client.HTTPConnection("127.0.0.1", web.port, timeout=5).connect()
    finally:
        web.stop()
