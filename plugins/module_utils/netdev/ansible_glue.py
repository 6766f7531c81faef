# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec every switch module shares, and its conversion to DeviceParams."""

from __future__ import annotations

from typing import Any

from .session import DeviceParams

PROVIDER_SPEC: dict[str, Any] = {
    "provider": {
        "type": "dict",
        "options": {
            "name": {"type": "str"},
            "platform": {"type": "str", "choices": ["huawei", "hp_comware", "cisco_ios"]},
            "host": {"type": "str"},
            "port": {"type": "int", "default": 22},
            "username": {"type": "str"},
            "password": {"type": "str", "no_log": True},
            "secret": {"type": "str", "no_log": True},
            "timeout": {"type": "float", "default": 10},
        },
    },
}


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
    )
