# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec every switch module shares, and its conversion to DeviceParams."""

from __future__ import annotations

from typing import Any

from .dialects import DIALECTS
from .errors import InputError
from .fan_out import FleetDevice
from .session import DeviceParams

PROVIDER_SPEC: dict[str, Any] = {
    "provider": {
        "type": "dict",
        "options": {
            "name": {"type": "str"},
            # the documentation's choices (doc_fragments device and netops) list the same
            "platform": {"type": "str", "choices": list(DIALECTS)},
            "host": {"type": "str"},
            "port": {"type": "int", "default": 22},
            "username": {"type": "str"},
            "password": {"type": "str", "no_log": True},
            "secret": {"type": "str", "no_log": True},
            "timeout": {"type": "float", "default": 10},
            "known_hosts": {"type": "path"},
        },
    },
}


FLEET_SPEC: dict[str, Any] = {
    "hosts": {"type": "list", "elements": "str"},
    "devices": {
        "type": "list",
        "elements": "dict",
        "options": {
            "name": {"type": "str", "required": True},
            "provider": PROVIDER_SPEC["provider"],
        },
    },
    "workers": {"type": "int", "default": 20},
}
FLEET_RULES: dict[str, Any] = {"mutually_exclusive": [("provider", "devices")]}


def device_params(params: dict[str, Any]) -> DeviceParams:
    provider = dict(params.get("provider") or {})
    return DeviceParams(
        name=provider.get("name") or provider.get("host") or "device",
        platform=provider.get("platform") or "",
        host=provider.get("host") or "",
        username=provider.get("username") or "",
        password=provider.get("password") or "",
        port=provider.get("port") or 22,
        secret=provider.get("secret") or "",
        timeout=provider.get("timeout") or 10,
        known_hosts=provider.get("known_hosts") or "",
    )


INTENDED_SPEC: dict[str, Any] = {
    "config": {"type": "str"},
    "src": {"type": "path"},
    "features": {
        "type": "list",
        "elements": "str",
        "choices": ["vlans", "vlanif", "interfaces", "acl", "management"],
        "default": ["vlans", "vlanif", "interfaces", "acl", "management"],
    },
}
INTENDED_RULES: dict[str, Any] = {
    "mutually_exclusive": [("config", "src")],
    "required_one_of": [("config", "src")],
}


def intended_text(params: dict[str, Any]) -> str:
    """The intended configuration of a module call: ``config`` itself, or the ``src`` file."""
    if not params.get("src"):
        return params.get("config") or ""
    try:
        with open(params["src"], encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise InputError(f"src: cannot read {params['src']}: {exc.strerror}") from None


def fleet_devices(params: dict[str, Any]) -> list[FleetDevice]:
    """The ``devices`` of a fleet call (built by the action plugin from ``hosts``)."""
    devices = []
    for entry in params.get("devices") or []:
        device = device_params({"provider": dict(entry.get("provider") or {}, name=entry["name"])})
        devices.append(FleetDevice(name=entry["name"], params=device, extra={}))
    return devices
