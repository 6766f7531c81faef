# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Undo an isolation exactly: the recorded inverse, then proof that each device's
configuration equals the one recorded before the isolation, line for line.

Reconnecting needs a clean-up confirmation (who cleaned, the scan result; plan P5.6),
recorded with the isolation. A device whose configuration changed since the isolation is
not touched unless ``force``: the recorded inverse was made for the recorded state. Changes
that other isolations made (opened, or reconnected, since) are not drift: isolations that
overlap on a switch are reconnected in any order (see ``expected_now`` and ``share_out``).
With a state directory, every switch of the isolation is locked from the read to the record.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..netdev.backup import mask_secrets
from ..netdev.dialects import dialect_for
from ..netdev.session import DeviceSession
from ..netdev.text import strip_comments
from ..netplan.configtree import canonical, feature_of, ios_acl_entries, parse_sections
from ..state import locks
from . import transactions
from .errors import InputError, NetdevError, TransactionError
from .names import gateway_interface, interface_sections
from .network import Switch


def _diff(recorded: str, current: str, label: str) -> list[str]:
    return [
        line.rstrip("\n")
        for line in difflib.unified_diff(
            recorded.splitlines(),
            current.splitlines(),
            f"{label} (recorded)",
            f"{label} (now)",
            n=0,
            lineterm="",
        )
    ]


def _cleanup(record: dict[str, Any], cleanup_by: str, cleanup_scan: str) -> dict[str, Any]:
    if record.get("cleanup"):
        return record["cleanup"]
    if not (cleanup_by or "").strip() or not (cleanup_scan or "").strip():
        missing = [
            n
            for n, v in (("cleanup_by", cleanup_by), ("cleanup_scan", cleanup_scan))
            if not (v or "").strip()
        ]
        raise TransactionError(
            f"{', '.join(missing)}: reconnecting {record['id']} needs a recorded clean-up "
            "confirmation: who cleaned it (cleanup_by) and the scan result (cleanup_scan)",
            hint="nothing was changed",
        )
    return {
        "by": cleanup_by.strip(),
        "scan_result": cleanup_scan.strip(),
        "at": transactions.utc_now(),
    }


def _read(switch: Switch) -> str:
    with DeviceSession(switch.params) as session:
        return strip_comments(session.running_config())


