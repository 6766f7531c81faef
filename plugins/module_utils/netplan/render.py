# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VLAN plan of many switches: validated together, rendered to intended files.

Validation first, for every switch, and nothing is rendered while any switch's part of
the plan is wrong: a wrong plan never reaches half of the network. A problem shared by
many switches (the hospital VLAN list is one for all) is reported once, with the
switches it concerns.

Rendering uses the templates of the ``switch_intended`` role (``intended.j2`` including
``<platform>/<feature>.j2``) with Jinja2 as Ansible's template module configures it
(``trim_blocks``, trailing newline kept); a file is written only when its content
differs, atomically.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from typing import Any

from ..files import write_atomic
from .model import PlanError, build_intent

try:
    import jinja2

    HAS_JINJA2 = True
    JINJA2_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_JINJA2 = False
    JINJA2_IMPORT_ERROR = exc


class FleetPlanError(ValueError):
    """Some switches' plans are wrong. ``problems``: (field path, reason, [switches])."""

    def __init__(self, problems: list[tuple[str, str, list[str]]]) -> None:
        self.problems = problems
        lines = []
        for path, reason, hosts in problems:
            shown = ", ".join(hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")
            lines.append(f"{path}: {reason} [{shown}]")
        super().__init__(
            f"the VLAN plan is refused, nothing was rendered or sent ({len(problems)} problem(s)):\n"
            + "\n".join(lines)
        )


@dataclass
class SwitchPlan:
    """One switch's part of the plan, as its inventory variables give it."""

    name: str
    hostname: str
    platform: str
    switch: Any
    vlans: Any
    mgmt_vlan: Any = None
    acls: Any = None


def validate_all(plans: list[SwitchPlan]) -> dict[str, dict[str, Any]]:
    """Every switch's intent (``SwitchIntent.to_dict()``), or FleetPlanError for all problems."""
    intents: dict[str, dict[str, Any]] = {}
    found: dict[tuple[str, str], list[str]] = {}
    for plan in plans:
        try:
            intents[plan.name] = build_intent(
                plan.hostname, plan.platform, plan.switch, plan.vlans, plan.mgmt_vlan, plan.acls
            ).to_dict()
        except PlanError as exc:
            for path, reason in exc.problems:
                found.setdefault((path, reason), []).append(plan.name)
    if found:
        raise FleetPlanError([(path, reason, hosts) for (path, reason), hosts in found.items()])
    return intents


class IntendedRenderer:
    """Renders ``intended.j2`` of a templates folder for one switch's intent."""

    def __init__(self, templates_dir: str) -> None:
        if not HAS_JINJA2:
            raise RuntimeError(f"jinja2 is not installed: {JINJA2_IMPORT_ERROR}")
        if not os.path.isfile(os.path.join(templates_dir, "intended.j2")):
            raise FileNotFoundError(f"templates: no intended.j2 in {templates_dir}")
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir),
            trim_blocks=True,
            lstrip_blocks=False,
            keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
        )
        self.template = self.env.get_template("intended.j2")

    def render(self, intent: dict[str, Any], features: list[str]) -> str:
        return self.template.render(intent=intent, switch_intended_features=list(features))


@dataclass
class WrittenFile:
    path: str
    changed: bool
    before: str
    after: str

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(True),
                self.after.splitlines(True),
                fromfile=f"{self.path} (before)",
                tofile=f"{self.path} (after)",
            )
        )


def write_if_changed(
    path: str, text: str, check_mode: bool = False, mode: int = 0o640
) -> WrittenFile:
    try:
        with open(path, encoding="utf-8") as handle:
            before = handle.read()
    except FileNotFoundError:
        before = ""
    changed = before != text or not os.path.exists(path)
    if changed and not check_mode:
        os.makedirs(os.path.dirname(path), mode=0o750, exist_ok=True)
        write_atomic(path, text, mode)
    return WrittenFile(path=path, changed=changed, before=before, after=text)


def render_all(
    intents: dict[str, dict[str, Any]],
    templates_dir: str,
    dest: str,
    features: list[str],
    check_mode: bool = False,
) -> dict[str, WrittenFile]:
    """``<dest>/<name>/intended.cfg`` for every switch; written only where it differs."""
    bad = [
        name for name in intents if not re.match(r"^[A-Za-z0-9_.-]+$", name) or name in (".", "..")
    ]
    if bad:
        raise ValueError(f"hosts: {', '.join(bad)} cannot be a folder name under {dest}")
    renderer = IntendedRenderer(templates_dir)
    written = {}
    for name, intent in intents.items():
        text = renderer.render(intent, features)
        written[name] = write_if_changed(os.path.join(dest, name, "intended.cfg"), text, check_mode)
    return written
