"""Switch models the lab knows: platform, port layout, default firmware.

A topology names a model; unless it lists interfaces itself, the device gets the
model's port layout from here, written as ranges (``GigabitEthernet0/0/1-48``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hisops.lab.platforms import LAB_PLATFORMS

PLATFORMS = tuple(LAB_PLATFORMS)  # netmiko device types (hisops/lab/platforms.py)


@dataclass(frozen=True)
class ModelInfo:
    platform: str
    ports: tuple[str, ...]  # interface ranges
    firmware: str
    uplinks: tuple[str, ...]  # ranges of the ports used towards the core, best first


MODELS: dict[str, ModelInfo] = {
    # Huawei VRP (S7700 line cards number ports from 0)
    "S7706": ModelInfo(
        "huawei",
        ("GigabitEthernet1/0/0-47", "XGigabitEthernet2/0/0-11"),
        "V200R021C10SPC600",
        ("XGigabitEthernet2/0/0-11",),
    ),
    "S7703": ModelInfo(
        "huawei",
        ("GigabitEthernet1/0/0-47", "XGigabitEthernet2/0/0-11"),
        "V200R021C10SPC600",
        ("XGigabitEthernet2/0/0-11",),
    ),
    "S5735-S48T4X": ModelInfo(
        "huawei",
        ("GigabitEthernet0/0/1-48", "XGigabitEthernet0/0/1-4"),
        "V200R022C00SPC500",
        ("XGigabitEthernet0/0/1-4",),
    ),
    "S5720-28X-SI-AC": ModelInfo(
        "huawei",
        ("GigabitEthernet0/0/1-24", "XGigabitEthernet0/0/1-4"),
        "V200R019C10SPC500",
        ("XGigabitEthernet0/0/1-4",),
    ),
    "S5735-L24T4X-A1": ModelInfo(
        "huawei",
        ("GigabitEthernet0/0/1-24", "XGigabitEthernet0/0/1-4"),
        "V200R022C00SPC500",
        ("XGigabitEthernet0/0/1-4",),
    ),
    # H3C Comware 7
    "S5560X-30C-EI": ModelInfo(
        "hp_comware",
        ("GigabitEthernet1/0/1-24", "Ten-GigabitEthernet1/0/25-28"),
        "7.1.070, Release 6616",
        ("Ten-GigabitEthernet1/0/25-28",),
    ),
    "S5130S-28S-EI": ModelInfo(
        "hp_comware",
        ("GigabitEthernet1/0/1-24", "Ten-GigabitEthernet1/0/25-28"),
        "7.1.070, Release 3208P03",
        ("Ten-GigabitEthernet1/0/25-28",),
    ),
    # Cisco IOS / IOS-XE
    "C9300-48T": ModelInfo(
        "cisco_ios",
        ("GigabitEthernet1/0/1-48", "TenGigabitEthernet1/1/1-8"),
        "17.09.04a",
        ("TenGigabitEthernet1/1/1-8",),
    ),
    "WS-C3850-48T": ModelInfo(
        "cisco_ios",
        ("GigabitEthernet1/0/1-48", "TenGigabitEthernet1/1/1-4"),
        "16.12.10a",
        ("TenGigabitEthernet1/1/1-4",),
    ),
    "WS-C2960X-24TS-L": ModelInfo(
        "cisco_ios",
        ("GigabitEthernet1/0/1-28",),
        "15.2(7)E8",
        ("GigabitEthernet1/0/25-28",),
    ),
    # Ruijie RGOS 11.x (interface names carry a space: ``GigabitEthernet 0/1``)
    "RG-S5750C-28GT4XS-H": ModelInfo(
        "ruijie_os",
        ("GigabitEthernet 0/1-24", "TenGigabitEthernet 0/25-28"),
        "S5750_RGOS 11.4(1)B12P5",
        ("TenGigabitEthernet 0/25-28",),
    ),
    "RG-S2910-24GT4XS-E": ModelInfo(
        "ruijie_os",
        ("GigabitEthernet 0/1-24", "TenGigabitEthernet 0/25-28"),
        "S29_RGOS 11.4(1)B12P5",
        ("TenGigabitEthernet 0/25-28",),
    ),
}

_RANGE = re.compile(r"^(?P<prefix>.*?)(?P<first>\d+)(?:-(?P<last>\d+))?$")


def expand_range(spec: str) -> list[str]:
    """``GigabitEthernet0/0/1-3`` -> ``[...0/0/1, ...0/0/2, ...0/0/3]``."""
    match = _RANGE.match(spec.strip())
    if not match:
        raise ValueError(f"not an interface or interface range: {spec!r}")
    first = int(match["first"])
    last = int(match["last"]) if match["last"] else first
    if last < first:
        raise ValueError(f"range end before its start: {spec!r}")
    return [f"{match['prefix']}{n}" for n in range(first, last + 1)]


def expand_ranges(specs: list[str] | tuple[str, ...]) -> list[str]:
    names: list[str] = []
    for spec in specs:
        names.extend(expand_range(spec))
    return names
