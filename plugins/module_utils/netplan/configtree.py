# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Configuration text → canonical lines that hier_config can compare as sets.

hier_config diffs configurations line by line, which is right for most lines and wrong
for VLAN lists: ``vlan batch 10 20 to 30`` and ``vlan batch 10 20 to 25 26 to 30`` mean
the same, and Huawei's trunk allows VLAN 1 unless ``undo port trunk allow-pass vlan 1``
says otherwise. So before hier_config sees a configuration, every VLAN-list line is
expanded into one canonical line per VLAN, and after hier_config has computed the
remediation, those lines are folded back into the platform's own range syntax.

Features (what compliance reports on, and what a deploy owns):
``vlans`` (VLAN existence and names), ``vlanif`` (VLANIF / Vlan-interface / SVI),
``interfaces`` (physical and aggregate ports), ``acl`` (ACLs and time ranges, and where
they are applied: a ``traffic-filter``/``packet-filter``/``ip access-group`` line of an
interface belongs to ``acl``, not to ``vlanif`` or ``interfaces``, so that an unapplied
ACL is an ACL finding; an ACL bound to the VTY lines is management access, see
``management_acls``), ``management`` (hostname, static routes). Everything else (users,
AAA, VTY, SSH, SNMP) is not managed by the VLAN plan and is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..netdev.dialects import dialect_for
from . import aclports

FEATURES = ("vlans", "vlanif", "interfaces", "acl", "management")

_VTY_LINES = re.compile(r"^(user-interface vty|line vty) ")
_VTY_ACL = re.compile(r"^(?:acl (?:number |advanced |basic )?(\S+) inbound|access-class (\S+) in)$")
_TIME_RANGE_REF = re.compile(r"\btime-range (\S+)")
_SEPARATORS = {"#", "!", "return", "end", "quit", "exit"}
_SKIP_PREFIX = (
    "!Software Version",
    "Building configuration",
    "Current configuration",
    "version ",
)


@dataclass
class Section:
    line: str
    children: list[str] = field(default_factory=list)


def parse_sections(text: str, platform: str) -> list[Section]:
    """Two-level tree of a running/intended configuration in the platform's display format.

    Huawei and H3C separate blocks with ``#``; H3C prints top-level commands with one
    leading blank (``Dialect.indented_top_level``). Cisco separates with ``!`` and indents
    children by one blank.
    """
    return _sections(text, dialect_for(platform).indented_top_level)


def _sections(text: str, indented_top_level: bool = False) -> list[Section]:
    sections: list[Section] = []
    current: Section | None = None
    for raw in text.replace("\r", "").split("\n"):
        if not raw.strip():
            continue
        stripped = raw.strip()
        if stripped in _SEPARATORS or stripped[0] in "#!" or stripped.startswith(_SKIP_PREFIX):
            current = None
            continue
        indented = raw[0] in " \t"
        if indented and current is not None:
            current.children.append(stripped)
            continue
        if indented and indented_top_level and current is None:
            sections.append(Section(stripped))  # a top-level Comware command
            continue
        current = Section(stripped)
        sections.append(current)
    return sections


def feature_of(line: str, platform: str) -> str | None:
    words = line.split()
    if not words:
        return None
    head = words[0]
    if head == "vlan" and len(words) > 1 and (words[1].isdigit() or words[1] == "batch"):
        return "vlans"
    if head == "interface" and len(words) > 1:
        dialect = dialect_for(platform)
        name = dialect.interface_name(line) or words[1]
        if dialect.is_gateway(name):
            return "vlanif"
        if re.match(r"^(NULL|LoopBack|Loopback|MEth|M-GigabitEthernet|Null)", name):
            return None
        return "interfaces"
    if head in ("acl", "time-range") or (
        head in ("ip", "access-list") and "access-list" in words[:2]
    ):
        return "acl"
    if head == "access-list":
        return "acl"
    if head in ("sysname", "hostname"):
        return "management"
    if line.startswith(("ip route-static", "ip route ", "ip default-gateway")):
        return "management"
    return None


def trunk_line(platform: str) -> str:
    """The platform's trunk VLAN list command (``port trunk allow-pass vlan`` on VRP)."""
    return dialect_for(platform).trunk_vlan_command


