# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Locks per device and per database pair, on the controller.

A workflow that changes a switch holds ``switch:<name>`` from the read of the configuration
"before" to the record of what it did, whoever it is (isolate, reconnect, deploy, vendor
window, spare swap); two engineers at once are serialized, and the one who waits is told
who holds the lock. A lock is an ``flock`` on a file in ``<state dir>/locks``: the kernel
releases it when its process ends, so a run that died leaves nothing to clean by hand. The
file says who holds it (operator, operation, pid, host, since), for the one who waits.

Several resources are always taken in sorted order, so two runs that need overlapping sets
cannot deadlock. A process that already holds a resource takes it again for free (a
failover's port fence runs the isolation, which takes the switch's lock, inside the
failover's own run).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from .errors import LockBusy, describe_holder

__all__ = ["Locks", "LockBusy", "describe_holder", "notify_waits", "switch", "pair"]

POLL_S = 0.1
_held: dict[str, tuple[int, int]] = {}  # resource path -> (fd, depth), this process
_held_guard = threading.Lock()
_notifier: list[Callable[[str, dict[str, Any]], None]] = []  # who tells the operator, this process


@contextlib.contextmanager
def notify_waits(tell: Callable[[str, dict[str, Any]], None]) -> Iterator[None]:
    """While the block runs, a wait for a lock held by another run is told through ``tell``
    (an action plugin shows it on the operator's screen at once, not after the task)."""
    _notifier.append(tell)
    try:
        yield
    finally:
        _notifier.remove(tell)


def switch(name: str) -> str:
    return f"switch:{name}"


def pair(name: str) -> str:
    return f"dbpair:{name}"


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Locks:
    def __init__(self, state_dir: str) -> None:
        self.directory = os.path.join(state_dir, "locks")

    def path(self, resource: str) -> str:
        return os.path.join(self.directory, re.sub(r"[^A-Za-z0-9_.-]", "_", resource) + ".lock")

    def holder(self, resource: str) -> dict[str, Any] | None:
        """Who holds ``resource`` now (None when nobody does)."""
        try:
            return self.holder_of_file(self.path(resource))
        except FileNotFoundError:
            return None

    def held(self) -> dict[str, dict[str, Any]]:
        """Every lock held now, by resource."""
        if not os.path.isdir(self.directory):
            return {}
        found = {}
        for name in sorted(os.listdir(self.directory)):
            if name.endswith(".lock"):
                try:
                    holder = self.holder_of_file(os.path.join(self.directory, name))
                except FileNotFoundError:
                    continue
                if holder is not None:
                    found[holder.get("resource") or name[:-5]] = holder
        return found

    @staticmethod
    def holder_of_file(path: str) -> dict[str, Any] | None:
        fd = os.open(path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read_holder(path)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def hold(
        self,
        resources: Iterable[str],
        operation: str,
        operator: str,
        wait_s: float = 300.0,
        on_wait: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> Iterator[list[str]]:
        """Hold every resource (sorted order) for the block; ``LockBusy`` after ``wait_s``.

        ``on_wait(resource, holder)`` is called once per resource found held by another
        run, before waiting for it. Yields the messages of the waits ("waited 3 s for ...")."""
        os.makedirs(self.directory, mode=0o750, exist_ok=True)
        waits: list[str] = []
        taken: list[str] = []
        try:
            for resource in sorted(set(resources)):
                waited = self._take(resource, operation, operator, wait_s, on_wait)
                taken.append(resource)
                if waited is not None:
                    waits.append(
                        f"waited {waited[0]:.1f} s for the lock on {resource}, "
                        f"held by {describe_holder(waited[1])}"
                    )
            yield waits
        finally:
            for resource in reversed(taken):
                self._release(resource)

    def _take(
        self,
        resource: str,
        operation: str,
        operator: str,
        wait_s: float,
        on_wait: Callable[[str, dict[str, Any]], None] | None,
    ) -> tuple[float, dict[str, Any]] | None:
        path = self.path(resource)
        with _held_guard:
            if path in _held:
                fd, depth = _held[path]
                _held[path] = (fd, depth + 1)
                return None
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
        start = time.monotonic()
        holder: dict[str, Any] | None = None
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if holder is None:
                        holder = _read_holder(path) or {}
                        for tell in ([on_wait] if on_wait else []) + _notifier[-1:]:
                            tell(resource, holder)
                    waited = time.monotonic() - start
                    if waited >= wait_s:
                        raise LockBusy(resource, _read_holder(path) or holder, waited) from None
                    time.sleep(POLL_S)
        except BaseException:
            os.close(fd)
            raise
        record = {
            "resource": resource,
            "operator": operator,
            "operation": operation,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": _utc_now(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record, sort_keys=True) + "\n").encode(), 0)
        with _held_guard:
            _held[path] = (fd, 1)
        return (time.monotonic() - start, holder) if holder is not None else None

    def _release(self, resource: str) -> None:
        path = self.path(resource)
        with _held_guard:
            fd, depth = _held[path]
            if depth > 1:
                _held[path] = (fd, depth - 1)
                return
            del _held[path]
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the last descriptor releases the flock


def _read_holder(path: str) -> dict[str, Any] | None:
    for _attempt in range(5):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read().strip()
        except FileNotFoundError:
            return None
        if text:
            try:
                return json.loads(text)
            except ValueError:
                pass
        time.sleep(0.02)  # taken a moment ago, the holder is writing its name
    return {}
