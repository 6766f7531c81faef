# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platforms hisops drives: one dialect each, registered in one table keyed by netmiko
``device_type`` (as netmiko's CLASS_MAPPER maps device types to driver classes).

``dialect_for("huawei").negation`` -> ``"undo "``. Adding a platform: its module here, one
line in ``DIALECTS`` (docs/dialects.md)."""

from __future__ import annotations

from ..errors import UnsupportedPlatform
from . import cisco_ios, hp_comware, huawei, ruijie_os
from .base import Block, Dialect

DIALECTS: dict[str, Dialect] = {
    module.DIALECT.name: module.DIALECT for module in (huawei, hp_comware, cisco_ios, ruijie_os)
}


def platform_names() -> list[str]:
    return list(DIALECTS)


def dialect_for(platform: str) -> Dialect:
    """The dialect of ``platform`` (a netmiko device_type); UnsupportedPlatform naming it."""
    try:
        return DIALECTS[platform]
    except (KeyError, TypeError):
        raise UnsupportedPlatform(
            f"platform {platform!r} is not supported",
            hint="use one of: " + ", ".join(DIALECTS),
        ) from None


__all__ = ["DIALECTS", "Block", "Dialect", "dialect_for", "platform_names"]
