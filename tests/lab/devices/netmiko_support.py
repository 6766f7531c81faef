"""Shared steps of the netmiko end-to-end tests (real SSH to the lab daemon)."""

from __future__ import annotations

import time
from typing import Any

from netmiko import ConnectHandler
from netmiko.base_connection import BaseConnection


def default_params(entry: dict[str, Any]) -> dict[str, Any]:
    """netmiko's own defaults: only what identifies the device and the account."""
    return {
        "device_type": entry["platform"],
        "host": entry["host"],
        "port": entry["port"],
        "username": entry["username"],
        "password": entry["password"],
        "secret": entry.get("secret", entry["password"]),
    }


def connect(entry: dict[str, Any]) -> BaseConnection:
    return ConnectHandler(**default_params(entry))


def timed_connect_and_show(entry: dict[str, Any], command: str) -> tuple[float, str]:
    """Seconds for connect + one command (not the disconnect: netmiko's huawei cleanup
    reads for 2 s of silence whatever the device), on a warm lab."""
    with connect(entry) as conn:
        conn.find_prompt()
    started = time.perf_counter()
    conn = connect(entry)
    output = conn.send_command(command)
    elapsed = time.perf_counter() - started
    conn.disconnect()
    return elapsed, output
