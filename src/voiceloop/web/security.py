"""The layer every request passes before any route: Host, Origin and the per-launch secret.

A page served from 127.0.0.1 can be reached by any web site open in the same browser (it
can send requests to 127.0.0.1) and by DNS rebinding (a site whose name suddenly resolves to
127.0.0.1 gets the browser's same-origin blessing). So:

- the ``Host`` header must name this server (127.0.0.1, localhost or [::1] with its port):
  a rebound name is refused before it can read anything;
- an ``Origin`` header, when present, must be this server's own: another site can neither
  read sessions nor start a recording;
- every request carries the secret made at launch, in a cookie (set when the browser opens
  the address with ``?token=...``, then removed from the address) or in the
  ``X-Voiceloop-Token`` header; a change (any method but GET and HEAD) from a browser must
  also show its Origin, or carry the header.

Refusals are 403 with one line of text saying why. Every answer gets headers that keep it
out of frames, out of caches and out of other sites' ``Referer`` lines.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_HEADER = "x-voiceloop-token"
TOKEN_QUERY = "token"
SAFE_METHODS = frozenset({"GET", "HEAD"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# Session and take ids: letters, digits, "-" and "_" only (no dots, no slashes), so an id
# can never name anything outside the recordings folder.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def valid_id(text: str) -> bool:
    return ID_PATTERN.fullmatch(text) is not None


def new_secret() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Guard:
    """What a request must show: the secret, and a Host/Origin naming this server.

    ``bind``: the address the server listens on (names it answers to besides loopback's).
    """

    secret: str
    port: int
    bind: str = "127.0.0.1"

    @property
    def cookie_name(self) -> str:
        # cookies ignore ports: two servers on one machine must not overwrite each other's
        return f"voiceloop_token_{self.port}"

    @property
    def hosts(self) -> frozenset[str]:
        names = {*LOOPBACK_NAMES, self.bind if ":" not in self.bind else f"[{self.bind}]"}
        return frozenset(f"{name}:{self.port}".lower() for name in names)

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(f"http://{host}" for host in self.hosts)

    def url(self, path: str = "/") -> str:
        """The address to open: it hands the secret to the browser once."""
        return f"http://127.0.0.1:{self.port}{path}?{TOKEN_QUERY}={self.secret}"

    def matches(self, token: str | None) -> bool:
        return token is not None and secrets.compare_digest(
            token.encode("utf-8", "replace"), self.secret.encode()
        )


_HARDENING = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # same-origin, not no-referrer: under no-referrer Chromium sends "Origin: null" with the
    # page's own form posts, which the Origin check must then refuse
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}


def _refuse(reason: str) -> PlainTextResponse:
    return PlainTextResponse(f"voiceloop: {reason}\n", status_code=403)


class SecurityMiddleware:
    """Pure ASGI middleware enforcing ``Guard`` on every HTTP request (see the module notes)."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan; this app serves no WebSocket
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        response = self._check(scope)
        if response is not None:
            await response(scope, receive, send)
            return

        async def hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HARDENING.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, hardened)

    def _check(self, scope: Scope) -> PlainTextResponse | RedirectResponse | None:
        guard = self.guard
        headers = Headers(scope=scope)
        host = headers.get("host", "").lower()
        if host not in guard.hosts:
            return _refuse(
                f"refused: this server answers only to 127.0.0.1:{guard.port} "
                f"(the request named '{host[:80]}')"
            )
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in guard.origins:
            return _refuse(f"refused: a request from another site ({origin[:80]})")
        method = scope.get("method", "GET")
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [value for name, value in query if name == TOKEN_QUERY]
        if given and method in SAFE_METHODS:
            if not guard.matches(given[-1]):
                return _refuse(
                    "wrong secret in the address: open the one `voiceloop serve` printed"
                )
            rest = urlencode([(n, v) for n, v in query if n != TOKEN_QUERY])
            response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), 303)
            response.set_cookie(
                guard.cookie_name, guard.secret, httponly=True, samesite="strict", path="/"
            )
            return response
        header_token = headers.get(TOKEN_HEADER)
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is no secret
            cookie = SimpleCookie()
        morsel = cookie.get(guard.cookie_name)
        if not (guard.matches(header_token) or guard.matches(morsel.value if morsel else None)):
            return _refuse(
                "missing or wrong secret: open the address `voiceloop serve` printed "
                "(it ends in ?token=...)"
            )
        if method not in SAFE_METHODS and origin is None and header_token is None:
            return _refuse("refused: a change must come from this server's own page")
        return None
