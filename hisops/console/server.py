"""``hisops console``'s web server: the standard library's threading HTTP server, read-only.

GET (and HEAD) only: ``/`` the page (``?lang=zh|en``), ``/state.json`` its data,
``/healthz``; every other method is answered 405 with ``Allow: GET, HEAD``. Each request
reads the sources afresh (a fraction of a second for the hospital), so an open page shows
the state of its last refresh. Bound to 127.0.0.1 unless configured otherwise
(``--bind`` or ``$HISOPS_CONSOLE_BIND``): the console has no login, anyone who reaches the
address reads it.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hisops.console.model import View, build
from hisops.console.render import render_page
from hisops.console.sources import Gathered, Paths, gather
from hisops.incident.messages import LANGUAGES

DEFAULT_BIND = "127.0.0.1"
DEFAULT_PORT = 8420
DEFAULT_REFRESH = 30
# the page needs nothing from anywhere: inline style, no script, no image but data:
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


class ConsoleHandler(BaseHTTPRequestHandler):
    server_version = "hisops-console"
    # set by make_server
    paths: Paths
    language: str | None = None
    refresh: int = DEFAULT_REFRESH
    gather_fn: Callable[[Paths], Gathered] = staticmethod(gather)
    quiet: bool = False

    def _view(self, language: str | None) -> View:
        return build(type(self).gather_fn(self.paths), language)

    def _send(self, status: int, body: bytes, content_type: str, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "GET, HEAD")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _answer(self, head: bool) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        asked = (query.get("lang") or [""])[0]
        language = asked if asked in LANGUAGES else self.language
        if url.path in ("/", "/index.html"):
            view = self._view(language)
            other = "en" if view.language == "zh" else "zh"
            page = render_page(view, refresh=self.refresh, other_language_href=f"/?lang={other}")
            self._send(200, page.encode("utf-8"), "text/html; charset=utf-8", head)
        elif url.path == "/state.json":
            data = self._view(language).to_dict()
            body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
            self._send(200, body, "application/json; charset=utf-8", head)
        elif url.path == "/healthz":
            self._send(200, b"ok\n", "text/plain; charset=utf-8", head)
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", head)

    def _answer_or_fail(self, head: bool) -> None:
        try:
            self._answer(head)
        except Exception as exc:  # a page that cannot be made says why, the server stays
            self.log_error("the page failed: %s", repr(exc))
            text = f"the console could not make this page: {type(exc).__name__}: {exc}\n"
            self._send(500, text.encode("utf-8"), "text/plain; charset=utf-8", head)

    def do_GET(self) -> None:  # noqa: N802 - http.server's dispatch names
        self._answer_or_fail(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer_or_fail(head=True)

    def _refuse(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"read-only: GET and HEAD only\n",
            "text/plain; charset=utf-8",
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        if not self.quiet:
            sys.stderr.write(f"console {self.address_string()} {format % args}\n")


def make_server(
    paths: Paths,
    *,
    bind: str = DEFAULT_BIND,
    port: int = DEFAULT_PORT,
    language: str | None = None,
    refresh: int = DEFAULT_REFRESH,
    gather_fn: Callable[[Paths], Gathered] | None = None,
    quiet: bool = False,
) -> ThreadingHTTPServer:
    """A server ready for ``serve_forever`` (port 0: any free port, see ``server_address``)."""
    handler = type(
        "BoundConsoleHandler",
        (ConsoleHandler,),
        {
            "paths": paths,
            "language": language,
            "refresh": refresh,
            "quiet": quiet,
            "gather_fn": staticmethod(gather_fn or gather),
        },
    )
    server_class = ThreadingHTTPServer
    if ":" in bind:  # an IPv6 address

        class Server6(ThreadingHTTPServer):
            address_family = socket.AF_INET6

        server_class = Server6
    server = server_class((bind, port), handler)
    server.daemon_threads = True
    return server
