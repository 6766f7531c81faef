# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running vs intended configuration, per feature, with hier_config doing the diff.

For each feature: ``compliant``, ``missing`` (intended lines the device lacks),
``extra`` (device lines the plan does not have) and ``remediation`` (the commands that
make the device match, in the platform's syntax, VLAN lists folded into ranges).

Scope: physical interfaces are compared only where the plan names them (a spare port
that the plan does not mention is not drift); VLANs, VLANIFs, ACLs and static routes
are compared whole, so a VLAN or gateway someone added by hand is reported.

ACLs are first match, so their order is part of the intent. VRP and Comware print each
rule with its id (``rule 10 permit ...``): a rule is compared with its id, and the
remediation removes a rule by id (``undo rule 10``) before it writes the intended one, so
the device ends with the plan's rules at the plan's ids. IOS prints named-ACL entries
without sequence numbers: entries are compared by text, a different order is reported
as such, and the remediation re-creates the whole ACL in the plan's order (hier_config's
sectional overwrite: ``no ip access-list extended X`` then the ACL).

An ACL bound to the VTY lines (and the time ranges only it uses) controls who manages the
switch, e.g. a vendor access window (hisops.emergency.vendor_access): it is left out of
the acl feature unless the plan itself names it, so a deploy never opens or closes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..netdev.dialects import dialect_for
from ..netdev.session import DeviceParams, DeviceSession
from . import configtree, vlanset
from .configtree import FEATURES, Section

try:
    from hier_config import Platform, WorkflowRemediation, get_hconfig, get_hconfig_driver
    from hier_config.models import IdempotentCommandsRule, MatchRule, NegationDefaultWithRule

    HAS_HIER_CONFIG = True
    HIER_CONFIG_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_HIER_CONFIG = False
    HIER_CONFIG_IMPORT_ERROR = exc


@dataclass
class FeatureResult:
    feature: str
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    remediation: list[str] = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return not (self.missing or self.extra)

    def to_dict(self) -> dict[str, Any]:
        return {
            "compliant": self.compliant,
            "missing": self.missing,
            "extra": self.extra,
            "remediation": self.remediation,
        }


@dataclass
class ComplianceReport:
    platform: str
    features: dict[str, FeatureResult]

    @property
    def compliant(self) -> bool:
        return all(f.compliant for f in self.features.values())

    @property
    def remediation(self) -> list[str]:
        return [line for f in self.features.values() for line in f.remediation]

    def to_dict(self) -> dict[str, Any]:
        return {
            "compliant": self.compliant,
            "features": {name: f.to_dict() for name, f in self.features.items()},
            "remediation": self.remediation,
        }


# Commands where the last value wins (send the new value, no negation first), and the
# argument-less negation each platform wants (``Dialect.single_value``). hier_config's
# drivers know few of these for VRP and Comware; a wrong negation such as "undo port access
# vlan 40" is refused by the device ("% Too many parameters").
_DRIVERS: dict = {}


def _driver(platform: str):
    if platform in _DRIVERS:
        return _DRIVERS[platform]
    dialect = dialect_for(platform)
    driver = get_hconfig_driver(getattr(Platform, dialect.hier_config_platform))
    for parent, commands in dialect.single_value.items():
        for command in commands:
            lineage = (MatchRule(startswith=parent), MatchRule(startswith=command))
            driver.rules.idempotent_commands.append(IdempotentCommandsRule(match_rules=lineage))
            if command != "ip address ":
                driver.rules.negate_with.append(
                    NegationDefaultWithRule(
                        match_rules=lineage, use=dialect.negation + command.strip()
                    )
                )
    driver.rules.idempotent_commands.append(
        IdempotentCommandsRule(match_rules=(MatchRule(startswith=dialect.hostname_command),))
    )
    # How the platform removes an ACL and a rule (the devices refuse the full line).
    dialect.hier_config_rules(driver)
    _DRIVERS[platform] = driver
    return driver


def _hc(platform: str, sections: list[Section]):
    return get_hconfig(_driver(platform), configtree.to_text(sections))