def canonical(
    text: str, platform: str, features: tuple[str, ...] = FEATURES
) -> dict[str, list[Section]]:
    """Sections of the given features, with VLAN lists expanded one VLAN a line.

    Sections with the same line within a feature are merged (an intended configuration
    states a VLANIF's address under ``vlanif`` and its ACL under ``acl``).
    """
    result: dict[str, list[Section]] = {f: [] for f in features}
    dialect = dialect_for(platform)
    applied_acl = dialect.acl_applied
    for section in parse_sections(text, platform):
        feature = feature_of(section.line, platform)
        if feature in ("vlanif", "interfaces"):
            applied = [c for c in section.children if applied_acl.match(c)]
            if applied:
                if "acl" in result:
                    result["acl"].append(Section(section.line, applied))
                rest = [c for c in section.children if not applied_acl.match(c)]
                if not rest:
                    continue
                section = Section(section.line, rest)
        if feature not in result:
            continue
        if feature == "vlans":
            each = dialect.expand_vlan_section(section.line, section.children)
            if each is not None:  # vlan batch 10 20 (VRP), vlan 10 to 20, vlan 10,20-30
                result[feature].extend(Section(line, children) for line, children in each)
                continue
        if feature == "interfaces":  # trunk VLAN lists: one canonical line per VLAN
            section = Section(section.line, dialect.expand_trunk_vlans(section.children))
        if feature == "acl":
            section = acl_meaning(section, platform)
        if feature == "vlanif" and _is_default_svi(section):
            continue
        if feature == "vlans" and section.line == "vlan 1" and not section.children:
            continue  # VLAN 1 exists on every switch and cannot be deleted
        result[feature].append(section)
    return {feature: _merged(sections) for feature, sections in result.items()}


def acl_meaning(section: Section, platform: str) -> Section:
    """An ACL as what it means, not how the device spells it: port names as numbers for the
    platform and protocol (``eq www`` is ``eq 80``), blanks collapsed (IOS pads ``deny   ``),
    IOS sequence numbers dropped (an entry's place is its order; see ``ios_acl_entries``)."""
    line, children = dialect_for(platform).acl_meaning(section.line, section.children)
    return Section(line, children)


def ios_acl_entries(
    text: str, platform: str = "cisco_ios"
) -> dict[str, list[tuple[int | None, str]]]:
    """Each IOS named ACL's entries as (sequence number, meaning), in the device's order.

    IOS XE prints the numbers in the running configuration (`` 10 permit tcp ...``); an
    older release prints none (None here): the device's numbers are then unknown (an entry
    inserted as 15 reads like any other), and are never guessed."""
    found: dict[str, list[tuple[int | None, str]]] = {}
    for section in _sections(text):
        if not section.line.startswith("ip access-list "):
            continue
        entries: list[tuple[int | None, str]] = []
        for child in section.children:
            sequence, entry = aclports.ios_entry(child, platform)
            if entry.startswith(("permit ", "deny ")):
                entries.append((sequence, entry))
        found[section.line] = entries
    return found


_SHOW_ACL_HEAD = re.compile(r"^(Standard|Extended) IP access list (\S+)$")
_SHOW_ACL_TAIL = re.compile(r"\s*\((?:\d+ matches|active|inactive)\)")


def show_access_list_entries(text: str) -> dict[str, list[tuple[int, str]]]:
    """``show access-lists`` (IOS): each list's entries as (sequence number, meaning).
    The standard lists' ``a.b.c.d, wildcard bits w.x.y.z`` reads as ``a.b.c.d w.x.y.z``;
    hit counters and time-range states are dropped."""
    found: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        head = _SHOW_ACL_HEAD.match(line)
        if head:
            current = found.setdefault(head.group(2), [])
            continue
        if current is None or not line:
            continue
        line = _SHOW_ACL_TAIL.sub("", line).replace(", wildcard bits ", " ")
        sequence, entry = aclports.ios_entry(line)
        if sequence is not None and entry.startswith(("permit ", "deny ")):
            current.append((sequence, entry))
    return found


def with_ios_sequences(running: str, show_access_lists: str) -> str:
    """The running configuration with each named ACL entry's sequence number written in,
    read from ``show access-lists``, for the IOS releases whose configuration prints none.
    An ACL whose entries do not read the same in both (changed between the two reads) is
    left without numbers."""
    shown = show_access_list_entries(show_access_lists)
    out: list[str] = []
    entries: list[tuple[int, str]] = []
    position = 0
    for raw in running.replace("\r", "").split("\n"):
        if raw and raw[0] not in " \t":
            words = raw.split()
            entries, position = [], 0
            if words[:2] == ["ip", "access-list"] and len(words) >= 4:
                listed = shown.get(words[-1], [])
                mine = [
                    e
                    for c in _section_children(running, raw.strip())
                    if (e := aclports.ios_entry(c))[1].startswith(("permit ", "deny "))
                ]
                if all(seq is None for seq, _entry in mine) and [m for _seq, m in mine] == [
                    e for _seq, e in listed
                ]:
                    entries = listed
            out.append(raw)
            continue
        sequence, entry = aclports.ios_entry(raw)
        if entries and sequence is None and entry.startswith(("permit ", "deny ")):
            out.append(f" {entries[position][0]} {raw.strip()}")
            position += 1
            continue
        out.append(raw)
    return "\n".join(out)


