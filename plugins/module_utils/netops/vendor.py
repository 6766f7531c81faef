# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Vendor access windows (plan P4.5): management access for one address, for N minutes,
enforced by the device's own clock so that it closes itself without the controller.

Opening a window adds, on the switch itself, an absolute time range from the device's
current minute to N minutes later and a rule permitting the vendor's address under that
time range to the ACL bound to the VTY lines (SSH logins). A switch whose VTY lines have
no ACL gets one (the management subnet and the controller permitted, plus the vendor
rule): logins from anywhere else were possible before and are not after; closing the
last window removes it again. Closing early removes the rule and the time range.
Each opening and closing is recorded (who approved, who ran it, the window, the commands).

With a state directory, a window is a hold of kind ``vendor_window`` in the hospital's
deliberate state while its record is open (the other workflows see it), and opening or
closing holds the switch's lock from the read of the configuration to the record.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..netdev.backup import mask_secrets
from ..netdev.clock import ClockFormatError, clock_command, parse_clock
from ..netdev.dialects import DIALECTS, dialect_for
from ..netdev.session import DeviceSession
from ..netdev.text import strip_comments
from ..netplan.configtree import parse_sections
from ..state.locks import switch as switch_lock
from ..state.store import Hold
from . import transactions
from .errors import InputError, TransactionError

Block = tuple[list[str], list[str]]
# The VTY line blocks of each platform (its dialect's).
VTY_LINES = {name: list(d.vty_lines) for name, d in DIALECTS.items()}
ID_PATTERN = re.compile(r"^va-\d{8}T\d{6}Z-[0-9a-f]{6}$")


@dataclass
class VendorRequest:
    vendor_ip: str
    minutes: int = 30
    approved_by: str = ""
    reason: str = ""
    acl: int = 3998
    mgmt_subnet: str = ""
    controller_ip: str = ""
    notes: list[str] = field(default_factory=list)

    def validate(self, opening: bool = True) -> None:
        try:
            address = ipaddress.ip_address(str(self.vendor_ip).strip())
        except ValueError:
            raise InputError(f"vendor_ip: {self.vendor_ip!r} is not an IPv4 address") from None
        if address.version != 4:
            raise InputError(f"vendor_ip: {self.vendor_ip!r}: only IPv4 is supported")
        self.vendor_ip = str(address)
        if not opening:
            return
        if not 1 <= int(self.minutes) <= 1440:
            raise InputError(f"minutes: {self.minutes} must be between 1 and 1440 (one day)")
        if not str(self.approved_by or "").strip():
            raise InputError("approved_by: say who approved the vendor's access (recorded)")
        if self.mgmt_subnet:
            try:
                ipaddress.ip_network(self.mgmt_subnet, strict=False)
            except ValueError:
                raise InputError(f"mgmt_subnet: {self.mgmt_subnet!r} is not a subnet") from None
        if not 2000 <= int(self.acl) <= 3999:
            raise InputError(f"acl_number: {self.acl} must be an advanced ACL number (3000-3999)")

    @property
    def window_name(self) -> str:
        return f"HISOPS-VENDOR-{self.vendor_ip.replace('.', '-')}"


def device_clock(session: DeviceSession) -> datetime:
    """The switch's own time (its time ranges are evaluated against it)."""
    platform = session.platform.name
    text = session.show(clock_command(platform))
    try:
        return parse_clock(platform, text)
    except ClockFormatError as exc:
        raise InputError(str(exc), device=session.params.name) from None


def window(now: datetime, minutes: int) -> tuple[datetime, datetime]:
    """From the device's current minute to at least ``minutes`` full minutes from now."""
    start = now.replace(second=0, microsecond=0)
    end_seconds = (now - start).total_seconds() + minutes * 60
    return start, start + timedelta(minutes=math.ceil(end_seconds / 60))


def _time_range_lines(platform: str, name: str, start: datetime, end: datetime) -> list[str]:
    return dialect_for(platform).time_range_lines(name, start, end)


def _window_of(lines: list[str]) -> tuple[datetime | None, datetime | None]:
    """Start and end of an absolute time range as displayed (VRP, Comware or IOS dates)."""
    text = " ".join(lines)
    found = []
    for key in ("from", "to", "start", "end"):
        match = re.search(rf"\b{key} (\d+:\d+) (\d+/\d+/\d+|\d+ \w+ \d{{4}})", text)
        if not match:
            continue
        for fmt in ("%H:%M %Y/%m/%d", "%H:%M %m/%d/%Y", "%H:%M %d %B %Y", "%H:%M %d %b %Y"):
            try:
                found.append((key, datetime.strptime(" ".join(match.groups()), fmt)))
                break
            except ValueError:
                continue
    when = dict(found)
    return when.get("from") or when.get("start"), when.get("to") or when.get("end")


