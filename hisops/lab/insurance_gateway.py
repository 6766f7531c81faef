"""The lab's medical-insurance gateway: answers the HIS's transactions as the national
medical-insurance information platform's gateway does (a JSON envelope POSTed to
``/fsi/api/rsfComIfsService/callService``; ``infcode`` 0 and ``output`` on success).

Stdlib only: the lab starts it inside a host (``hisops.lab.hosts.inspection``) with the
machine's ``python3``. It reads its state file at every request, so a lab fault takes
effect at once: ``{"mode": "ok" | "error", "delay_ms": N}`` (``error``: HTTP 500).
Implemented: ``9001`` (sign-in: a sign number); any other ``infno`` gets ``infcode -1``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

PATH = "/fsi/api/rsfComIfsService/callService"
MAX_BODY = 64 * 1024
_sign_numbers = count(1)


def answer(request: dict) -> dict:
    """The gateway's envelope for one request."""
    now = datetime.now().strftime("%Y%m%d%H%M%S%f")[:17]
    base = {
        "inf_refmsgid": f"LAB{now}{next(_sign_numbers) % 100000:05d}",
        "refmsg_time": now,
        "respond_time": now,
        "warn_msg": None,
        "cainfo": None,
        "signtype": None,
    }
    if request.get("infno") != "9001":
        return {
            **base,
            "infcode": -1,
            "err_msg": f"unsupported infno {request.get('infno')!r}",
            "output": None,
        }
    if not request.get("fixmedins_code") or not request.get("opter"):
        return {
            **base,
            "infcode": -1,
            "err_msg": "fixmedins_code and opter are required",
            "output": None,
        }
    sign_no = f"{datetime.now():%Y%m%d}{next(_sign_numbers):010d}"
    return {
        **base,
        "infcode": 0,
        "err_msg": None,
        "output": {
            "signinoutb": {
                "sign_time": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                "sign_no": sign_no,
            }
        },
    }


def make_handler(state_file: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "hisops-lab-fsi/1.0"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            # the host's disk may be full (a lab fault): the gateway keeps answering
            with contextlib.suppress(OSError):
                print(f"{self.address_string()} {format % args}", flush=True)

        def state(self) -> dict:
            try:
                with open(state_file, encoding="utf-8") as handle:
                    return dict(json.load(handle))
            except (OSError, ValueError):
                return {"mode": "ok", "delay_ms": 0}

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            state = self.state()
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            raw = self.rfile.read(length)
            delay = min(max(int(state.get("delay_ms", 0)), 0), 60000) / 1000
            if delay:
                time.sleep(delay)
            if self.path != PATH:
                self.send_error(404)
                return
            if state.get("mode") == "error":
                self.send_error(500, "Internal Server Error")
                return
            try:
                request = json.loads(raw.decode("utf-8"))
            except ValueError:
                self.send_error(400, "body is not JSON")
                return
            body = json.dumps(answer(request), ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bind", required=True)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--state", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.bind, args.port), make_handler(args.state))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
