# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interface names and port facts read from a running configuration, per platform (the
gateway's name and a trunk's default VLANs are the dialect's)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..netdev.dialects import dialect_for
from ..netplan import vlanset
from ..netplan.configtree import Section, parse_sections

# Abbreviations printed in MAC/ARP tables, and the interface types they stand for.
_ABBREVIATIONS = {
    "ge": ("gigabitethernet",),
    "xge": ("xgigabitethernet", "ten-gigabitethernet"),
    "mge": ("multigige",),
    "fge": ("fortygige", "fortygige"),
    "eth": ("ethernet", "eth-trunk"),
    "bagg": ("bridge-aggregation",),
    "po": ("port-channel",),
}
_NAME = re.compile(r"^([A-Za-z][A-Za-z-]*?)\s*(\d[\d/.:]*)$")


def full_interface(short: str, names: list[str]) -> str:
    """The configured interface that a table's (possibly abbreviated) port name means."""
    if short in names:
        return short
    match = _NAME.match(short.strip())
    if not match:
        return short
    prefix, number = match.group(1).lower(), match.group(2)
    for name in names:
        other = _NAME.match(name)
        if not other or other.group(2) != number:
            continue
        kind = other.group(1).lower()
        if kind in _ABBREVIATIONS.get(prefix, ()) or kind.startswith(prefix):
            return name
    return short


@dataclass
class Port:
    name: str
    trunk: bool = False
    vlans: set[int] = field(default_factory=set)  # allowed on a trunk, or the access VLAN
    shutdown: bool = False
    lines: list[str] = field(default_factory=list)


def interface_sections(config: str, platform: str) -> dict[str, Section]:
    dialect = dialect_for(platform)
    return {
        name: s
        for s in parse_sections(config, platform)
        if (name := dialect.interface_name(s.line)) is not None
    }


def ports(config: str, platform: str) -> dict[str, Port]:
    """Every interface of a running configuration with its mode, VLANs and shutdown state."""
    result: dict[str, Port] = {}
    for name, section in interface_sections(config, platform).items():
        port = Port(name=name, lines=list(section.children))
        trunk_words: list[str] = []
        for line in section.children:
            if line in ("port link-type trunk", "switchport mode trunk"):
                port.trunk = True
            elif line == "shutdown":
                port.shutdown = True
            elif line.startswith(("port trunk allow-pass vlan ", "port trunk permit vlan ")):
                trunk_words.extend(line.split()[4:])
            elif line.startswith("switchport trunk allowed vlan "):
                port.vlans |= vlanset.parse_ios(line.split()[-1])
            elif line.startswith(
                ("port default vlan ", "port access vlan ", "switchport access vlan ")
            ):
                port.vlans = {int(line.split()[-1])}
        if trunk_words:
            port.vlans |= vlanset.parse_vrp(" ".join(trunk_words))
        elif (
            port.trunk
            and dialect_for(platform).trunk_default_all_vlans
            and not any(
                line.startswith("switchport trunk allowed vlan ") for line in section.children
            )
        ):
            port.vlans = set(range(1, 4095))  # an IOS trunk without a list carries every VLAN
        result[name] = port
    return result


def gateway_interface(vlan: int, platform: str) -> str:
    return dialect_for(platform).gateway_name(vlan)


def has_gateway(config: str, platform: str, vlan: int) -> bool:
    section = interface_sections(config, platform).get(gateway_interface(vlan, platform))
    return bool(section and any(c.startswith("ip address ") for c in section.children))