def _lines(tree, platform: str) -> list[str]:
    """Flatten a hier_config tree to ``parent: child`` lines, VLAN lists folded."""
    flat: list[tuple[int, str]] = [(c.depth() - 1, c.text) for c in tree.all_children_sorted()]
    folded = configtree.fold(flat, platform)
    dialect = dialect_for(platform)
    out: list[str] = []
    parent = ""
    for depth, text in folded:
        if depth == 0:
            parent = text
            out.append(text)
        else:
            if dialect.acl_edits_in_place and parent.startswith("ip access-list "):
                text = _IOS_SEQUENCE.sub("", text)  # hier_config's positional numbers
            out.append(f"{parent}: {text}")
    return out


_IOS_SEQUENCE = re.compile(r"^\d+ (?=permit |deny )")


def _is_entry(line: str) -> bool:
    return line.startswith(("permit ", "deny "))


def _order_findings(run: list[Section], want: list[Section]) -> tuple[list[str], list[str]]:
    """IOS entries that both sides have but in another order: (intended, running) order."""
    running = {s.line: s.children for s in run}
    missing: list[str] = []
    extra: list[str] = []
    for section in want:
        have = running.get(section.line)
        if have is None or not section.line.startswith("ip access-list "):
            continue
        wanted_order = [c for c in section.children if c in have and _is_entry(c)]
        running_order = [c for c in have if c in section.children and _is_entry(c)]
        if wanted_order != running_order:
            missing.append(f"{section.line}: order {' | '.join(wanted_order)}")
            extra.append(f"{section.line}: order {' | '.join(running_order)}")
    return missing, extra


