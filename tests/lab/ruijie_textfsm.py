"""The collection's Ruijie RGOS TextFSM templates, read as the collection reads them.

``plugins/module_utils/netdev/templates/ruijie_os/`` holds templates in ntc-templates'
layout (an ``index`` for clitable); ``parse`` does what a dialect with ``textfsm_dir``
does (``netdev/dialects/base.py``, ``Dialect.parse_output``): clitable picks the template
by platform and command, and the header names come back lower-case, as ntc-templates'
``parse_output`` returns them.
"""

from __future__ import annotations

from pathlib import Path

from textfsm import clitable  # type: ignore[import-untyped]

TEMPLATE_DIR = (
    Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "netdev" / "templates"
) / "ruijie_os"
PLATFORM = "ruijie_os"


def parse(command: str, text: str) -> list[dict[str, str | list[str]]]:
    table = clitable.CliTable("index", str(TEMPLATE_DIR))
    table.ParseCmd(text, {"Command": command, "Platform": PLATFORM})
    return [{str(h).lower(): row[i] for i, h in enumerate(table.header)} for row in table]