def _sections(config: str, platform: str) -> dict[str, list[str]]:
    return {s.line: s.children for s in parse_sections(config, platform)}


def _login_bindings(platform: str, acl: str) -> list[Block]:
    """How the login ACL is bound and unbound: in each VTY line block, or in system view
    (Comware 7's ``ssh server acl N``)."""
    return dialect_for(platform).login_acl_bindings(acl)


def vty_acl(config: str, platform: str) -> str:
    return dialect_for(platform).login_acl(_sections(config, platform))


def _acl_header(platform: str, acl: str) -> str:
    return dialect_for(platform).acl_header(acl)


def _acl_name(platform: str, number: int) -> str:
    return dialect_for(platform).acl_id(number, f"HISOPS-VTY-{number}")


def _rule_numbers(rules: list[str]) -> set[int]:
    return {int(m.group(1)) for r in rules if (m := re.match(r"^(?:rule )?(\d+) ", r))}


def _rule_key(platform: str, rule: str) -> str:
    """What removes one rule: ``rule 5`` (VRP/Comware), the sequence number where IOS prints
    it (IOS XE), else the entry's own text (``no permit ip host ...``, classic IOS)."""
    return dialect_for(platform).acl_rule_key(rule)


def _vendor_rule(platform: str, ip: str, name: str) -> str:
    return dialect_for(platform).acl_permit_source(ip, "0.0.0.0", time_range=name)


def _base_rules(platform: str, request: VendorRequest) -> list[str]:
    dialect = dialect_for(platform)
    permitted = []
    if request.mgmt_subnet:
        net = ipaddress.ip_network(request.mgmt_subnet, strict=False)
        permitted.append((str(net.network_address), str(net.hostmask)))
    if request.controller_ip and not any(
        ipaddress.ip_address(request.controller_ip)
        in ipaddress.ip_network(f"{a}/{m}", strict=False)
        for a, m in permitted
    ):
        permitted.append((request.controller_ip, "0.0.0.0"))
    return [
        dialect.acl_rule(100 + index, dialect.acl_permit_source(address, wildcard))
        for index, (address, wildcard) in enumerate(permitted)
    ]


def plan_open(
    config: str, platform: str, request: VendorRequest, start: datetime, end: datetime
) -> tuple[list[Block], bool]:
    """The blocks to open the window, and whether a VTY ACL is created for it."""
    sections = _sections(config, platform)
    name = request.window_name
    dialect = dialect_for(platform)
    leave, negation = dialect.leave, dialect.negation
    blocks: list[Block] = []
    wanted = _time_range_lines(platform, name, start, end)
    existing = [line for line in sections if line.startswith(f"time-range {name}")]
    current = existing[:1] + (
        sections.get(existing[0], []) if existing and dialect.time_range_block else []
    )
    old_start, old_end = _window_of(current)
    same = (old_start, old_end) == (start, end)
    # A window still open that ends at most two minutes before the one asked for is the
    # same request run again (a re-run crossing a minute boundary does not extend it).
    if old_end is not None and start <= old_end and old_end >= end - timedelta(minutes=2):
        same = True
    if not same:
        undo = [f"{negation}time-range {name}"]
        old = [f"time-range {name}", *current[1:], "exit"] if dialect.time_range_block else current
        blocks.append(((undo if existing else []) + wanted, undo + (old if existing else [])))
    bound = vty_acl(config, platform)
    acl = bound or _acl_name(platform, request.acl)
    header = _acl_header(platform, acl)
    if bound and header not in sections:
        raise InputError(
            f"the VTY lines use ACL {bound}, which is not an advanced/extended ACL: a time range "
            "cannot be attached to its rules",
            hint="bind an advanced ACL (3000-3999) to the VTY lines",
        )
    rules = sections.get(header, [])
    body = _vendor_rule(platform, request.vendor_ip, name)
    created = False
    if not any(re.sub(r"^(?:rule )?\d+ ", "", r) == body for r in rules):
        free = [n for n in range(1, 10) if n not in _rule_numbers(rules)]
        if not free:
            raise InputError(f"ACL {acl} has no free rule number below 10 for the vendor rule")
        rule = dialect.acl_rule(free[0], "")
        if bound or header in sections:
            blocks.append(([header, f"{rule} {body}", leave], [header, f"{negation}{rule}", leave]))
        else:
            created = True
            blocks.append(
                (
                    [header, f"{rule} {body}", *_base_rules(platform, request), leave],
                    [f"{negation}{header}"],
                )
            )
    if not bound:
        blocks += _login_bindings(platform, acl)
    return blocks, created