def _changes(diff: list[str]) -> list[str]:
    return sorted(line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---")))


# -- isolations that overlap on a device -------------------------------------------------------
# Each configuration is read as a multiset of (section, line) pairs with VLAN lists expanded
# one VLAN a line (netplan's canonical form), so that effects add up: an isolation's effect
# is after - before; what the device should hold now is the recorded after of one isolation
# plus the effects of everything opened or undone on that device since. That lets overlapping
# isolations be reconnected in any order and each one proved exactly.

Lines = Counter  # (section, line) -> count; signed when it is an effect


def line_set(config: str, platform: str) -> Lines:
    """A section counts by its lines; only an empty one by its header (canonical form splits
    a gateway's ACL binding from its address, so a header may come twice)."""
    found: Lines = Counter()
    sections = [s for feature in canonical(config, platform).values() for s in feature]
    sections += [
        s for s in parse_sections(config, platform) if feature_of(s.line, platform) is None
    ]
    for section in sections:
        for child in section.children or [""]:
            found[(section.line, child)] += 1
    return found


def _signed(plus: Lines, minus: Lines) -> Lines:
    out = Counter(plus)
    out.subtract(minus)
    return Counter({k: v for k, v in out.items() if v})


def _stored(lines: list[list[Any]]) -> Lines:
    return Counter({(section, line): int(count) for section, line, count in lines})


def _storable(lines: Lines) -> list[list[Any]]:
    return sorted([section, line, count] for (section, line), count in lines.items() if count)


def _opened(device: dict[str, Any]) -> Lines:
    """What an isolation's own commands changed on a device (after - before)."""
    platform = device["platform"]
    return _signed(line_set(device["after"], platform), line_set(device["before"], platform))


def effect(device: dict[str, Any]) -> Lines:
    """What an isolation changed on a device, with what it handed over or inherited."""
    out = _opened(device)
    out.update(_stored(device.get("inherited", [])))
    out.subtract(_stored(device.get("handed_over", [])))
    return Counter({k: v for k, v in out.items() if v})


def _closed_ns(record: dict[str, Any]) -> int:
    if record.get("closed_ns"):
        return int(record["closed_ns"])
    stamp = record.get("closed_at") or ""
    try:
        return int(time.mktime(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone) * 10**9
    except ValueError:
        return 0


def expected_now(
    store: transactions.Store, record: dict[str, Any], name: str
) -> tuple[Lines, list[str]]:
    """What device ``name`` should hold now by the records, and which other isolations
    changed it since ``record`` was opened.

    The device changed since ``record``'s recorded after only by the isolations opened
    since (what their own commands added: after - before) and the reconnects since (what
    each removed: its ``effect``, with what it inherited and less what it handed over).
    A hand-over changes nothing on the device and is not counted: an heir's inherited lines
    were on the device already. The network campaign (reliability/network.py --seed 2
    --topology hospital) met two ways of getting this wrong while the heirs' effects were
    counted for their opening: the ACL's permit rule counted twice (an isolation between
    the creator and its heir, step 17), then once too few (an isolation opened before a
    creator that reconnected and handed the ACL on, the settling): each reconnect refused,
    '- / + acl number 3999 / rule 4000 permit ip'."""
    device = record["devices"][name]
    opened = int(record.get("opened_ns", 0))
    expected = line_set(device["after"], device["platform"])
    others = []
    for other in store.records():
        theirs = other.get("devices", {}).get(name)
        if other["id"] == record["id"] or theirs is None:
            continue
        if int(other.get("opened_ns", 0)) > opened:
            expected.update(_opened(theirs))
            others.append(other["id"])
        if other.get("state") == "closed" and _closed_ns(other) > opened:
            expected.subtract(effect(theirs))
            others.append(other["id"])
    return Counter({k: v for k, v in expected.items() if v}), sorted(set(others))


def window_sections_on(store: transactions.Store, name: str) -> tuple[str, ...]:
    """The sections vendor windows on switch ``name`` entered (open or closed since, from the
    hospital's deliberate state): their ACL, time range and VTY lines are the windows'."""
    if store.state is None:
        return ()
    found: set[str] = set()
    for hold in store.state.history(limit=10000):
        if hold.kind == "vendor_window" and name in hold.devices:
            found.update(str(s) for s in hold.details.get("sections", []))
    return tuple(sorted(found))


def _outside(lines: Lines, sections: tuple[str, ...]) -> Lines:
    """``lines`` less those in one of ``sections`` (a section named by its first words)."""
    if not sections:
        return lines
    return Counter(
        {
            k: v
            for k, v in lines.items()
            if not any(k[0] == s or k[0].startswith(s + " ") for s in sections)
        }
    )


def _describe(lines: Lines) -> str:
    return " | ".join(
        f"{'+' if n > 0 else '-'} {s}{(' / ' + c) if c else ''}"
        for (s, c), n in sorted(lines.items())[:6]
    )


_ACL_HEADER = re.compile(r"^(acl number \d+|acl advanced \d+|ip access-list extended \S+)$")
_RULE = re.compile(r"^(rule \d+|\d+) deny ")
_BINDING = re.compile(r"(traffic-filter|packet-filter|access-group)")
# A deny entry as a configuration prints it: numbered (VRP, Comware, IOS-XE) or not (IOS 15.x).
_DENY_ENTRY = re.compile(r"^(?:(?:rule )?\d+ )?deny ")


# -- records written by earlier releases ----------------------------------------------------
# Releases before issue 17 recorded the unbinding of a Huawei traffic filter in its bare form,
# ``undo traffic-filter inbound``. In the interface view of an S-series switch the undo form
# names the ACL again (``undo traffic-filter inbound acl N``); the bare one is refused as
# incomplete (docs/fidelity.md, finding 3). A record lives as long as its isolation (years,
# for a hospital), so it is replayed in today's form, with the ACL the interface binds.
_BARE_UNBIND = re.compile(r"^undo traffic-filter (inbound|outbound)$")


def _bound_acl(lines: list[str], direction: str) -> str:
    """The ACL a Huawei interface's lines bind in ``direction`` (``3999``, ``name X``)."""
    prefix = f"traffic-filter {direction} acl "
    found = [line[len(prefix) :].strip() for line in lines if line.startswith(prefix)]
    return found[-1] if found else ""


def _bind_steps(commands: list[str], platform: str) -> dict[str, list[str]]:
    """Interface -> the lines a recorded command list sent in that interface's view."""
    steps: dict[str, list[str]] = {}
    interface = ""
    for line in commands:
        if line.startswith("interface "):
            interface = line[len("interface ") :].strip()
            steps.setdefault(interface, [])
        elif line == dialect_for(platform).leave:
            interface = ""
        elif interface:
            steps[interface].append(line)
    return steps


def replayable(
    inverse: list[str],
    platform: str,
    running: str,
    commands: list[str],
    where: str,
) -> list[str]:
    """``inverse`` as the device accepts it now: a bare ``undo traffic-filter inbound`` (an
    earlier release's record) completed with ``acl N``, N the ACL the interface binds in the
    running configuration, else the one the record's own bind step bound (``commands``);
    and an IOS entry removed by its text where the configuration prints no numbers (see
    ``_by_text_where_unnumbered``). Never guessed: when neither names the ACL,
    TransactionError naming the interface (``where`` is the isolation id and the device, for
    the message). Other lines are left as they are."""
    inverse = _by_text_where_unnumbered(inverse, platform, running, commands, where)
    if not any(_BARE_UNBIND.match(line) for line in inverse):
        return inverse
    sections = interface_sections(running, platform)
    recorded = _bind_steps(commands, platform)
    out: list[str] = []
    interface = ""
    for line in inverse:
        if line.startswith("interface "):
            interface = line[len("interface ") :].strip()
        elif line == dialect_for(platform).leave:
            interface = ""
        bare = _BARE_UNBIND.match(line)
        if bare:
            direction = bare.group(1)
            section = sections.get(interface) if interface else None
            acl = _bound_acl(section.children if section else [], direction) or _bound_acl(
                recorded.get(interface, []), direction
            )
            if not acl:
                raise TransactionError(
                    f"isolation_id: {where}:{interface or '(no interface view)'}: the recorded "
                    f"step {line!r} (written by an earlier release) names no ACL, and neither "
                    f"the running configuration nor the record binds a traffic filter "
                    f"{direction} there; the switch refuses that form without 'acl N'",
                    hint=f"nothing was changed; check {interface or 'the interface'} "
                    f"(display current-configuration interface {interface}): if a filter is "
                    f"bound {direction}, unbind it by hand with 'undo traffic-filter {direction} "
                    "acl N' and reconnect with force=true; if none is bound, the rest of the "
                    "isolation is undone by hand from the record's inverse",
                )
            line = f"{line} acl {acl}"
        out.append(line)
    return out


_IOS_ACL_HEADER = re.compile(r"^ip access-list (?:extended|standard) \S+$")
_BY_NUMBER = re.compile(r"^no (\d+)$")
_NUMBERED = re.compile(r"^(\d+) ((?:permit|deny) .+)$")


def _by_text_where_unnumbered(
    inverse: list[str], platform: str, running: str, commands: list[str], where: str
) -> list[str]:
    """An IOS entry the record removes by its number (``no 10``), removed by its text
    (``no deny ip host ... any``) where the configuration prints that ACL without numbers.
    Such a release (IOS 15.x) does not save the numbers: after a reload its entries are
    numbered 10, 20, ... again, and ``no 10`` would take out another isolation's entry."""
    if not any(_BY_NUMBER.match(line) for line in inverse):
        return inverse
    printed = ios_acl_entries(running)
    recorded: dict[tuple[str, str], str] = {}
    for header, line in _under_acl_header(commands, platform):
        if header and (entry := _NUMBERED.match(line)):
            recorded[(header, entry.group(1))] = entry.group(2)
    out: list[str] = []
    for header, line in _under_acl_header(inverse, platform):
        number = _BY_NUMBER.match(line)
        entries = printed.get(header) if header and number else None
        if number and entries and all(seq is None for seq, _entry in entries):
            text = recorded.get((header, number.group(1)))
            if text is None:
                raise TransactionError(
                    f"isolation_id: {where}: {header!r} prints no sequence numbers and the "
                    f"record does not say which entry {line!r} removes",
                    hint=f"nothing was changed; find the isolation's entry in 'show ip "
                    f"access-lists' and remove it by hand ({header} / no <entry>), then "
                    "reconnect with force=true",
                )
            line = f"no {text}"
        out.append(line)
    return out


def _under_acl_header(lines: list[str], platform: str) -> Iterator[tuple[str, str]]:
    """Each line with the IOS ACL header it is typed under ("" outside one; a header line
    is under itself)."""
    header = ""
    for line in lines:
        if _IOS_ACL_HEADER.match(line):
            header = line
        elif line == dialect_for(platform).leave:
            header = ""
        yield header, line


def _blocks(lines: list[str], platform: str) -> list[list[str]]:
    """The flat command list split into blocks (a view entered and left, or one line)."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if current is not None:
            current.append(line)
            if line == dialect_for(platform).leave:
                blocks.append(current)
                current = None
        elif line.startswith("interface ") or _ACL_HEADER.match(line):
            current = [line]
        else:
            blocks.append([line])
    if current:
        blocks.append(current)
    return blocks


def share_out(
    store: transactions.Store, record: dict[str, Any], name: str
) -> tuple[list[str], dict[str, Any]]:
    """The inverse of ``record`` on device ``name`` that leaves the open isolations sharing its
    address-block ACL (or its binding on a gateway) blocked: its own deny rule goes, the ACL
    and the binding they still need are handed over to the newest of them."""
    device = record["devices"][name]
    platform = device["platform"]
    negate = dialect_for(platform).negation
    heirs = [
        r for r in store.open_records() if r["id"] != record["id"] and name in r.get("devices", {})
    ]
    if not heirs:
        return device["inverse"], {}
    heirs.sort(key=lambda r: int(r.get("opened_ns", 0)))
    mine_rules = {}  # ACL header -> this isolation's rule
    header = ""
    for line in device["commands"]:
        if _ACL_HEADER.match(line):
            header = line
        elif header and (rule := _RULE.match(line)):
            mine_rules[header] = rule.group(1)
        elif line == dialect_for(platform).leave:
            header = ""

    def uses_acl(other: dict[str, Any], acl_header: str) -> bool:
        theirs = other["devices"][name]["commands"] + other["devices"][name].get(
            "inherited_commands", []
        )
        return any(line == acl_header for line in theirs)

    def uses_gateway(other: dict[str, Any], gateway: str) -> bool:
        where = other.get("located") or {}
        blocked = (other.get("blast_radius") or {}).get("blocked_at_core", "")
        return (
            bool(where.get("vlan"))
            and f"{name}:" in blocked
            and gateway_interface(int(where["vlan"]), platform) == gateway
        )

    kept: list[str] = []
    handed: list[str] = []
    heir: dict[str, Any] = {}
    for block in _blocks(device["inverse"], platform):
        teardown = (
            len(block) == 1
            and block[0].startswith(negate)
            and _ACL_HEADER.match(block[0][len(negate) :])
        )
        if teardown:
            acl_header = block[0][len(negate) :]
            sharing = [r for r in heirs if uses_acl(r, acl_header)]
            if sharing and acl_header in mine_rules:
                removal = [
                    acl_header,
                    f"{negate}{mine_rules[acl_header]}",
                    dialect_for(platform).leave,
                ]
                # An inherited teardown (the ACL's creator reconnected first) comes after this
                # isolation's own rule removal: the rule goes once (the network campaign,
                # reliability/network.py --seed 2 --topology hospital, step 17: 'undo rule 15'
                # sent twice, refused the second time, the reconnect left half done).
                if removal not in _blocks(kept, platform):
                    kept += removal
                handed += block
                heir = sharing[-1]
                continue
        if (
            block[0].startswith("interface ")
            and len(block) == 3
            and block[1].startswith(negate)
            and _BINDING.search(block[1])
        ):
            sharing = [r for r in heirs if uses_gateway(r, block[0][len("interface ") :])]
            if sharing:
                handed = block + handed  # unbind before the ACL goes
                heir = heir or sharing[-1]
                continue
        kept += block
    if not handed:
        return device["inverse"], {}
    return kept, {"heir": heir, "lines": handed}


def _undo(
    switch: Switch,
    inverse: list[str],
    before: str,
    save: bool,
    drift: list[str],
    expected: Lines | None = None,
) -> dict[str, Any]:
    """Apply the inverse; the device must then equal ``before`` (with ``drift``, a forced
    reconnect: equal to ``before`` except for exactly the changes made since the isolation;
    with ``expected``, isolations overlapping on it: hold exactly those lines)."""
    with DeviceSession(switch.params) as session:
        if inverse:
            session.config_set(inverse)
        now = mask_secrets(strip_comments(session.running_config()))
        if expected is not None:
            left = _signed(line_set(now, switch.platform), expected)
            equal = not left
        else:
            left = Counter()
            equal = (
                now == before
                if not drift
                else _changes(_diff(before, now, switch.name)) == _changes(drift)
            )
        if equal and save:
            session.save()
    diff = [] if equal else (["", "", _describe(left)] if left else _diff(before, now, switch.name))
    return {"commands": inverse, "verified": equal, "diff": diff}


def reconnect(
    store: transactions.Store,
    isolation_id: str,
    switches: dict[str, Switch],
    operator: str,
    cleanup_by: str = "",
    cleanup_scan: str = "",
    force: bool = False,
    check_mode: bool = False,
    workers: int = 8,
    stage: str = "all",
    fence_proof: str = "",
    lock_wait_s: float = 300,
) -> dict[str, Any]:
    """``stage="port"`` (a quarantined isolation only): bring the port up behind its SSH-only
    filter, nothing else; ``stage="all"``: the whole inverse. An isolation that fences a
    database server (``fence_of``) is reconnected whole only after its port came up behind
    the filter and ``fence_proof`` says how the server was then fenced from the inside
    (db_rejoin does both), or with ``force``."""
    if stage not in ("all", "port"):
        raise InputError(f"stage: {stage!r} is not one of all, port")
    record = store.load(isolation_id)
    result: dict[str, Any] = {
        "changed": False,
        "isolation_id": record["id"],
        "commands": {},
        "verified": {},
    }
    if record.get("state") == "closed":
        result["message"] = (
            f"already reconnected by {record.get('closed_by')} at {record.get('closed_at')}"
        )
        return result
    quarantine = record.get("quarantine") or {}
    if stage == "port":
        if not quarantine:
            raise InputError(
                f"stage: {record['id']} has no quarantine filter (isolate with "
                "quarantine_ssh_to); reconnect it whole (stage: all)",
                hint="nothing was changed",
            )
        cleanup = _cleanup(record, cleanup_by, cleanup_scan)
        with _locked(
            store,
            {"devices": {record["quarantine"]["switch"]: {}}, "id": record["id"]},
            operator,
            lock_wait_s,
            result,
        ):
            return _port_up(
                store,
                store.load(record["id"]),
                switches,
                operator,
                cleanup,
                force,
                check_mode,
                result,
            )
    fenced = record.get("fence_of")
    if fenced and not force and not (quarantine.get("port_up_at") and fence_proof.strip()):
        raise TransactionError(
            f"isolation_id: {record['id']} fences the old database primary {fenced}: reconnected "
            "whole, a server that may still run a writable primary would be back on the network "
            "(split brain)",
            hint=f"nothing was changed; reconnect it with playbooks/db_rejoin.yml (its port comes "
            f"up behind an SSH-only filter, PostgreSQL on {fenced} is stopped and fenced over SSH, "
            "then the rest is undone), or with force=true once PostgreSQL on "
            f"{fenced} is known to be stopped",
        )
    cleanup = _cleanup(record, cleanup_by, cleanup_scan)
    missing = sorted(set(record["devices"]) - set(switches))
    if missing:
        raise InputError(
            f"switches: {', '.join(missing)} (changed by {record['id']}) not in the inventory"
        )
    with _locked(store, record, operator, lock_wait_s, result):
        record = store.load(record["id"])  # as it is now, under the locks
        if record.get("state") == "closed":
            result["message"] = (
                f"already reconnected by {record.get('closed_by')} at {record.get('closed_at')}"
            )
            return result
        return _reconnect(
            store,
            record,
            switches,
            operator,
            cleanup,
            force,
            check_mode,
            workers,
            fence_proof,
            result,
        )


def _locked(
    store: transactions.Store,
    record: dict[str, Any],
    operator: str,
    wait_s: float,
    result: dict[str, Any],
):
    """The locks of every switch the isolation changed, from the read to the record."""
    if store.state is None:
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def held():
        with store.state.locks.hold(
            [locks.switch(n) for n in record["devices"]],
            f"reconnect {record['id']}",
            operator,
            wait_s=wait_s,
        ) as waits:
            if waits:
                result.setdefault("warnings", []).extend(waits)
            yield

    return held()


def _handed_effect(device: dict[str, Any], handover: dict[str, Any], mine: Lines) -> Lines:
    """The part of an isolation's effect that stays on the device for its heir."""
    platform = device["platform"]
    negate = dialect_for(platform).negation
    handed: Lines = Counter()
    lines = handover.get("lines", [])
    acls = {
        line[len(negate) :]
        for line in lines
        if line.startswith(negate) and _ACL_HEADER.match(line[len(negate) :])
    }
    gateways = {line for line in lines if line.startswith("interface ")}
    for (section, child), count in mine.items():
        # A gateway's binding is handed over whether this isolation bound it or inherited it
        # (then it is not among its commands: a chain of hand-overs in one VLAN left the
        # binding counted as gone, the undo unproved and the reconnect half done).
        if (
            section in acls
            and not _DENY_ENTRY.match(child or "")
            or section in gateways
            and _BINDING.search(child or "")
        ):
            handed[(section, child)] = count
    return handed


def _reconnect(
    store: transactions.Store,
    record: dict[str, Any],
    switches: dict[str, Switch],
    operator: str,
    cleanup: dict[str, Any],
    force: bool,
    check_mode: bool,
    workers: int,
    fence_proof: str,
    result: dict[str, Any],
) -> dict[str, Any]:
    devices = record["devices"]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(devices)))) as pool:
        current = dict(
            zip(devices, pool.map(lambda n: mask_secrets(_read(switches[n])), devices), strict=True)
        )
    overlap: dict[str, list[str]] = {}
    expected: dict[str, Lines] = {}
    unexplained: dict[str, Lines] = {}
    windows = {name: window_sections_on(store, name) for name in devices}
    for name, device in devices.items():
        expected[name], others = expected_now(store, record, name)
        if others:
            overlap[name] = others
            left = _outside(
                _signed(line_set(current[name], device["platform"]), expected[name]),
                windows[name],
            )
            if left:
                unexplained[name] = left
    drift = {
        n: _diff(devices[n]["after"], current[n], n)
        for n in devices
        if n not in overlap and current[n] != devices[n]["after"]
    }
    # A vendor window opened, extended or closed on the switch since the isolation changed
    # only the window's own sections: recorded, deliberate, and left as it is by the inverse
    # (the undo is then proved as a forced one: before, except exactly those changes).
    blocking = {
        n: d
        for n, d in drift.items()
        if _outside(
            _signed(
                line_set(current[n], devices[n]["platform"]),
                line_set(devices[n]["after"], devices[n]["platform"]),
            ),
            windows[n],
        )
    }
    if (blocking or unexplained) and not force:
        shown = "; ".join(
            [f"{n}: {' | '.join(d[2:8])}" for n, d in blocking.items()]
            + [f"{n}: {_describe(d)}" for n, d in unexplained.items()]
        )
        raise TransactionError(
            f"isolation_id: {record['id']}: the configuration changed since the isolation on {shown}",
            hint="nothing was changed; the recorded inverse was made for the recorded state "
            "(changes by other open or reconnected isolations are accounted for): check the change, then "
            "reconnect with force=true",
        )
    plans: dict[str, tuple[list[str], dict[str, Any], Lines | None]] = {}
    for name, device in devices.items():
        if name not in overlap:
            plans[name] = (device["inverse"], {}, None)
            continue
        inverse, handover = share_out(store, record, name)
        mine = effect(device)
        handed = _handed_effect(device, handover, mine) if handover else Counter()
        target = line_set(current[name], device["platform"])
        target.subtract(_signed(mine, handed))
        plans[name] = (
            inverse,
            {**handover, "effect": handed} if handover else {},
            Counter({k: v for k, v in target.items() if v}),
        )
    for name, plan in plans.items():  # an earlier release's record, in today's form
        sent = replayable(
            plan[0],
            devices[name]["platform"],
            current[name],
            devices[name]["commands"],
            f"{record['id']} on {name}",
        )
        plans[name] = (sent, *plan[1:])
    result["commands"] = {n: plan[0] for n, plan in plans.items()}
    result["changed"] = True
    result["cleanup"] = cleanup
    if overlap:
        result["overlapping"] = overlap
    if check_mode:
        result["message"] = "check mode: nothing sent"
        return result
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(devices)))) as pool:
        futures = {
            n: pool.submit(
                _undo,
                switches[n],
                plans[n][0],
                d["before"],
                bool(d.get("saved")),
                drift.get(n, []),
                plans[n][2],
            )
            for n, d in devices.items()
        }
        outcome, errors = {}, []
        for name, future in futures.items():
            try:
                outcome[name] = future.result()
            except NetdevError as exc:
                errors.append(str(exc))
    result["verified"] = {n: o["verified"] for n, o in outcome.items()}
    record["cleanup"] = cleanup
    record.setdefault("reconnects", []).append(
        {
            "by": operator,
            "at": transactions.utc_now(),
            "devices": outcome,
            "forced": bool(blocking or unexplained),
        }
    )
    if errors or not all(result["verified"].values()):
        store.save(record)
        shown = "; ".join(
            errors
            + [
                f"{n}: {' | '.join(o['diff'][2:8])}"
                for n, o in outcome.items()
                if not o["verified"]
            ]
        )
        raise NetdevError(
            f"reconnect {record['id']} did not restore every device: {shown}",
            hint="the isolation stays open; read the devices and reconnect again",
        )
    for name, (_inverse, handover, _target) in plans.items():
        if not handover:
            continue
        heir = store.load(handover["heir"]["id"])
        theirs = heir["devices"][name]
        theirs["inverse"] = theirs["inverse"] + handover["lines"]
        theirs["inherited"] = _storable(_stored(theirs.get("inherited", [])) + handover["effect"])
        theirs["inherited_commands"] = theirs.get("inherited_commands", []) + [
            line for line in record["devices"][name]["commands"] if _ACL_HEADER.match(line)
        ]
        store.save(heir)
        record["devices"][name]["handed_over"] = _storable(handover["effect"])
        record["devices"][name]["handed_to"] = heir["id"]
    record.update(
        state="closed",
        closed_by=operator,
        closed_at=transactions.utc_now(),
        closed_ns=time.time_ns(),
    )
    if fence_proof.strip():
        record["fence_proof"] = fence_proof.strip()
    store.save(record)
    heirs = sorted({p[1]["heir"]["id"] for p in plans.values() if p[1]})
    result["message"] = (
        f"reconnected; every device equals its recorded configuration ({record['id']} closed)"
        if not overlap
        else f"reconnected ({record['id']} closed); on {', '.join(sorted(overlap))} the isolations "
        f"still open ({', '.join(sorted(set().union(*overlap.values())))}) stay in force, "
        "and each device holds exactly what the records say"
        + (f"; the shared block now belongs to {', '.join(heirs)}" if heirs else "")
    )
    return result


