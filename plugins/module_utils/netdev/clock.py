# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device's own clock as it prints it: one reader per platform (``display clock``,
``show clock``), checked against real captures (tests/fixtures/captures/).

A switch evaluates its time ranges against its local time (time zone and summer time
applied), which is what every platform prints on the first line, so the wall-clock time
read here is naive local device time.

Formats (see docs/fidelity.md for the sources):

- Huawei VRP: ``2019-08-21 09:27:01``, ``2017-12-12 08:56:00+08:00`` (zone set),
  ``2012-07-12 11:08:52+08:00 DST`` (summer time), then the weekday and
  ``Time Zone(name) : UTC+08:00`` lines.
- H3C Comware 5: ``19:35:31 UTC Sat 01/08/2011``, a zone name in place of ``UTC``
  (``15:10:00 Z5 Fri 03/16/2015``) followed by ``Time Zone : Z5 add 05:00:00`` and
  possibly ``Summer Time : PDT 06:00:00 08/01 06:00:00 09/01 01:00:00``; Comware 7 adds
  milliseconds (``10:09:00.258 UTC Fri 03/16/2018``).
- Cisco IOS: ``*18:57:38.347 UTC Mon Oct 19 2015`` (``*`` not authoritative, ``.`` NTP
  not synchronised, nothing when synchronised).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from .errors import NetdevError

_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_VRP = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2}) (\d{1,2}:\d{2}:\d{2})(?:[+-]\d{2}:\d{2})?(?:\s+DST)?\s*$"
)
_COMWARE = re.compile(
    rf"^\s*(\d{{1,2}}:\d{{2}}:\d{{2}})(?:\.\d+)?\s+\S+\s+{_WEEKDAY}\s+(\d{{1,2}}/\d{{1,2}}/\d{{4}})\s*$"
)
_IOS = re.compile(
    rf"^\s*[*.]?(\d{{1,2}}:\d{{2}}:\d{{2}})(?:\.\d+)?\s+\S+\s+{_WEEKDAY}\s+"
    r"([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{4})\s*$"
)


class ClockFormatError(NetdevError):
    """The output is not the platform's clock format."""


def _first_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    for line in (text or "").splitlines():
        match = pattern.match(line)
        if match:
            return match
    return None


def _vrp(text: str) -> datetime | None:
    match = _first_match(_VRP, text)
    if not match:
        return None
    return datetime.strptime(" ".join(match.groups()), "%Y-%m-%d %H:%M:%S")


def _comware(text: str) -> datetime | None:
    match = _first_match(_COMWARE, text)
    if not match:
        return None
    return datetime.strptime(" ".join(match.groups()), "%H:%M:%S %m/%d/%Y")


def _ios(text: str) -> datetime | None:
    match = _first_match(_IOS, text)
    if not match:
        return None
    return datetime.strptime(" ".join(match.groups()), "%H:%M:%S %b %d %Y")


# netmiko device_type -> (command, reader)
CLOCK: dict[str, tuple[str, Callable[[str], datetime | None]]] = {
    "huawei": ("display clock", _vrp),
    "hp_comware": ("display clock", _comware),
    "cisco_ios": ("show clock", _ios),
}


def clock_command(platform: str) -> str:
    return CLOCK[platform][0]


def parse_clock(platform: str, text: str) -> datetime:
    """The local wall-clock time a ``display clock``/``show clock`` output shows."""
    when = CLOCK[platform][1](text)
    if when is None:
        raise ClockFormatError(f"cannot read the clock of the device: {text.strip()!r}")
    return when
