"""The write station's local web page: tiles per port, totals, the log, and the controls.

Served by Starlette under uvicorn in a background thread, from files inside
the package (`data/web/`): nothing is fetched from elsewhere and nothing
leaves the machine. Updates reach the page as server-sent events.

Every request must pass `Guard` before anything else runs:
- the `Host` header names this server (127.0.0.1:PORT or localhost:PORT, or
  the address given with `--listen`), so a page on another name that
  resolves here (DNS rebinding) gets nothing;
- an `Origin` header, when there is one, is this server's own; requests that
  change anything (POST) must carry it, so no other page in the operator's
  browser, not even one on another loopback port, can start or stop writes;
- the random token printed at start is given, in the URL (`?token=`) or in the
  cookie the page sets from it.
Anything else is answered 403 and reaches neither the station nor the files.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import secrets
import socket
import threading
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from sneakernet.station import Station

DATA = Path(__file__).resolve().parent / "data"
STATIC = DATA / "web"
FONTS = DATA / "fonts"  # the Hangul font the subtitles use, so Korean shows on any machine
LANGUAGES = ("en", "ko")
CONTROLS = ("start", "pause", "finish")
EVENT_INTERVAL = 0.25  # seconds between looks at the station for the page
SAFE_METHODS = ("GET", "HEAD")

_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        b"form-action 'none'",
    ),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


def pick_language(accept_language: str | None, chosen: str | None = None) -> str:
    """The operator's choice if made, else the first of ours the browser prefers, else English."""
    if chosen in LANGUAGES:
        return chosen
    best, best_q = "en", 0.0
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        q -= position * 1e-6  # equal weights: the earlier one wins
        if lang in LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best


def listen_warning(address: str) -> str | None:
    """Why binding to ADDRESS exposes the station, or None for a loopback address.

    Raises ValueError for anything that is not an IP address.
    """
    ip = ipaddress.ip_address(address)
    if ip.is_loopback:
        return None
    return (
        f"the station page listens on {address}: anyone who can reach this address and "
        "learns the token can control the station"
    )


@dataclass(frozen=True)
class Guard:
    """ASGI middleware: Host, Origin and token checks on every request (see the module doc)."""

    app: object
    token: str
    hosts: frozenset[str]  # host:port values this server answers to
    cookie: str

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(f"http://{host}" for host in self.hosts)

    def refusal(self, scope: dict) -> str | None:
        """Why the request is refused, or None when it passes."""
        headers: dict[str, str] = {}
        for name, value in scope.get("headers", []):
            key = name.decode("latin-1").lower()
            if key in headers and key in ("host", "origin"):
                return f"more than one {key} header"
            headers[key] = value.decode("latin-1")
        if headers.get("host") not in self.hosts:
            return "wrong host"
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            return "foreign origin"
        if scope["method"] not in SAFE_METHODS and origin is None:
            return "no origin on a request that changes something"
        if headers.get("sec-fetch-site") == "cross-site":
            return "cross-site request"
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [None])[0]
        if given is None:
            jar = SimpleCookie()
            try:
                jar.load(headers.get("cookie", ""))
            except Exception:
                return "unreadable cookie"
            morsel = jar.get(self.cookie)
            given = morsel.value if morsel else None
        if given is None or not secrets.compare_digest(given.encode(), self.token.encode()):
            return "no valid token"
        return None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http" or self.refusal(scope) is not None:
            await _send_plain(send, 403, b"forbidden\n")
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _send_plain(send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), *_HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class StationWeb:
    """The page for one station, served on ADDRESS:PORT (port 0: a free one) until `stop`."""

    def __init__(
        self,
        station: Station,
        *,
        address: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
    ) -> None:
        self.station = station
        self.address = address
        self.token = token or secrets.token_urlsafe(32)
        family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((address, port))
        except OSError:
            self._socket.close()
            raise
        self._socket.listen(64)  # early visitors queue until the server runs
        self.port = self._socket.getsockname()[1]
        self._closing = threading.Event()
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def hosts(self) -> frozenset[str]:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return frozenset(
            {f"127.0.0.1:{self.port}", f"localhost:{self.port}", f"{host}:{self.port}"}
        )

    @property
    def url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}/?token={self.token}"

    @property
    def cookie(self) -> str:
        return f"sneakernet_station_{self.port}"

    def app(self):
        """The ASGI application, guarded."""
        from starlette.applications import Starlette
        from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
        from starlette.routing import Mount, Route
        from starlette.staticfiles import StaticFiles

        station, closing, token, cookie = self.station, self._closing, self.token, self.cookie

        async def index(request):
            lang = pick_language(
                request.headers.get("accept-language"), request.cookies.get("sneakernet_lang")
            )
            html = (STATIC / "index.html").read_text(encoding="utf-8").replace("__LANG__", lang)
            response = HTMLResponse(html)
            response.set_cookie(cookie, token, httponly=True, samesite="strict", path="/")
            return response

        async def state(request):
            return JSONResponse(station.snapshot())

        async def events(request):
            async def stream():
                last, quiet = None, 0
                while not closing.is_set():
                    data = json.dumps(station.snapshot(), ensure_ascii=False)
                    if data != last:
                        last, quiet = data, 0
                        yield f"data: {data}\n\n"
                    else:
                        quiet += 1
                        if quiet * EVENT_INTERVAL >= 10:
                            quiet = 0
                            yield ": still here\n\n"
                    await asyncio.sleep(EVENT_INTERVAL)

            return StreamingResponse(stream(), media_type="text/event-stream")

        async def control(request):
            action = request.path_params["action"]
            if action not in CONTROLS:
                return Response("no such control\n", status_code=404)
            getattr(station, action)()
            return JSONResponse({"mode": station.mode.value})

        routes = [
            Route("/", index),
            Route("/api/state", state),
            Route("/api/events", events),
            Route("/api/control/{action}", control, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC)),
            Mount("/fonts", StaticFiles(directory=FONTS)),
        ]
        app = Starlette(routes=routes)
        return Guard(app, self.token, self.hosts, self.cookie)

    def start(self) -> str:
        """Serve in a background thread; returns the URL with the token."""
        import uvicorn

        config = uvicorn.Config(
            self.app(),
            log_level="warning",
            access_log=False,
            server_header=False,
            date_header=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="station web",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._socket.close()