def _without_shutdown(config: str, interface: str) -> str:
    """``config`` with the port's ``shutdown`` line removed: what bringing it up changes."""
    out, inside = [], False
    for line in config.split("\n"):
        if not line.startswith((" ", "\t")):
            inside = line.strip() == f"interface {interface}"
        elif inside and line.strip() == "shutdown":
            continue
        out.append(line)
    return "\n".join(out)


def _port_up(
    store: transactions.Store,
    record: dict[str, Any],
    switches: dict[str, Switch],
    operator: str,
    cleanup: dict[str, Any],
    force: bool,
    check_mode: bool,
    result: dict[str, Any],
) -> dict[str, Any]:
    """Bring a quarantined port up, filter kept; the device must then equal its recorded
    configuration after the isolation, but for that port's ``shutdown``."""
    quarantine = record["quarantine"]
    name, port = quarantine["switch"], quarantine["port"]
    if quarantine.get("port_up_at"):
        result["message"] = (
            f"{name}:{port} is already up behind the quarantine filter "
            f"(since {quarantine['port_up_at']})"
        )
        return result
    if name not in switches:
        raise InputError(f"switches: {name} (changed by {record['id']}) not in the inventory")
    device = record["devices"][name]
    current = mask_secrets(_read(switches[name]))
    if current != device["after"] and not force:
        shown = " | ".join(_diff(device["after"], current, name)[2:8])
        raise TransactionError(
            f"isolation_id: {record['id']}: the configuration changed since the isolation on {name}: {shown}",
            hint="nothing was changed; check the change, then reconnect with force=true",
        )
    result.update(changed=True, commands={name: quarantine["port_up"]}, cleanup=cleanup)
    if check_mode:
        result["message"] = "check mode: nothing sent"
        return result
    expected = _without_shutdown(device["after"], port)
    with DeviceSession(switches[name].params) as session:
        session.config_set(quarantine["port_up"])
        now = mask_secrets(strip_comments(session.running_config()))
        ok = now == expected if current == device["after"] else True
        if ok and device.get("saved"):
            session.save()
    result["verified"] = {name: ok}
    if not ok:
        raise NetdevError(
            f"{name}: after bringing {port} up the configuration is not the expected one: "
            f"{' | '.join(_diff(expected, now, name)[2:8])}",
            hint="the isolation stays open; read the device",
        )
    record["cleanup"] = cleanup
    device["after_isolation"] = device.get("after_isolation", device["after"])
    device["after"] = now
    quarantine.update(port_up_at=transactions.utc_now(), port_up_by=operator)
    store.save(record)
    result["message"] = (
        f"{name}:{port} is up behind the quarantine filter: only SSH to "
        f"{quarantine['ssh_to']} passes ({record['id']} stays open)"
    )
    return result


def find_open(store: transactions.Store, kind: str, key: str, ip: str = "", mac: str = "") -> str:
    """The id of the open isolation of a target (``segment:10``, a host's IP or MAC, a port)."""
    for record in store.open_records():
        where = record.get("located") or {}
        if record.get("key") == key or (
            kind == "host"
            and record.get("kind") == "host"
            and ((ip and where.get("ip") == ip) or (mac and where.get("mac") == mac))
        ):
            return record["id"]
    raise TransactionError(
        f"{kind}: no open isolation of {key.split(':', 1)[1]}",
        hint="list the open isolations with playbooks/isolation_status.yml",
    )


def status(
    store: transactions.Store, include_closed: bool = False, devices: list[str] | None = None
) -> list[dict[str, Any]]:
    """The isolations (open ones unless ``include_closed``), or those that changed ``devices``."""
    records = store.records() if include_closed else store.open_records()
    found = [transactions.summary(r) for r in records]
    if devices is not None:
        wanted = set(devices)
        found = [s for s in found if wanted.intersection(s["devices"])]
    return found