def plan_close(config: str, platform: str, request: VendorRequest, created_acl: bool) -> list[str]:
    """Remove the vendor's rule and time range; the VTY ACL too when hisops created it and
    no other vendor rule is left in it."""
    sections = _sections(config, platform)
    name = request.window_name
    dialect = dialect_for(platform)
    leave, negation = dialect.leave, dialect.negation
    commands: list[str] = []
    acl = vty_acl(config, platform)
    header = _acl_header(platform, acl) if acl else ""
    rules = sections.get(header, [])
    mine = [r for r in rules if r.endswith(f"time-range {name}")]
    others = [r for r in rules if "time-range HISOPS-VENDOR-" in r and r not in mine]
    if created_acl and acl and not others and acl == _acl_name(platform, request.acl):
        for _bind, unbind in _login_bindings(platform, acl):
            commands += unbind
        commands.append(f"{negation}{header}")
    elif mine:
        commands += [header] + [f"{negation}{_rule_key(platform, r)}" for r in mine] + [leave]
    if any(line.startswith(f"time-range {name}") for line in sections):
        commands.append(f"{negation}time-range {name}")
    return commands


def _new_id() -> str:
    return f"va-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


_WINDOW_SECTIONS = (
    "time-range ",
    "acl number ",
    "acl advanced ",
    "acl basic ",
    "ip access-list ",
    "user-interface ",
    "line vty ",
    "ssh server acl ",
)


def window_sections(commands: list[str]) -> list[str]:
    """The sections a window's commands enter (a time range by its name, an ACL, the VTY
    lines): another push that enters one of them would change the window."""
    found = set()
    for command in commands:
        line = " ".join(command.split())
        if line.startswith(_WINDOW_SECTIONS):
            if line.startswith("time-range "):
                line = " ".join(line.split()[:2])
            elif line.startswith("ssh server acl "):
                line = "ssh server acl"  # its binding line, whatever the number
            found.add(line)
    return sorted(found)


class VendorStore(transactions.Store):
    HOLD_KIND = "vendor_window"
    RECORD_ID = ID_PATTERN

    def hold_of(self, record: dict[str, Any]) -> Hold:
        """A window as the other workflows see it: open until closed (a superseded record,
        re-opened under a new id, is closed; the device's clock ends it at ``window.end``)."""
        return Hold(
            id=record["id"],
            kind=self.HOLD_KIND,
            key=record.get("key", ""),
            state="open" if record.get("state") == "open" else "closed",
            summary=f"vendor {record.get('vendor_ip', '')} on {record.get('device', '')} until "
            f"{(record.get('window') or {}).get('end', '?')} (device clock): {record.get('reason', '')}".strip(),
            devices=[record["device"]] if record.get("device") else [],
            details={
                "vendor_ip": record.get("vendor_ip", ""),
                "window": record.get("window") or {},
                "approved_by": record.get("approved_by", ""),
                # the sections the window added lines to: a push into them would undo it
                "sections": window_sections(record.get("commands", [])),
                **(
                    {"superseded_by": record["superseded_by"]}
                    if record.get("superseded_by")
                    else {}
                ),
            },
            opened_by=record.get("opened_by", ""),
            opened_at=record.get("opened_at", ""),
            closed_by=record.get("closed_by", "") or "",
            closed_at=record.get("closed_at", "") or "",
        )

    def load(self, record_id: str) -> dict[str, Any]:
        if not ID_PATTERN.match(str(record_id or "")):
            raise InputError(f"id: {record_id!r} is not a vendor access id (va-...)")
        try:
            return self._read(record_id)
        except FileNotFoundError:
            raise TransactionError(
                f"id: no vendor access {record_id} is recorded in {self.directory}"
            ) from None

    def _read(self, record_id: str) -> dict[str, Any]:
        import json

        with open(self.path(record_id), encoding="utf-8") as handle:
            return json.load(handle)

    def open_for(self, device: str, vendor_ip: str) -> dict[str, Any] | None:
        found = [
            r
            for r in self.records()
            if r.get("state") == "open"
            and r.get("device") == device
            and r.get("vendor_ip") == vendor_ip
        ]
        return found[-1] if found else None


def _locked(
    store: VendorStore, device: str, operation: str, operator: str, check_mode: bool, wait_s: float
):
    """The switch's lock from the read to the record (none in check mode, which only reads)."""
    if store.state is None or check_mode:
        return contextlib.nullcontext([])
    return store.state.locks.hold([switch_lock(device)], operation, operator, wait_s=wait_s)


