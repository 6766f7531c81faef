"""Waiting for a lab host: poll a condition, probe a TCP port."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from hisops.lab.hosts.errors import HostLabError


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.02
) -> None:
    """Poll ``condition`` until true; raise :class:`HostLabError` naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise HostLabError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
        interval = min(interval * 1.5, 0.25)


def tcp_open(address: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False