def _lcs_pairs(have: list[str], want: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of ``have`` and ``want``."""
    rows, cols = len(have), len(want)
    table = [[0] * (cols + 1) for _row in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1
                if have[i] == want[j]
                else max(table[i + 1][j], table[i][j + 1])
            )
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < rows and j < cols:
        if have[i] == want[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def ios_entry_edits(have: list[tuple[int | None, str]], want: list[str]) -> list[str]:
    """The in-place edit of one IOS ACL: the entries the plan lacks are removed, then the
    plan's entries missing are entered where they belong; the ACL is never undefined.

    The entries both sides have in the same relative order stay where they are (a longest
    common subsequence). With the device's sequence numbers (IOS XE prints them): ``no SEQ``,
    then ``SEQ entry`` numbered between its neighbours; when no number is free there, the
    entries from that point on move too (entered after the highest number in use).
    Without them (older IOS prints none): ``no <entry>`` removes an entry by its text and
    an entry typed without a number goes last, so from the first entry that must go before
    a kept one, the kept ones after it are removed and entered again in the plan's order."""
    pairs = _lcs_pairs([entry for _seq, entry in have], want)
    kept_have = {i for i, _j in pairs}
    kept_at = {j: i for i, j in pairs}  # intended index -> running index
    if any(seq is None for seq, _entry in have):
        inserted = [j for j in range(len(want)) if j not in kept_at]
        first = next((j for j in inserted if any(k > j for k in kept_at)), None)
        gone = [e for index, (_seq, e) in enumerate(have) if index not in kept_have]
        if first is None:
            return [f"no {e}" for e in gone] + [want[j] for j in inserted]
        gone += [have[kept_at[k]][1] for k in sorted(kept_at) if k > first]
        return [f"no {e}" for e in gone] + want[first:]
    sequence = [int(seq or 0) for seq, _entry in have]
    removed = [sequence[index] for index in range(len(have)) if index not in kept_have]
    highest = max(sequence, default=0)
    placed: list[tuple[int, str]] = []
    last = 0
    j = 0
    renumber = False
    while j < len(want):
        if not renumber:
            if j in kept_at:
                last = sequence[kept_at[j]]
                j += 1
                continue
            k = next((k for k in range(j, len(want)) if k in kept_at), len(want))
            upper = sequence[kept_at[k]] if k in kept_at else None
            step = 10 if upper is None else (upper - last) // (k - j + 1)
            if step >= 1:
                for entry in want[j:k]:
                    last += step
                    placed.append((last, entry))
                j = k
                continue
            renumber = True
            last = max(highest, last)
        if j in kept_at:
            removed.append(sequence[kept_at[j]])
        last += 10
        placed.append((last, want[j]))
        j += 1
    return [f"no {seq}" for seq in sorted(set(removed))] + [f"{seq} {e}" for seq, e in placed]


def _ios_acl_edits(
    running: str, run: list[Section], want: list[Section], platform: str
) -> tuple[set[str], list[str]]:
    """IOS named ACLs both sides have and that differ: their in-place edits (indented
    under the ACL's line) and the lines of those ACLs, which hier_config then leaves alone."""
    sequences = configtree.ios_acl_entries(running, platform)
    running_children = {s.line: s.children for s in run}
    handled: set[str] = set()
    commands: list[str] = []
    for section in want:
        have_children = running_children.get(section.line)
        if have_children is None or not section.line.startswith("ip access-list "):
            continue
        handled.add(section.line)
        if have_children == section.children:
            continue
        body: list[str] = []
        have_remarks = [c for c in have_children if c.startswith("remark ")]
        want_remarks = [c for c in section.children if c.startswith("remark ")]
        if have_remarks != want_remarks:
            body += [f"no {r}" for r in have_remarks if r not in want_remarks]
            body += [r for r in want_remarks if r not in have_remarks]
        body += ios_entry_edits(
            sequences.get(section.line, []), [c for c in section.children if _is_entry(c)]
        )
        if body:
            commands += [section.line, *(" " + line for line in body)]
    return handled, commands


def _commands(tree, platform: str) -> list[str]:
    """Remediation as the lines an operator would type (children indented by one blank)."""
    flat = [(c.depth() - 1, c.text) for c in tree.all_children_sorted()]
    return [(" " * depth) + text for depth, text in configtree.fold(flat, platform)]


def _acl_bindings(
    run: list[Section],
    want: list[Section],
    named: set[str],
    platform: str,
    features: tuple[str, ...],
) -> tuple[list[Section], list[Section]]:
    """An interface whose ACL binding the plan drops loses the binding, not the interface.

    hier_config negates a section the intended side lacks as a whole (``undo interface
    GigabitEthernet0/0/1``, which a device refuses for a physical port). So such an
    interface stays on the intended side with no ACL line, and only its binding is
    negated; a VLANIF the plan deletes altogether is left to the vlanif feature (its
    ``undo interface Vlanif20`` takes the binding with it)."""
    have = {s.line for s in want}
    add: list[Section] = []
    keep: list[Section] = []
    for section in run:
        if not section.line.startswith("interface ") or section.line in have:
            keep.append(section)
            continue
        kind = configtree.feature_of(section.line, platform)
        if kind == "vlanif" and "vlanif" in features and section.line not in named:
            continue
        keep.append(section)
        add.append(Section(section.line))
    return keep, [*want, *add]


def _without_deleted_twice(commands: list[str], platform: str) -> list[str]:
    """VRP: ``undo vlan batch 10 30`` deletes VLANs 10 and 30; a following ``undo vlan 10``
    (hier_config negating the ``vlan 10`` section too) is refused: "The VLAN 10 does not
    exist." Keep the batch line, drop the per-VLAN ones it covers."""
    if not dialect_for(platform).vlan_batch:
        return commands
    gone: set[int] = set()
    for command in commands:
        if command.startswith("undo vlan batch "):
            gone |= vlanset.parse_vrp(command[len("undo vlan batch ") :].split())
    if not gone:
        return commands
    return [
        c for c in commands if not (re.match(r"^undo vlan \d+$", c) and int(c.split()[2]) in gone)
    ]


_MEMBERSHIP_UNDO = re.compile(
    r"^undo port (default vlan|access vlan|trunk (allow-pass|permit|pvid) vlan|hybrid )"
)


def _link_type_order(commands: list[str], platform: str) -> list[str]:
    """Within a port's block: VLAN memberships go before the link type changes.

    VRP and Comware refuse a trunk's ``undo port trunk allow-pass vlan 10`` once ``undo
    port link-type`` made the port an access port ("The port is not a trunk port."), and
    refuse ``port link-type trunk`` while an access port's default VLAN is set ("Please
    renew the default configurations."). hier_config orders a block by the configuration's
    lines, so a port changing its type is reordered: memberships removed first, then the
    link type, then the rest in hier_config's order."""
    if not dialect_for(platform).link_type_after_memberships:
        return commands

    def rank(command: str) -> int:
        text = command.strip()
        if _MEMBERSHIP_UNDO.match(text):
            return 0
        if text.startswith(("undo port link-type", "port link-type ")):
            return 1
        return 2

    out: list[str] = []
    block: list[str] = []
    for command in [*commands, ""]:
        if command.startswith(" "):
            block.append(command)
            continue
        out.extend(sorted(block, key=rank))
        block = []
        if command:
            out.append(command)
    return out


def _unbind_before_delete(commands: list[str], platform: str) -> list[str]:
    """An ACL the plan removes is deleted after the interfaces stop using it (the
    remediation lists ACL sections before interface bindings). An ACL that the same
    remediation enters again (a rewrite) keeps its place."""
    negation = dialect_for(platform).negation
    entered = {configtree.acl_id(c) for c in commands if not c.startswith((" ", negation))}
    moved = [
        c
        for c in commands
        if c.startswith(negation)
        and not c.startswith(" ")
        and _deleted_acl(c, negation) not in entered
    ]
    return [c for c in commands if c not in moved] + moved


def _deleted_acl(command: str, negation: str) -> str | None:
    return configtree.acl_id(command[len(negation) :]) or command.split()[-1]


def _new_trunks_without_vlan1(
    commands: list[str], run: list[Section], want: list[Section], platform: str
) -> list[str]:
    """A port that becomes a trunk carries the platform's default VLANs until told otherwise.

    VRP and Comware trunks carry VLAN 1: the plan's ``undo port trunk allow-pass vlan 1``
    is the absence of VLAN 1 in the canonical lines, and a port that is not yet a trunk
    has no VLAN 1 to remove, so the remediation would leave VLAN 1 on the new trunk and a
    second run would find it; the removal is added right after the link type. An IOS
    trunk carries every VLAN: hier_config's ``switchport trunk allowed vlan add 60,99``
    would leave all of them, so a new trunk's list is set, not added to."""
    dialect = dialect_for(platform)
    trunk = dialect.trunk_link_type
    prefix = dialect.trunk_vlan_command
    all_vlans = dialect.trunk_default_all_vlans
    running = {s.line: s.children for s in run}
    new = {s.line for s in want if trunk in s.children and trunk not in running.get(s.line, [])}
    if not all_vlans:
        new = {
            line
            for line in new
            if f"{prefix} 1" not in next(s.children for s in want if s.line == line)
        }
    if not new:
        return commands
    out: list[str] = []
    block = ""
    for command in commands:
        if not command.startswith(" "):
            block = command
        if block in new and all_vlans and command.strip().startswith(f"{prefix} add "):
            command = command.replace(f"{prefix} add ", f"{prefix} ", 1)
        out.append(command)
        if block in new and not all_vlans and command.strip() == trunk:
            out.append(f" {dialect.negation}{prefix} 1")
    return out


def _drop_section_only(lines: list[str], sections_in_both: set[str]) -> list[str]:
    """A parent line listed only because a child differs is not itself missing or extra."""
    return [line for line in lines if ":" in line or line not in sections_in_both]


FeatureSections = dict[str, tuple[list[Section], list[Section]]]


def prepare(
    running: str,
    intended: str,
    platform: str,
    features: tuple[str, ...] | list[str] | None = None,
) -> tuple[FeatureSections, set[str]]:
    """Per feature, the running and intended sections compliance compares (canonical lines:
    management ACLs the plan does not name left out, physical ports only where the plan
    names them), and the section lines the intended text names."""
    if not HAS_HIER_CONFIG:
        raise RuntimeError(f"hier_config is not installed: {HIER_CONFIG_IMPORT_ERROR}")
    wanted = tuple(features or FEATURES)
    run = configtree.canonical(running, platform, wanted)
    want = configtree.canonical(intended, platform, wanted)
    named = {s.line for s in configtree.parse_sections(intended, platform)}
    sections: FeatureSections = {}
    for feature in wanted:
        run_sections = run[feature]
        if feature == "acl":  # management access ACLs (VTY) are not the plan's, unless named
            planned = {configtree.acl_id(s.line) for s in want[feature]}
            foreign = configtree.management_acls(running, platform) - planned
            run_sections = configtree.without_acls(run_sections, foreign)
        if feature == "interfaces":
            in_plan = {s.line for s in want[feature]}
            run_sections = [s for s in run_sections if s.line in in_plan]
        sections[feature] = (run_sections, want[feature])
    return sections, named


def compare(
    running: str,
    intended: str,
    platform: str,
    features: tuple[str, ...] | list[str] | None = None,
) -> ComplianceReport:
    sections, named = prepare(running, intended, platform, features)
    return compare_sections(running, sections, named, platform)


def compare_sections(
    running: str, sections: FeatureSections, named: set[str], platform: str
) -> ComplianceReport:
    """The report of ``prepare``'s sections (which a caller may have adjusted: the intended
    side with what the hospital changed on purpose, module netplan/compliance_deliberate)."""
    wanted = tuple(sections)
    in_place_acls = dialect_for(platform).acl_edits_in_place
    results: dict[str, FeatureResult] = {}
    for feature in wanted:
        run_sections, want_sections = sections[feature]
        if feature == "acl":
            run_sections, want_sections = _acl_bindings(
                run_sections, want_sections, named, platform, wanted
            )
        running_tree = _hc(platform, run_sections)
        intended_tree = _hc(platform, want_sections)
        in_place: list[str] = []
        remediate_from, remediate_to = running_tree, intended_tree
        if feature == "acl" and in_place_acls:
            edited, in_place = _ios_acl_edits(running, run_sections, want_sections, platform)
            remediate_from = _hc(platform, [s for s in run_sections if s.line not in edited])
            remediate_to = _hc(platform, [s for s in want_sections if s.line not in edited])
        in_both = {s.line for s in run_sections} & {s.line for s in want_sections}
        if feature == "acl":  # an interface is not itself an ACL finding, its filter lines are
            in_both |= {
                s.line for s in [*run_sections, *want_sections] if s.line.startswith("interface ")
            }
        missing = _drop_section_only(
            _lines(intended_tree.difference(running_tree), platform), in_both
        )
        extra = _drop_section_only(
            _lines(running_tree.difference(intended_tree), platform), in_both
        )
        if feature == "acl" and in_place_acls:
            order_missing, order_extra = _order_findings(run_sections, want_sections)
            missing += order_missing
            extra += order_extra
        remediation = WorkflowRemediation(remediate_from, remediate_to).remediation_config
        commands = (in_place + _commands(remediation, platform)) if (missing or extra) else []
        if feature == "vlans":
            commands = _without_deleted_twice(commands, platform)
        if feature == "interfaces":
            commands = _new_trunks_without_vlan1(
                _link_type_order(commands, platform), run_sections, want_sections, platform
            )
        if feature == "acl":
            commands = _unbind_before_delete(commands, platform)
        results[feature] = FeatureResult(
            feature=feature,
            missing=missing,
            extra=extra,
            remediation=commands,
        )
    return ComplianceReport(platform=platform, features=results)


def numbered_running(session: DeviceSession, running: str) -> str:
    """``running`` ready for an in-place ACL edit: on an IOS release whose configuration
    prints no sequence numbers, the numbers are read from ``show ip access-lists`` and
    written in (one more command, only then), so that an entry is inserted or removed by its
    real number, never by a guessed one."""
    dialect = session.platform
    if not dialect.acl_edits_in_place:
        return running
    entries = configtree.ios_acl_entries(running, dialect.name)
    if not any(seq is None for found in entries.values() for seq, _entry in found):
        return running
    return configtree.with_ios_sequences(running, session.show(dialect.show_acl_numbers))


def check_device(
    params: DeviceParams, intended: str, features: tuple[str, ...] | list[str] | None = None
) -> ComplianceReport:
    """Read one switch's running configuration and compare it with ``intended``."""
    with DeviceSession(params) as session:
        running = numbered_running(session, session.running_config())
        platform = session.platform.name
    return compare(running, intended, platform, features)
