# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platforms hisops drives, by netmiko device_type: now the dialects (``dialects/``).

Kept for the callers that say ``platform``: a Platform is a Dialect."""

from __future__ import annotations

from .dialects import DIALECTS, Dialect, dialect_for

Platform = Dialect
PLATFORMS: dict[str, Dialect] = DIALECTS


def get_platform(name: str) -> Dialect:
    return dialect_for(name)
