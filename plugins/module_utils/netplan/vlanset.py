# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VLAN lists as the sets they mean.

Huawei VRP and H3C Comware write ``10 20 to 30`` (``vlan batch``, ``port trunk
allow-pass vlan``, ``port trunk permit vlan``); Cisco IOS writes ``10,20-30``
(``switchport trunk allowed vlan [add|remove]``). Compliance compares sets, never text.
"""

from __future__ import annotations

from collections.abc import Iterable

VLAN_MIN, VLAN_MAX = 1, 4094


class VlanListError(ValueError):
    pass


def _vlan(word: str) -> int:
    try:
        value = int(word)
    except ValueError:
        raise VlanListError(f"{word!r} is not a VLAN id") from None
    if not VLAN_MIN <= value <= VLAN_MAX:
        raise VlanListError(f"VLAN {value} is outside {VLAN_MIN}-{VLAN_MAX}")
    return value


def parse_vrp(text: str | Iterable[str]) -> set[int]:
    """``'10 20 to 30'`` → {10, 20, ..., 30}. ``all`` means 1-4094."""
    words = (
        text.split() if isinstance(text, str) else [w for part in text for w in str(part).split()]
    )
    if words == ["all"]:
        return set(range(VLAN_MIN, VLAN_MAX + 1))
    result: set[int] = set()
    i = 0
    while i < len(words):
        start = _vlan(words[i])
        if i + 1 < len(words) and words[i + 1] == "to":
            if i + 2 >= len(words):
                raise VlanListError("'to' without an end VLAN")
            end = _vlan(words[i + 2])
            if end < start:
                raise VlanListError(f"range {start} to {end} runs backwards")
            result.update(range(start, end + 1))
            i += 3
        else:
            result.add(start)
            i += 1
    return result


def parse_ios(text: str) -> set[int]:
    """``'10,20-30'`` → {10, 20, ..., 30}; ``all`` → 1-4094, ``none`` → {}."""
    text = text.strip()
    if text == "all":
        return set(range(VLAN_MIN, VLAN_MAX + 1))
    if text in ("none", ""):
        return set()
    result: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            start, end = _vlan(first.strip()), _vlan(last.strip())
            if end < start:
                raise VlanListError(f"range {start}-{end} runs backwards")
            result.update(range(start, end + 1))
        else:
            result.add(_vlan(part.strip()))
    return result


def runs(vlans: Iterable[int]) -> list[tuple[int, int]]:
    ordered = sorted(set(vlans))
    out: list[tuple[int, int]] = []
    for v in ordered:
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def format_vrp(vlans: Iterable[int]) -> str:
    """{10, 20, 21, 22} → ``'10 20 to 22'`` (VRP/Comware write two-VLAN runs as a range too)."""
    return " ".join(str(a) if a == b else f"{a} to {b}" for a, b in runs(vlans))


def format_ios(vlans: Iterable[int]) -> str:
    """{10, 20, 21, 22} → ``'10,20-22'``; two-VLAN runs are written ``20,21`` as IOS does."""
    parts = []
    for a, b in runs(vlans):
        if a == b:
            parts.append(str(a))
        elif b == a + 1:
            parts.extend([str(a), str(b)])
        else:
            parts.append(f"{a}-{b}")
    return ",".join(parts)


def parse_any(value) -> set[int]:
    """What a data model may hold: a list of ids/ranges, ``'10,20-30'``, ``'10 20 to 30'``, ``all``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {_vlan(str(value))}
    if isinstance(value, str):
        text = value.strip()
        if "," in text or "-" in text:
            return parse_ios(text)
        return parse_vrp(text)
    if isinstance(value, (list, tuple, set)):
        result: set[int] = set()
        for item in value:
            result |= parse_any(item)
        return result
    raise VlanListError(f"{value!r} is not a VLAN list")
