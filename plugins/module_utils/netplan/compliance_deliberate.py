# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compliance that knows what the hospital did on purpose.

An open isolation, a vendor access window or a database fence (a switch-port fence is an
isolation naming the server it fences) changes a switch's running configuration on
purpose: a gateway shut, a VLAN off the core's trunks, an address-block ACL bound, a port
shut, a vendor rule in the VTY ACL. Compared with the plan alone those lines are drift,
and the plan's remediation would undo the isolation. Here every line in which the running
configuration differs from the intended one is either *expected* (one of those records
changed it, named by its kind and id) or *unexplained*; the remediation is hier_config's
from the running configuration to the intended one with the expected lines kept, so it
never offers to undo an open isolation, window or fence. Only unexplained lines make a
switch drifted (a scheduled check's ``fail_on_drift``).

What a record changed on a switch, as canonical (section, line) pairs of netplan's
configtree (VLAN lists one VLAN a line):

* an isolation (and a fence): its ``after`` less its ``before`` on that switch, with the
  lines it inherited or handed over (``netops.reconnect.effect``, which its reconnect
  proves against), + for lines it added, - for lines it removed;
* a vendor window (its record keeps the commands, not an ``after``): the lines its commands
  entered, and any line naming its time range, in the sections it entered.

``check(switch, running, intended, platform, records)`` is the plain function (the daily
inspection calls it too); ``Sources.for_device`` reads the records of one switch from the
hospital's deliberate state (module_utils/state: the open holds) and the workflows' record
files the holds point at.
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..netdev.dialects import dialect_for
from ..netdev.session import DeviceParams, DeviceSession
from . import compliance, configtree
from .configtree import FEATURES, Section

ISOLATION = "isolation"
VENDOR_WINDOW = "vendor_window"
DB_FENCE = "db_fence"

Pair = tuple[str, str]  # (section line, child line); "" for a section without children


@dataclass
class Deliberate:
    """One record's change on one switch: ``lines`` > 0 added on purpose, < 0 removed."""

    kind: str
    id: str
    summary: str = ""
    lines: Counter = field(default_factory=Counter)
    sections: tuple[str, ...] = ()  # a vendor window: the sections it entered
    marker: str = ""  # a vendor window: its time range's name
    fence: str = ""  # a database fence: the db_fence hold's id

    def explains(self, pair: Pair, added: bool) -> bool:
        count = self.lines.get(pair, 0)
        if (count > 0) if added else (count < 0):
            return True
        if not (added and self.marker and self.sections):
            return False
        section, child = pair
        inside = any(section == s or section.startswith(s + " ") for s in self.sections)
        return inside and (self.marker in section.split() or self.marker in child.split())


@dataclass
class Expected:
    kind: str
    id: str
    summary: str
    missing: list[str] = field(default_factory=list)  # in the plan, removed on purpose
    extra: list[str] = field(default_factory=list)  # on the switch, added on purpose
    fence: str = ""

    @property
    def lines(self) -> list[str]:
        return [f"- {line}" for line in self.missing] + [f"+ {line}" for line in self.extra]

    def to_dict(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "id": self.id,
            "summary": self.summary,
            "lines": self.lines,
            "missing": self.missing,
            "extra": self.extra,
        }
        if self.fence:
            out["fence"] = self.fence
        return out


@dataclass
class DeliberateReport:
    """A switch's compliance: the unexplained drift (``report``, with its remediation)
    and the expected deviations, each naming the record that explains it."""

    device: str
    report: compliance.ComplianceReport
    expected: list[Expected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return self.report.compliant

    @property
    def drift(self) -> list[str]:
        return [
            f"{sign} {line}"
            for result in self.report.features.values()
            for sign, lines in (("-", result.missing), ("+", result.extra))
            for line in lines
        ]

    @property
    def summary(self) -> str:
        explained = "; ".join(
            f"{e.kind} {e.id} ({len(e.missing) + len(e.extra)} lines)" for e in self.expected
        )
        if self.compliant:
            text = f"{self.device}: compliant"
            return text + (f" apart from expected deviations: {explained}" if explained else "")
        drifted = [name for name, f in self.report.features.items() if not f.compliant]
        text = f"{self.device}: {len(self.drift)} unexplained lines ({', '.join(drifted)})"
        return text + (f"; expected: {explained}" if explained else "")

    def to_dict(self) -> dict[str, Any]:
        out = self.report.to_dict()
        out.update(
            platform=self.report.platform,
            expected=[e.to_dict() for e in self.expected],
            drift=self.drift,
            summary=self.summary,
            notes=self.notes,
        )
        return out


# -- the records ----------------------------------------------------------------------------


def from_isolation(record: dict[str, Any], device: str, fence: str = "") -> Deliberate | None:
    """An isolation record's change on ``device`` (None: it did not touch it). One that
    fences a database server (``fence_of``) is a ``db_fence``."""
    from ..netops.reconnect import effect

    entry = (record.get("devices") or {}).get(device)
    if not entry or "before" not in entry or "after" not in entry:
        return None
    node = record.get("fence_of") or ""
    reason = record.get("reason") or ""
    target = f"{record.get('kind', '')} {record.get('target', '')}".strip()
    if node:
        summary = f"switch-port fence of {node} ({target})"
    else:
        summary = f"{target}: {reason}" if reason else target
    opened = record.get("opened_by") or ""
    if opened:
        summary += f", opened by {opened} at {record.get('opened_at', '')}"
    return Deliberate(
        kind=DB_FENCE if node else ISOLATION,
        id=str(record["id"]),
        summary=summary,
        lines=effect(entry),
        fence=fence,
    )


def _commands_text(commands: list[str], platform: str, headers: set[str]) -> str:
    """Commands as typed (flat: a section's header, its lines, the dialect's ``leave``) as a
    configuration text; negations are left out (they remove, the window adds)."""
    dialect = dialect_for(platform)
    lines: list[str] = []
    inside = False
    for command in commands:
        line = " ".join(command.split())
        if not line:
            continue
        if line == dialect.leave:
            inside = False
            continue
        negated = line.startswith(dialect.negation)
        if line in headers or (
            line.startswith("time-range ") and dialect.time_range_block and not negated
        ):
            lines += ["#", line]
            inside = True
            continue
        if negated:
            continue
        lines.append((" " + line) if inside else line)
    return "\n".join(lines) + "\n"


def from_vendor_window(record: dict[str, Any], platform: str) -> Deliberate:
    from ..netops.vendor import window_sections

    commands = list(record.get("commands") or [])
    sections = window_sections(commands)
    headers = {s for s in sections if not s.startswith("time-range ")}
    text = _commands_text(commands, platform, headers)
    lines: Counter = Counter()
    for feature in configtree.canonical(text, platform).values():
        for section in feature:
            for child in section.children or [""]:
                lines[(section.line, child)] += 1
    window = record.get("window") or {}
    return Deliberate(
        kind=VENDOR_WINDOW,
        id=str(record["id"]),
        summary=f"vendor {record.get('vendor_ip', '')} until {window.get('end', '?')} (device "
        f"clock), approved by {record.get('approved_by', '')}: {record.get('reason', '')}".strip(),
        lines=lines,
        sections=tuple(sections),
        marker=str(window.get("name") or ""),
    )


@dataclass
class Sources:
    """Where the deliberate state is: the hold store (``state_dir``) and the record files
    of the isolations (fences included) and the vendor windows."""

    state_dir: str = ""
    isolation_dir: str = ""
    vendor_dir: str = ""

    def for_device(self, device: str, platform: str) -> tuple[list[Deliberate], list[str]]:
        """The open records that concern ``device``, and notes on holds whose record could
        not be read (their lines stay unexplained)."""
        from ..netops.errors import NetdevError
        from ..netops.transactions import Store
        from ..netops.vendor import VendorStore

        isolations = Store(self.isolation_dir) if self.isolation_dir else None
        windows = VendorStore(self.vendor_dir) if self.vendor_dir else None
        wanted: list[tuple[str, str]] = []  # (kind, id)
        fences: dict[str, str] = {}
        if self.state_dir and os.path.exists(os.path.join(self.state_dir, "state.db")):
            from ..state.store import StateStore

            state = StateStore(self.state_dir)
            for hold in state.active(devices=[device]):
                if hold.kind in (ISOLATION, VENDOR_WINDOW):
                    wanted.append((hold.kind, hold.id))
            fences = {hold.key: hold.id for hold in state.active(DB_FENCE)}
        else:  # no hold store: the workflows' own open records
            for record in isolations.open_records() if isolations else []:
                if device in (record.get("devices") or {}):
                    wanted.append((ISOLATION, record["id"]))
            for record in windows.records() if windows else []:
                if record.get("state") == "open" and record.get("device") == device:
                    wanted.append((VENDOR_WINDOW, record["id"]))
        found: list[Deliberate] = []
        notes: list[str] = []
        for kind, hold_id in wanted:
            store = isolations if kind == ISOLATION else windows
            if store is None:
                notes.append(
                    f"open {kind} {hold_id} on {device}: no {kind} record directory was given; "
                    "its lines cannot be told from drift"
                )
                continue
            try:
                record = store.load(hold_id)
            except NetdevError as exc:
                notes.append(f"open {kind} {hold_id} on {device}: {exc}; its lines count as drift")
                continue
            if kind == ISOLATION:
                change = from_isolation(record, device, fences.get(record.get("fence_of", ""), ""))
                if change is not None:
                    found.append(change)
            else:
                found.append(from_vendor_window(record, platform))
        return found, notes


# -- the comparison -------------------------------------------------------------------------


def _pairs(sections: list[Section]) -> list[Pair]:
    return [(s.line, child) for s in sections for child in s.children or [""]]


def _render(pairs: list[Pair], other: list[Section], platform: str, feature: str) -> list[str]:
    """Pairs as compliance prints lines (``section: line``, VLAN lists folded), a section
    the other side lacks altogether with its own line first (not an interface of the acl
    feature: its filter line is the finding)."""
    present = {s.line for s in other}
    by_section: dict[str, list[str]] = {}
    for section, child in pairs:
        by_section.setdefault(section, [])
        if child:
            by_section[section].append(child)
    out: list[str] = []
    for section, children in by_section.items():
        bare = feature == "acl" and section.startswith("interface ") and children
        if (section not in present or not children) and not bare:
            out.append(section)
        folded = configtree.fold([(1, c) for c in children], platform)
        out += [f"{section}: {text}" for _depth, text in folded]
    return out


def _with_expected(
    run: list[Section], want: list[Section], added: list[Pair], removed: list[Pair]
) -> list[Section]:
    """The intended sections with the expected lines kept: ``added`` entered where the
    running configuration has them (after the nearest line both have; ACLs are first
    match), ``removed`` taken out."""
    out = copy.deepcopy(want)
    by_line = {s.line: s for s in out}
    running = {s.line: s.children for s in run}
    for section, child in removed:
        target = by_line.get(section)
        if target is None:
            continue
        if child and child in target.children:
            target.children.remove(child)
        if not target.children and (not child or section not in running):
            out.remove(target)
            del by_line[section]
    for section, child in added:
        target = by_line.get(section)
        if target is None:
            target = by_line[section] = Section(section)
            out.append(target)
        if not child or child in target.children:
            continue
        have = running.get(section, [])
        before = have[: have.index(child)] if child in have else []
        anchor = next((c for c in reversed(before) if c in target.children), None)
        target.children.insert(target.children.index(anchor) + 1 if anchor else 0, child)
    return out


def check(
    device: str,
    running: str,
    intended: str,
    platform: str,
    records: list[Deliberate],
    features: tuple[str, ...] | list[str] | None = None,
    notes: list[str] | None = None,
) -> DeliberateReport:
    """``device``'s running configuration against its intended one, each differing line
    told expected (a record of ``records`` changed it on purpose) or unexplained."""
    sections, named = compliance.prepare(running, intended, platform, features or FEATURES)
    adjusted: compliance.FeatureSections = {}
    expected: dict[str, Expected] = {}
    for feature, (run, want) in sections.items():
        run_pairs, want_pairs = _pairs(run), _pairs(want)
        have, plan = set(run_pairs), set(want_pairs)
        extra = [p for p in dict.fromkeys(run_pairs) if p not in plan]
        missing = [p for p in dict.fromkeys(want_pairs) if p not in have]
        kept: dict[str, tuple[list[Pair], list[Pair]]] = {}
        for pairs, added in ((extra, True), (missing, False)):
            for pair in pairs:
                record = next((r for r in records if r.explains(pair, added)), None)
                if record is not None:
                    theirs = kept.setdefault(record.id, ([], []))
                    theirs[0 if added else 1].append(pair)
        added_all = [p for theirs in kept.values() for p in theirs[0]]
        removed_all = [p for theirs in kept.values() for p in theirs[1]]
        adjusted[feature] = (run, _with_expected(run, want, added_all, removed_all))
        for record in records:
            if record.id not in kept:
                continue
            entry = expected.setdefault(
                record.id, Expected(record.kind, record.id, record.summary, fence=record.fence)
            )
            entry.extra += _render(kept[record.id][0], want, platform, feature)
            entry.missing += _render(kept[record.id][1], run, platform, feature)
    report = compliance.compare_sections(running, adjusted, named, platform)
    return DeliberateReport(
        device=device,
        report=report,
        expected=[expected[r.id] for r in records if r.id in expected],
        notes=list(notes or []),
    )


def classify(
    name: str, report: dict[str, Any], holds: Any = ()
) -> tuple[list[dict[str, str]], list[str]]:
    """A switch's checked report (``DeliberateReport.to_dict()``) as the daily inspection's
    split: (expected: [{"line", "kind", "id"}], unexplained: [line]). ``name`` and
    ``holds`` are not needed (the report was checked with the records); they make it the
    inspection's ``classify(name, report, holds)``."""
    expected = [
        {"line": line, "kind": entry["kind"], "id": entry["id"]}
        for entry in report.get("expected") or []
        for line in entry.get("lines") or []
    ]
    return expected, list(report.get("drift") or [])


def check_device(
    params: DeviceParams,
    intended: str,
    sources: Sources,
    features: tuple[str, ...] | list[str] | None = None,
) -> DeliberateReport:
    """Read one switch's running configuration and check it (``check``) with the open
    records of the hospital's deliberate state that concern it."""
    with DeviceSession(params) as session:
        running = compliance.numbered_running(session, session.running_config())
        platform = session.platform.name
    records, notes = sources.for_device(params.name, platform)
    return check(params.name, running, intended, platform, records, features, notes)
