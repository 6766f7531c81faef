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

from ..netdev.session import DeviceParams, DeviceSession
from . import configtree
from .configtree import FEATURES, Section

try:
    from hier_config import Platform, WorkflowRemediation, get_hconfig, get_hconfig_driver
    from hier_config.models import (
        IdempotentCommandsRule,
        MatchRule,
        NegationDefaultWithRule,
        NegationSubRule,
        SectionalOverwriteRule,
    )

    HAS_HIER_CONFIG = True
    HIER_CONFIG_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_HIER_CONFIG = False
    HIER_CONFIG_IMPORT_ERROR = exc

_HC_PLATFORM = {
    "huawei": "HUAWEI_VRP",
    "hp_comware": "HP_COMWARE5",
    "cisco_ios": "CISCO_IOS",
}


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
# argument-less negation each platform wants. hier_config's drivers know few of these
# for VRP and Comware; a wrong negation such as "undo port access vlan 40" is refused by
# the device ("% Too many parameters").
_SINGLE_VALUE = {
    "huawei": {
        "interface ": ["port default vlan ", "port link-type ", "port trunk pvid vlan ",
                       "description ", "ip address "],
        "vlan ": ["name ", "description "],
        "acl ": ["description "],
    },
    "hp_comware": {
        "interface ": ["port access vlan ", "port link-type ", "port trunk pvid vlan ",
                       "description ", "ip address "],
        "vlan ": ["name ", "description "],
        "acl ": ["description "],
    },
    "cisco_ios": {
        "interface ": ["switchport access vlan ", "switchport trunk native vlan ",
                       "switchport mode ", "description ", "ip address "],
        "vlan ": ["name "],
    },
}
_TOP_SINGLE_VALUE = {"huawei": ["sysname "], "hp_comware": ["sysname "], "cisco_ios": ["hostname "]}
_DRIVERS: dict = {}


def _driver(platform: str):
    if platform in _DRIVERS:
        return _DRIVERS[platform]
    driver = get_hconfig_driver(getattr(Platform, _HC_PLATFORM[platform]))
    negation = "no " if platform == "cisco_ios" else "undo "
    for parent, commands in _SINGLE_VALUE[platform].items():
        for command in commands:
            lineage = (MatchRule(startswith=parent), MatchRule(startswith=command))
            driver.rules.idempotent_commands.append(IdempotentCommandsRule(match_rules=lineage))
            if command != "ip address ":
                driver.rules.negate_with.append(
                    NegationDefaultWithRule(match_rules=lineage, use=negation + command.strip())
                )
    for command in _TOP_SINGLE_VALUE[platform]:
        driver.rules.idempotent_commands.append(
            IdempotentCommandsRule(match_rules=(MatchRule(startswith=command),))
        )
    _acl_rules(driver, platform)
    _DRIVERS[platform] = driver
    return driver


def _acl_rules(driver, platform: str) -> None:
    """How each platform removes an ACL and a rule (the devices refuse the full line)."""
    if platform == "cisco_ios":
        # Remarks are part of the intent here (hier_config drops them by default), and a
        # changed or reordered ACL is rewritten whole: entries are positional on IOS.
        callbacks = driver.rules.post_load_callbacks
        callbacks[:] = [c for c in callbacks if c.__name__ != "_remove_ipv4_acl_remarks"]
        driver.rules.sectional_overwrite.append(
            SectionalOverwriteRule(match_rules=(MatchRule(startswith="ip access-list "),))
        )
        return
    driver.rules.negation_sub.append(NegationSubRule(
        match_rules=(MatchRule(startswith="acl "), MatchRule(startswith="rule ")),
        search=r"^undo rule (\d+) .*$", replace=r"undo rule \1",
    ))
    if platform == "huawei":  # "acl name HIS-DB 3001" is removed as "undo acl 3001"
        driver.rules.negation_sub.append(NegationSubRule(
            match_rules=(MatchRule(startswith="acl name "),),
            search=r"^undo acl name \S+ (\d+)$", replace=r"undo acl \1",
        ))


def _hc(platform: str, sections: list[Section]):
    return get_hconfig(_driver(platform), configtree.to_text(sections))


def _lines(tree, platform: str) -> list[str]:
    """Flatten a hier_config tree to ``parent: child`` lines, VLAN lists folded."""
    flat: list[tuple[int, str]] = [(c.depth() - 1, c.text) for c in tree.all_children_sorted()]
    folded = configtree.fold(flat, platform)
    out: list[str] = []
    parent = ""
    for depth, text in folded:
        if depth == 0:
            parent = text
            out.append(text)
        else:
            if platform == "cisco_ios" and parent.startswith("ip access-list "):
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


def _commands(tree, platform: str) -> list[str]:
    """Remediation as the lines an operator would type (children indented by one blank)."""
    flat = [(c.depth() - 1, c.text) for c in tree.all_children_sorted()]
    return [(" " * depth) + text for depth, text in configtree.fold(flat, platform)]


def _drop_section_only(lines: list[str], sections_in_both: set[str]) -> list[str]:
    """A parent line listed only because a child differs is not itself missing or extra."""
    return [line for line in lines if ":" in line or line not in sections_in_both]


def compare(
    running: str,
    intended: str,
    platform: str,
    features: tuple[str, ...] | list[str] | None = None,
) -> ComplianceReport:
    if not HAS_HIER_CONFIG:
        raise RuntimeError(f"hier_config is not installed: {HIER_CONFIG_IMPORT_ERROR}")
    wanted = tuple(features or FEATURES)
    run = configtree.canonical(running, platform, wanted)
    want = configtree.canonical(intended, platform, wanted)
    results: dict[str, FeatureResult] = {}
    for feature in wanted:
        run_sections = run[feature]
        if feature == "acl":  # management access ACLs (VTY) are not the plan's, unless named
            planned = {configtree.acl_id(s.line) for s in want[feature]}
            foreign = configtree.management_acls(running, platform) - planned
            run_sections = configtree.without_acls(run_sections, foreign)
        if feature == "interfaces":
            named = {s.line for s in want[feature]}
            run_sections = [s for s in run_sections if s.line in named]
        running_tree = _hc(platform, run_sections)
        intended_tree = _hc(platform, want[feature])
        in_both = {s.line for s in run_sections} & {s.line for s in want[feature]}
        if feature == "acl":  # an interface is not itself an ACL finding, its filter lines are
            in_both |= {s.line for s in [*run_sections, *want[feature]]
                        if s.line.startswith("interface ")}
        missing = _drop_section_only(
            _lines(intended_tree.difference(running_tree), platform), in_both
        )
        extra = _drop_section_only(_lines(running_tree.difference(intended_tree), platform), in_both)
        if feature == "acl" and platform == "cisco_ios":
            order_missing, order_extra = _order_findings(run_sections, want[feature])
            missing += order_missing
            extra += order_extra
        remediation = WorkflowRemediation(running_tree, intended_tree).remediation_config
        results[feature] = FeatureResult(
            feature=feature,
            missing=missing,
            extra=extra,
            remediation=_commands(remediation, platform) if (missing or extra) else [],
        )
    return ComplianceReport(platform=platform, features=results)


def check_device(
    params: DeviceParams, intended: str, features: tuple[str, ...] | list[str] | None = None
) -> ComplianceReport:
    """Read one switch's running configuration and compare it with ``intended``."""
    with DeviceSession(params) as session:
        running = session.running_config()
        platform = session.platform.name
    return compare(running, intended, platform, features)