def _section_children(text: str, line: str) -> list[str]:
    return next((s.children for s in _sections(text) if s.line == line), [])


def _merged(sections: list[Section]) -> list[Section]:
    by_line: dict[str, Section] = {}
    out: list[Section] = []
    for section in sections:
        into = by_line.get(section.line)
        if into is None:
            into = by_line[section.line] = Section(section.line, [])
            out.append(into)
        into.children.extend(c for c in section.children if c not in into.children)
    return out


def acl_id(line: str) -> str | None:
    """The number or name an ACL section line defines (``acl name X 3001`` -> ``3001``)."""
    words = line.split()
    if words[:2] == ["ip", "access-list"] and len(words) >= 4:
        return words[-1]
    if words[:1] == ["access-list"] and len(words) > 1:
        return words[1]
    if words[:1] == ["acl"] and len(words) > 1 and words[-1].isdigit():
        return words[-1]
    return None


_LOGIN_ACL = re.compile(r"^(?:ssh|telnet) server (?:ipv6 )?acl (\d+)$")


def management_acls(text: str, platform: str) -> set[str]:
    """ACLs that filter logins: who may manage the switch (vendor access windows), not part
    of the VLAN plan's data-plane ACLs. Bound to the VTY lines (VRP ``acl N inbound``, IOS
    ``access-class``), or in system view on Comware 7 (``ssh server acl N``)."""
    found: set[str] = set()
    for section in parse_sections(text, platform):
        login = _LOGIN_ACL.match(section.line)
        if login:
            found.add(login.group(1))
        if _VTY_LINES.match(section.line):
            for child in section.children:
                match = _VTY_ACL.match(child)
                if match:
                    found.add(match.group(1) or match.group(2))
    return found


def without_acls(sections: list[Section], ids: set[str]) -> list[Section]:
    """``sections`` of the acl feature without the ACLs ``ids`` and the time ranges only
    they use."""
    if not ids:
        return sections
    dropped = [s for s in sections if acl_id(s.line) in ids]
    kept = [s for s in sections if acl_id(s.line) not in ids]
    theirs = {
        m for s in dropped for line in [s.line, *s.children] for m in _TIME_RANGE_REF.findall(line)
    }
    used = {
        m
        for s in kept
        if not s.line.startswith("time-range ")
        for line in [s.line, *s.children]
        for m in _TIME_RANGE_REF.findall(line)
    }
    return [
        s
        for s in kept
        if not (s.line.startswith("time-range ") and s.line.split()[1] in theirs - used)
    ]


def _is_default_svi(section: Section) -> bool:
    """IOS always prints ``interface Vlan1 / no ip address / shutdown``: not configuration."""
    return section.line == "interface Vlan1" and set(section.children) <= {
        "no ip address",
        "shutdown",
    }


def to_text(sections: list[Section]) -> str:
    lines: list[str] = []
    for section in sections:
        lines.append(section.line)
        lines.extend(" " + child for child in section.children)
    return "\n".join(lines) + ("\n" if lines else "")


def fold(commands: list[tuple[int, str]], platform: str) -> list[tuple[int, str]]:
    """Fold per-VLAN canonical lines back into range syntax, keeping order and depth.

    ``commands`` is (depth, text) in the order hier_config gives them.
    """
    dialect = dialect_for(platform)
    out: list[tuple[int, str]] = []
    batches: dict[tuple[int, str], list[int]] = {}
    order: list[tuple[int, str]] = []

    def flush() -> None:
        for key in order:
            depth, head = key
            out.append((depth, f"{head} {dialect.format_vlans(batches[key])}"))
        batches.clear()
        order.clear()

    foldable = dialect.folded_vlan_heads()
    undo_vlan = rf"^{re.escape(dialect.negation)}vlan"
    for depth, text in commands:
        head = None
        for candidate in foldable:
            m = re.match(rf"^{re.escape(candidate)} (\d+)$", text)
            if m:
                head = candidate
                vid = int(m.group(1))
                break
        if head is None:
            flush()
            if dialect.undo_vlan_ranges and depth == 0:
                m = re.match(rf"{undo_vlan} (\d+)$", text)
                if (
                    m
                    and out
                    and re.match(rf"{undo_vlan} [\d to]+$", out[-1][1])
                    and out[-1][0] == 0
                ):
                    ids = dialect.parse_vlans(" ".join(out[-1][1].split()[2:])) | {int(m.group(1))}
                    out[-1] = (0, f"{dialect.negation}vlan {dialect.format_vlans(sorted(ids))}")
                    continue
            out.append((depth, text))
            continue
        key = (depth, dialect.fold_head(head))
        if key not in batches:
            batches[key] = []
            order.append(key)
        batches[key].append(vid)
    flush()
    return out
