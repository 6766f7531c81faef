# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape every coded exception tree shares (backup, pgha, schedules).

Each domain keeps its own names: its base derives from ``HisopsError`` and its
``InputError`` from ``FieldError`` and that base, so callers still catch the domain's
classes. ``code`` is returned as ``reason`` by the modules: the controller decides on the
code, never on the message's words."""

from __future__ import annotations


class HisopsError(Exception):
    """Base of every coded domain error."""

    code = "error"


class FieldError(HisopsError):
    """A bad input, refused before anything is touched; names the field."""

    code = "bad_input"

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