def open_window(
    session_factory,
    device: str,
    request: VendorRequest,
    store: VendorStore,
    operator: str,
    check_mode: bool = False,
    save: bool = True,
    lock_wait: float = 300.0,
) -> dict[str, Any]:
    request.validate(opening=True)
    with _locked(
        store, device, f"vendor_access open {request.vendor_ip}", operator, check_mode, lock_wait
    ) as waits:
        result = _open_window(session_factory, device, request, store, operator, check_mode, save)
    if waits:
        result["waits"] = list(waits)
    return result


def _open_window(
    session_factory,
    device: str,
    request: VendorRequest,
    store: VendorStore,
    operator: str,
    check_mode: bool,
    save: bool,
) -> dict[str, Any]:
    with session_factory() as session:
        platform = session.platform.name
        now = device_clock(session)
        start, end = window(now, request.minutes)
        before = strip_comments(session.running_config())
        blocks, created = plan_open(before, platform, request, start, end)
        commands = [c for b, _inverse in blocks for c in b]
        inverse = [c for _commands, inv in reversed(blocks) for c in inv]
        result: dict[str, Any] = {
            "changed": bool(commands),
            "commands": commands,
            "device_clock": f"{now:%Y-%m-%d %H:%M:%S}",
            "window": {
                "name": request.window_name,
                "start": f"{start:%Y-%m-%d %H:%M}",
                "end": f"{end:%Y-%m-%d %H:%M}",
            },
            "vty_acl_created": created,
            "id": "",
        }
        if not commands or check_mode:
            existing = store.open_for(device, request.vendor_ip)
            result["id"] = existing["id"] if existing else ""
            return result
        session.config_set(commands)
        after = strip_comments(session.running_config())
        if save:
            session.save()
    left, _created = plan_open(after, platform, request, start, end)
    result["verified"] = not left
    previous = store.open_for(device, request.vendor_ip)
    record = {
        "id": _new_id(),
        "state": "open",
        "device": device,
        "vendor_ip": request.vendor_ip,
        "minutes": request.minutes,
        "approved_by": request.approved_by,
        "reason": request.reason,
        "opened_by": operator,
        "opened_at": transactions.utc_now(),
        "window": result["window"],
        "device_clock": result["device_clock"],
        "commands": commands,
        "inverse": inverse,
        "vty_acl_created": created or bool(previous and previous.get("vty_acl_created")),
        "before": mask_secrets(before),
        "key": f"vendor:{device}:{request.vendor_ip}",
    }
    if previous:  # re-opened (extended): the earlier record is superseded
        previous.update(state="superseded", superseded_by=record["id"])
        store.save(previous)
    store.save(record)
    result["id"] = record["id"]
    if not result["verified"]:
        raise InputError(
            f"the window was sent but the read-back does not show it: {left}", device=device
        )
    return result


def close_window(
    session_factory,
    device: str,
    request: VendorRequest,
    store: VendorStore,
    operator: str,
    check_mode: bool = False,
    save: bool = True,
    lock_wait: float = 300.0,
) -> dict[str, Any]:
    request.validate(opening=False)
    with _locked(
        store, device, f"vendor_access close {request.vendor_ip}", operator, check_mode, lock_wait
    ) as waits:
        result = _close_window(session_factory, device, request, store, operator, check_mode, save)
    if waits:
        result["waits"] = list(waits)
    return result


def _close_window(
    session_factory,
    device: str,
    request: VendorRequest,
    store: VendorStore,
    operator: str,
    check_mode: bool,
    save: bool,
) -> dict[str, Any]:
    record = store.open_for(device, request.vendor_ip)
    with session_factory() as session:
        platform = session.platform.name
        config = strip_comments(session.running_config())
        created = bool(record and record.get("vty_acl_created"))
        commands = plan_close(config, platform, request, created)
        result: dict[str, Any] = {
            "changed": bool(commands),
            "commands": commands,
            "id": record["id"] if record else "",
        }
        if not commands and not record:
            result["message"] = (
                f"no vendor access window for {request.vendor_ip} is open on {device}"
            )
            return result
        if check_mode:
            return result
        if commands:
            session.config_set(commands)
            if save:
                session.save()
        after = strip_comments(session.running_config())
    result["verified"] = not plan_close(after, platform, request, created)
    if record:
        record.update(
            state="closed",
            closed_by=operator,
            closed_at=transactions.utc_now(),
            close_commands=commands,
        )
        store.save(record)
    result["changed"] = bool(commands) or bool(record)
    return result
