# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device's own clock as it prints it, read by each platform's dialect
(``Dialect.show_clock``, ``Dialect.read_clock``), checked against real captures
(tests/fixtures/captures/; formats and sources in the dialect modules and docs/fidelity.md).

A switch evaluates its time ranges against its local time (time zone and summer time
applied), which is what every platform prints on the first line, so the wall-clock time
read here is naive local device time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .dialects import DIALECTS, dialect_for
from .errors import NetdevError


class ClockFormatError(NetdevError):
    """The output is not the platform's clock format."""


# netmiko device_type -> (command, reader)
CLOCK: dict[str, tuple[str, Callable[[str], datetime | None]]] = {
    name: (dialect.show_clock, dialect.read_clock) for name, dialect in DIALECTS.items()
}


def clock_command(platform: str) -> str:
    return dialect_for(platform).show_clock


def parse_clock(platform: str, text: str) -> datetime:
    """The local wall-clock time a ``display clock``/``show clock`` output shows."""
    when = dialect_for(platform).read_clock(text)
    if when is None:
        raise ClockFormatError(f"cannot read the clock of the device: {text.strip()!r}")
    return when
