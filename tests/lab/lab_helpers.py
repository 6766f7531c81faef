"""Helpers shared by the lab tests (importable: pyproject puts tests/lab on pytest's path)."""

from __future__ import annotations

import fcntl
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

CONFIG_COMMAND = {
    "huawei": "display current-configuration",
    "hp_comware": "display current-configuration",
    "cisco_ios": "show running-config",
    "ruijie_os": "show running-config",
}


def wait_until(condition: Callable[[], bool], timeout: float, message: str) -> None:
    """Poll ``condition`` until it holds; fail with ``message`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} (waited {timeout:.0f} s)")
        time.sleep(0.05)


def configure(conn: Any, commands: list[str]) -> str:
    """Send configuration commands with netmiko.

    netmiko's Huawei driver checks the mode by waiting for 2 s of silence (twice per
    ``send_config_set``) and its Comware driver gathers config output the same way; for
    those two, each line is sent with the prompt it must produce as the expected string:
    the same conversation without the idle waits.
    """
    if conn.device_type not in ("huawei", "hp_comware"):
        return str(conn.send_config_set(commands))
    output = conn.send_command("system-view", expect_string=r"\]")
    for command in commands:
        output += conn.send_command(command, expect_string=r"\]", strip_prompt=False)
    output += conn.send_command("return", expect_string=r">")
    return str(output)


def close_quickly(conn: Any) -> None:
    """Disconnect without netmiko's cleanup.

    ``disconnect()`` first checks for config mode; on Huawei that check waits for 2 s of
    silence. Tests close the transport directly; the lab drops the session at once.
    """
    conn.cleanup = lambda command="": None
    conn.disconnect()


def busy_octets() -> set[int]:
    """Second octets of 127.N.x.y addresses something listens on now (/proc/net/tcp)."""
    busy = set()
    with open("/proc/net/tcp", encoding="ascii") as handle:
        next(handle)
        for line in handle:
            local, state = line.split()[1], line.split()[3]
            address = local.split(":")[0]
            if state == "0A" and address.endswith("7F"):  # LISTEN, little-endian 127.x
                busy.add(int(address[4:6], 16))
    return busy


# A block is taken by a lock file (flock) from the moment it is chosen until it is released
# or the process ends: two pytest-xdist workers, or two test runs at once, never pick the
# same block between the choice and the moment their lab listens (busy_octets alone would
# not see it, and host fleets do not notice an address taken twice).
BLOCK_LOCKS = Path(tempfile.gettempdir()) / "hisops-test-blocks"
_held: dict[int, IO[str]] = {}


def free_octet(low: int = 100, high: int = 250) -> int:
    """A 127.N block (low <= N < high) no lab listens on and no other test process holds;
    it stays reserved for this process until ``release_octet(N)`` or the process ends."""
    BLOCK_LOCKS.mkdir(exist_ok=True)
    candidates = sorted(set(range(low, high)) - busy_octets() - set(_held))
    random.shuffle(candidates)
    for octet in candidates:
        handle = open(BLOCK_LOCKS / f"{octet}.lock", "w")  # noqa: SIM115 - held open: the lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _held[octet] = handle
        return octet
    raise RuntimeError(f"no free 127.N block in {low}..{high - 1} for a test lab")


def release_octet(octet: int) -> None:
    """Give a block taken by ``free_octet`` back (once its lab is down)."""
    handle = _held.pop(octet, None)
    if handle is not None:
        handle.close()


def device_params(lab: Any, name: str, known_hosts: Path | None = None) -> Any:
    """How the collection reaches one of the lab's switches (netmiko over SSH, its key
    checked against the lab's known_hosts unless another file is given)."""
    from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
        DeviceParams,
    )

    entry = lab.devices[name]
    return DeviceParams(
        name,
        entry["platform"],
        entry["host"],
        entry["username"],
        entry["password"],
        entry["port"],
        entry.get("secret", entry["password"]),
        known_hosts=str(known_hosts or lab.state_dir / "known_hosts"),
    )
