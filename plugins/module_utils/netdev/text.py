# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Configuration text as the devices print it: the lines that are not configuration.

Every workflow that compares or records a running configuration reads it through
``strip_comments``; the safety net compares the running and the saved configuration with
``config_body``. (Backups drop their own volatile lines while masking secrets:
``backup.mask_secrets``.)
"""

from __future__ import annotations

_VOLATILE_HEADERS = ("!Time:", "!Last configuration change", "! Last configuration")
_NOT_CONFIGURATION = (
    "!Software Version",
    "!Time:",
    "!Last",
    "! Last",
    "Building configuration",
    "Current configuration",
    "Using ",
    "return",
    "end",
)


def strip_comments(text: str) -> str:
    """A running configuration without its volatile header lines (the time it was read,
    the last change), which are not configuration: two reads of an unchanged device are equal."""
    return "\n".join(
        line
        for line in text.replace("\r", "").split("\n")
        if not line.startswith(_VOLATILE_HEADERS)
    )


def config_body(text: str) -> str:
    """Configuration lines only (no headers, timestamps or blank lines), for comparing a
    running configuration with a saved one."""
    lines = [
        line.rstrip()
        for line in text.replace("\r", "").split("\n")
        if line.strip()
        and not line.strip().startswith(_NOT_CONFIGURATION)
        and line.strip() not in ("#", "!")
    ]
    return "\n".join(lines)
