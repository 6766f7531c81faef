# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What differs between the platforms hisops drives: one table, keyed by netmiko device_type."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import UnsupportedPlatform


@dataclass(frozen=True)
class Platform:
    name: str  # netmiko device_type
    ntc_platform: str  # ntc-templates platform name
    vendor: str
    show_running: str
    show_version: str
    show_inventory: str
    show_vlans: str
    show_interfaces: str
    show_mac: str
    show_arp: str
    # Text a device prints when it refuses a line; any match fails the push.
    error_patterns: tuple[str, ...] = field(default_factory=tuple)
    # From any configuration view straight back to user view, and user view's prompt.
    end_command: str = "return"
    user_prompt: str = r"^<[^<>\s]+>\s*$"

    def rejected(self, output: str) -> bool:
        return any(re.search(p, output, re.M) for p in self.error_patterns)


_VRP_ERRORS = (
    r"^\s*Error:.*$",
    r"^\s*% ?(Unrecognized|Incomplete|Wrong parameter|Too many parameters|Ambiguous).*$",
)

PLATFORMS: dict[str, Platform] = {
    "huawei": Platform(
        name="huawei",
        ntc_platform="huawei_vrp",
        vendor="Huawei",
        show_running="display current-configuration",
        show_version="display version",
        show_inventory="display device",
        show_vlans="display vlan",
        show_interfaces="display interface brief",
        show_mac="display mac-address",
        show_arp="display arp all",
        error_patterns=_VRP_ERRORS,
    ),
    "hp_comware": Platform(
        name="hp_comware",
        ntc_platform="hp_comware",
        vendor="H3C",
        show_running="display current-configuration",
        show_version="display version",
        show_inventory="display device manuinfo",
        show_vlans="display vlan all",
        show_interfaces="display interface brief",
        show_mac="display mac-address",
        show_arp="display arp",
        error_patterns=_VRP_ERRORS,
    ),
    "cisco_ios": Platform(
        name="cisco_ios",
        ntc_platform="cisco_ios",
        vendor="Cisco",
        show_running="show running-config",
        show_version="show version",
        show_inventory="show inventory",
        show_vlans="show vlan brief",
        show_interfaces="show interfaces status",
        show_mac="show mac address-table",
        show_arp="show ip arp",
        error_patterns=(
            r"^% Invalid input detected.*$",
            r"^% Incomplete command.*$",
            r"^% Ambiguous command.*$",
            # an ACL entry whose sequence number is taken (named ACL configuration mode)
            r"^% Duplicate sequence number.*$",
        ),
        end_command="end",
        user_prompt=r"^[^\s()#>]+#\s*$",
    ),
}


def get_platform(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise UnsupportedPlatform(
            f"platform {name!r} is not supported", hint="use one of: " + ", ".join(PLATFORMS)
        ) from None
