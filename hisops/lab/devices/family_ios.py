"""What the IOS-like engines share (Cisco IOS/IOS-XE, Ruijie RGOS): the session's
handlers and the device's configuration loading.

The family's CLI is Cisco's: user EXEC ``>``, privileged EXEC ``#`` after ``enable``,
``configure terminal`` / ``end`` / ``exit``, ``no`` negation, ``vlan N`` / ``name``,
``interface ...`` with ``switchport`` access/trunk commands, ``ip access-list
standard|extended`` with (sequence-numbered) entries, ``ip access-group N in|out``,
``time-range`` with ``periodic``/``absolute``, ``line vty`` with ``access-class``. The
rows every engine spells alike are ``FAMILY_COMMANDS``; an engine's table is
``command_table(its own rows)`` (its dialect: which further commands exist and how they
are spelled) and it overrides the hooks below where its output or names differ; the
handlers bound in the tables, and the configuration blocks every engine prints alike
(``render_*``), live here once; what the VRP family does alike too lives in ``base.py``.

Hooks a vendor engine sets or overrides (session): ``mode_prompts``, ``config_modes``,
``interface_types``/``virtual_types``, ``default_hostname``, ``reserved_vlans``,
``initial_mode``, ``config_prompt``, ``enable_without_secret``, ``svi_vlan``,
``svi_name``, ``access_vlan_created``, ``running_header``, ``format_fault``. Device:
``render_config``, ``render_interface``, ``hash_password``, the ``show_*`` formats,
``skip_prefixes``, ``after_load``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hisops.lab.contract import ArpEntry, Reply
from hisops.lab.devices import acl_text, secrets
from hisops.lab.devices.base import (
    ALL_VLANS,
    BaseDevice,
    BaseSession,
    Command,
    ParseFault,
    cmds,
    config_block,
    match_command,
    normalise_mac,
    split_words,
)
from hisops.lab.devices.model import (
    Acl,
    DeviceConfig,
    Interface,
    LinkType,
    LocalUser,
    StaticRoute,
    TimeRange,
    Vlan,
    VlanIf,
)

# The grammar every IOS-like engine shares, by mode: the rows each vendor spells the same
# way. An engine's table is ``command_table(OWN)``: these rows plus its own, a row of its own
# with a family row's pattern replacing that row (another handler).
TERMINAL = (
    ("terminal length <int>", "set_screen_length"),
    ("terminal width <int>", "noop"),
    ("terminal no monitor", "noop"),
    ("terminal monitor", "noop"),
)
SHOW = (
    ("show running-config", "show_running"),
    ("show startup-config", "show_startup"),
    ("show version", "show_version"),
    ("show vlan", "show_vlan"),
    ("show interfaces status", "show_interfaces_status"),
    ("show access-lists", "show_access_lists"),
    ("show ip interface brief", "show_ip_interface_brief"),
    ("show time-range", "show_time_range"),
    ("show time-range <word>", "show_time_range"),
    ("show clock", "show_clock"),
    ("show privilege", "show_privilege"),
)
EXEC_COMMON = (
    *SHOW,
    *TERMINAL,
    ("exit", "logout"),
    ("logout", "logout"),
    ("quit", "logout"),
)
SUB_COMMON = (("exit", "exit_sub"), ("end", "end"), ("do <text>", "do"))
ACL_ENTRY = (
    *SUB_COMMON,
    ("permit <text>", "acl_entry"),
    ("deny <text>", "acl_entry"),
    ("<int> permit <text>", "acl_entry_seq"),
    ("<int> deny <text>", "acl_entry_seq"),
    ("no <int>", "acl_no_entry"),
    ("no permit <text>", "acl_no_entry_text"),
    ("no deny <text>", "acl_no_entry_text"),
    ("remark <text>", "acl_remark"),
    ("no remark <text>", "acl_no_remark"),
)
ACCESS_GROUP = (
    ("ip access-group <word> in", "if_acl_in"),
    ("ip access-group <word> out", "if_acl_out"),
    ("no ip access-group <word> in", "if_no_acl_in"),
    ("no ip access-group <word> out", "if_no_acl_out"),
)
TIME_RANGE = (
    *SUB_COMMON,
    ("periodic <text>", "tr_periodic"),
    ("absolute <text>", "tr_absolute"),
    ("no periodic <text>", "tr_no_periodic"),
    ("no absolute", "tr_no_absolute"),
)
PORT_COMMON = (
    *SUB_COMMON,
    ("description <text>", "if_description"),
    ("no description", "if_no_description"),
    ("shutdown", "if_shutdown"),
    ("no shutdown", "if_no_shutdown"),
)
Rows = tuple[tuple[str, str], ...]
FAMILY_COMMANDS: dict[str, Rows] = {
    "user": (*EXEC_COMMON, ("enable", "enable")),
    "enable": (
        *EXEC_COMMON,
        ("enable", "noop"),
        ("disable", "disable"),
        ("configure terminal", "configure"),
        ("write", "write_memory"),
        ("write memory", "write_memory"),
        ("copy running-config startup-config", "write_memory"),
        ("reload", "reload"),
        ("reload in <int>", "reload_in"),
        ("reload in <time>", "reload_in_clock"),
        ("reload cancel", "reload_cancel"),
    ),
    "config": (
        ("exit", "end"),
        ("end", "end"),
        ("do <text>", "do"),
        ("hostname <word>", "hostname"),
        ("no hostname", "no_hostname"),
        ("vlan <vlanlist>", "enter_vlan"),
        ("no vlan <vlanlist>", "no_vlan"),
        ("interface <if>", "enter_interface"),
        ("interface range <text>", "enter_interface_range"),
        ("no interface <if>", "no_interface"),
        ("ip route <ip> <ip> <ip>", "route"),
        ("ip route <ip> <ip> <ip> <int>", "route"),
        ("no ip route <ip> <ip> <ip>", "no_route"),
        ("no ip route <ip> <ip>", "no_route"),
        ("ip access-list standard <word>", "enter_named_acl_std"),
        ("ip access-list extended <word>", "enter_named_acl_ext"),
        ("no ip access-list standard <word>", "no_acl"),
        ("no ip access-list extended <word>", "no_acl"),
        ("access-list <int> <text>", "numbered_acl"),
        ("no access-list <int>", "no_numbered_acl"),
        ("time-range <word>", "enter_time_range"),
        ("no time-range <word>", "no_time_range"),
        ("username <word> privilege <int> secret <text>", "username_level"),
        ("username <word> privilege <int> password <text>", "username_level"),
        ("username <word> secret <text>", "username_secret"),
        ("username <word> password <text>", "username_secret"),
        ("no username <word>", "no_username"),
        ("enable secret <text>", "enable_secret"),
        ("no enable secret", "no_enable_secret"),
        ("ip ssh version <int>", "noop"),
        ("ntp server <ip>", "ntp_server"),
        ("no ntp server <ip>", "remove_ntp_server"),
        ("snmp-server community <word> ro", "snmp_ro"),
        ("snmp-server community <word> rw", "snmp_rw"),
        ("no snmp-server community <word>", "remove_snmp_community"),
        ("line vty <int> <int>", "enter_vty"),
    ),
    "interface": (
        *PORT_COMMON,
        ("switchport", "noop"),
        ("switchport mode access", "if_access"),
        ("switchport mode trunk", "if_trunk"),
        ("no switchport mode", "if_access"),
        ("switchport access vlan <vlan>", "if_access_vlan"),
        ("no switchport access vlan", "if_no_access_vlan"),
        ("switchport trunk native vlan <vlan>", "if_native"),
        ("no switchport trunk native vlan", "if_no_native"),
        ("switchport trunk allowed vlan <vlanlist>", "if_allowed"),
        ("switchport trunk allowed vlan add <vlanlist>", "if_allowed_add"),
        ("switchport trunk allowed vlan remove <vlanlist>", "if_allowed_remove"),
        ("switchport trunk allowed vlan except <vlanlist>", "if_allowed_except"),
        ("switchport trunk allowed vlan all", "if_allowed_all"),
        ("no switchport trunk allowed vlan", "if_allowed_all"),
        *ACCESS_GROUP,
        ("spanning-tree portfast", "noop"),
    ),
    "svi": (
        *PORT_COMMON,
        ("no ip address", "svi_no_ip"),
        ("ip helper-address <ip>", "svi_helper"),
        ("no ip helper-address <ip>", "svi_no_helper"),
        *ACCESS_GROUP,
    ),
    "other-interface": (
        *SUB_COMMON,
        ("description <text>", "noop"),
        ("shutdown", "noop"),
        ("no shutdown", "noop"),
    ),
    "vlan": (*SUB_COMMON, ("name <word>", "vlan_name"), ("no name", "vlan_no_name")),
    "std-nacl": ACL_ENTRY,
    "time-range": TIME_RANGE,
    "line": (
        *SUB_COMMON,
        ("login local", "noop"),
        ("login", "noop"),
        ("transport input ssh", "noop"),
        ("transport input all", "noop"),
        ("exec-timeout <int> <int>", "line_timeout"),
        ("exec-timeout <int>", "line_timeout"),
        ("access-class <word> in", "line_acl"),
        ("no access-class <word> in", "line_no_acl"),
    ),
}
# mode -> the word in ``host(WORD)#``, for the modes whose prompt every engine spells alike
FAMILY_MODE_PROMPTS = {
    "config": "config",
    "if-range": "config-if-range",
    "vlan": "config-vlan",
    "std-nacl": "config-std-nacl",
    "ext-nacl": "config-ext-nacl",
    "time-range": "config-time-range",
    "line": "config-line",
}
INTERFACE_MODES = ("interface", "svi", "other-interface")


def command_table(own: dict[str, Rows]) -> dict[str, list[Command]]:
    """An engine's grammar: the family's rows of each mode, then the engine's own ``own``
    rows (a mode only the engine has is all its own). An own row whose pattern is a family
    row's replaces that row in place. Extended ACLs share the standard ones' grammar and an
    interface range an interface's."""
    table: dict[str, list[Command]] = {}
    for mode in {**FAMILY_COMMANDS, **own}:
        handlers = dict(FAMILY_COMMANDS.get(mode, ()))
        handlers.update(own.get(mode, ()))
        table[mode] = cmds(*handlers.items())
    table["ext-nacl"] = table["std-nacl"]
    table["if-range"] = table["interface"]
    return table


def is_numbered(name: str) -> bool:
    return name.isdigit()


def numbered_kind(number: int) -> str | None:
    if 1 <= number <= 99 or 1300 <= number <= 1999:
        return "basic"
    if 100 <= number <= 199 or 2000 <= number <= 2699:
        return "advanced"
    return None


class IosFamilySession(BaseSession):
    """One CLI session of an IOS-like engine: the handlers of every mode."""

    comment_prefix = "!"
    more_prompt = " --More-- "
    more_erase = "\b" * 10 + " " * 10 + "\b" * 10
    mode_prompts: dict[str, str] = {}  # mode -> the word in ``host(WORD)#``
    config_modes: set[str] = set()
    show_prefix = "sh"
    default_hostname = "Switch"
    reserved_vlans: dict[int, str] = {}

    def __init__(self, device: BaseDevice, username: str) -> None:
        super().__init__(device, username)
        running: DeviceConfig | None = getattr(device, "running", None)
        user = running.users.get(username) if running is not None else None
        self.mode = self.initial_mode(user)

    def initial_mode(self, user: LocalUser | None) -> str:
        """IOS puts a privilege-15 account straight into privileged EXEC."""
        return "enable" if user is not None and user.level >= 15 else "user"

    def prompt(self) -> str:
        if self.question is not None:
            return ""
        host = self.cfg.hostname
        if self.mode == "user":
            return f"{host}>"
        if self.mode == "enable":
            return f"{host}#"
        return self.config_prompt(host)

    def config_prompt(self, host: str) -> str:
        return f"{host}({self.mode_prompts[self.mode]})#"

    def format_fault(self, fault: ParseFault) -> str:
        if fault.kind == "incomplete":
            return "% Incomplete command.\n"
        if fault.kind == "ambiguous":
            return f'% Ambiguous command:  "{self.typed_line.strip()}"'
        caret = " " * (len(self.prompt()) + fault.column) + "^"
        return f"{caret}\n% Invalid input detected at '^' marker.\n"

    @property
    def dev(self) -> IosFamilyDevice:
        return self.device  # type: ignore[return-value]

    def enable_without_secret(self) -> Reply:
        return Reply("% No password set")

    def svi_vlan(self, name: str) -> int | None:
        """The VLAN of an SVI name (``Vlan10``), None for any other interface."""
        return int(name[4:]) if name.startswith("Vlan") and name[4:].isdigit() else None

    def svi_name(self, vlan: int) -> str:
        return f"Vlan{vlan}"

    def access_vlan_created(self, vlan: int) -> str:
        return f"% Access VLAN does not exist. Creating vlan {vlan}"

    def running_header(self, body: str) -> str:
        return f"Building configuration...\n\nCurrent configuration : {len(body) + 1} bytes\n"

    def parent_modes(self, mode: str) -> list[str]:
        return ["config"] if mode in self.config_modes and mode != "config" else []

    def error_at_word(self, text: str, index: int) -> ParseFault:
        words = split_words(text)
        offset = self.typed_line.find(text)
        if index >= len(words) or offset < 0:
            return ParseFault("incomplete", len(self.typed_line) + 1)
        return ParseFault("unrecognized", offset + words[index].start)

    # -- navigation --
    def noop(self, *args: Any) -> str:
        return ""

    def logout(self) -> Reply:
        return Reply("", close=True)

    def enable(self) -> Reply:
        secret = self.cfg.enable_secret
        if secret is None:
            return self.enable_without_secret()

        def attempt(tries: int) -> Callable[[str], Reply]:
            def answer(text: str) -> Reply:
                if secrets.verify(text, secret):
                    self.mode = "enable"
                    return Reply("")
                if tries + 1 >= 3:
                    return Reply("% Bad secrets\n")
                return self.ask("Password: ", attempt(tries + 1))

            return answer

        return self.ask("Password: ", attempt(0))

    def disable(self) -> str:
        self.mode = "user"
        return ""

    def configure(self) -> str:
        self.leave_to("config")
        return "Enter configuration commands, one per line.  End with CNTL/Z."

    def end(self) -> str:
        self.leave_to("enable")
        return ""

    def exit_sub(self) -> str:
        self.leave_to("config")
        return ""

    def do(self, text: str) -> Reply:
        saved_mode, saved_context = self.mode, self.context
        self.mode, self.context = "enable", {}
        offset = self.typed_line.find(text)
        self.typed_line = " " * max(offset, 0) + text
        result = self.dispatch(text)
        if self.mode == "enable":
            self.mode, self.context = saved_mode, saved_context
        if isinstance(result, ParseFault):
            result.column += max(offset, 0)
            return Reply(self.format_fault(result))
        return result

    def enter(self, mode: str, **context: Any) -> str:
        self.mode = mode
        self.context = context
        return ""

    def write_memory(self) -> str:
        self.device.save()
        return "Building configuration...\n[OK]"

    # -- global config --
    def hostname(self, name: str) -> str:
        self.cfg.hostname = name
        return ""

    def no_hostname(self) -> str:
        self.cfg.hostname = self.default_hostname
        return ""

    def enter_vlan(self, vlans: set[int]) -> str:
        for vlan in sorted(vlans):
            if vlan in self.reserved_vlans:
                return f"%Default VLAN {vlan} may not be deleted or modified."
        for vlan in vlans:
            self.cfg.vlans.setdefault(vlan, Vlan(vlan))
        self.cfg.vlans = dict(sorted(self.cfg.vlans.items()))
        return self.enter("vlan", vlans=sorted(vlans))

    def no_vlan(self, vlans: set[int]) -> str:
        if 1 in vlans:
            return "%Default VLAN 1 may not be deleted."
        for vlan in vlans:
            self.cfg.vlans.pop(vlan, None)
        return ""

    def enter_interface(self, name: str) -> str:
        vlan = self.svi_vlan(name)
        if vlan is not None:
            if not 1 <= vlan <= 4094:
                return self.format_fault(self.error_at_word(self.typed_line, 1))
            self.cfg.vlanifs.setdefault(vlan, VlanIf(vlan))
            self.cfg.vlanifs = dict(sorted(self.cfg.vlanifs.items()))
            return self.enter("svi", name=name, vlan=vlan)
        if name in self.cfg.interfaces:
            return self.enter("interface", name=name)
        return self.enter("other-interface", name=name)

    def enter_interface_range(self, text: str) -> str | ParseFault:
        """``interface range gi1/0/1 - 4, gi1/0/6``: later lines apply to each port."""
        names: list[str] = []
        for part in text.split(","):
            match = re.match(r"^\s*(\S*?)(\d+/)*(\d+)\s*(?:-\s*(\d+))?\s*$", part)
            first = self.resolve_interface(part.split("-")[0].strip()) if match else None
            if match is None or first is None:
                return self.error_at_word(text, 0)
            stem = first[: len(first) - len(match.group(3))]
            last = int(match.group(4) or match.group(3))
            for number in range(int(match.group(3)), last + 1):
                if stem + str(number) not in self.cfg.interfaces:
                    return self.error_at_word(text, len(text.split()) - 1)
                names.append(stem + str(number))
        return self.enter("if-range", names=names)

    def dispatch(self, line: str) -> Reply | ParseFault:
        if self.mode != "if-range":
            return super().dispatch(line)
        names: list[str] = self.context["names"]
        first = match_command(self.commands["if-range"], line, self.resolve_interface)
        if isinstance(first, ParseFault) or first.command.handler in ("exit_sub", "end", "do"):
            return super().dispatch(line)
        outputs: list[str] = []
        for name in names:
            self.mode, self.context = "interface", {"name": name}
            result = super().dispatch(line)
            if isinstance(result, Reply) and result.output and result.output not in outputs:
                outputs.append(result.output)
        self.mode, self.context = "if-range", {"names": names}
        return Reply("\n".join(outputs))

    def no_interface(self, name: str) -> str:
        vlan = self.svi_vlan(name)
        if vlan is not None:
            self.cfg.vlanifs.pop(vlan, None)
            return ""
        return "% Physical interface cannot be removed"

    def route(self, prefix: str, mask: str, next_hop: str, distance: int | None = None) -> str:
        self.no_route(prefix, mask, next_hop)
        self.cfg.static_routes.append(StaticRoute(prefix, mask, next_hop, distance))
        return ""

    def no_route(self, prefix: str, mask: str, next_hop: str | None = None) -> str:
        self.cfg.static_routes = [
            r
            for r in self.cfg.static_routes
            if not (r.prefix == prefix and r.mask == mask and next_hop in (None, r.next_hop))
        ]
        return ""

    def enter_named_acl_std(self, name: str) -> str:
        return self._enter_acl(name, "basic")

    def enter_named_acl_ext(self, name: str) -> str:
        return self._enter_acl(name, "advanced")

    def _enter_acl(self, name: str, kind: str) -> str:
        if name.isdigit() and numbered_kind(int(name)) not in (None, kind):
            return f"% {name} is not a {'standard' if kind == 'basic' else 'extended'} ACL"
        acl = self.cfg.acls.get(name)
        if acl is None:
            acl = self.cfg.acls[name] = Acl(name, kind)
        elif acl.kind != kind:
            return (
                f"% A named {'extended' if acl.kind == 'advanced' else 'standard'} IP access "
                f"list with this name already exists"
            )
        return self.enter("std-nacl" if kind == "basic" else "ext-nacl", acl=acl)

    def no_acl(self, name: str) -> str:
        self.cfg.acls.pop(name, None)
        return ""

    def numbered_acl(self, number: int, text: str) -> str | ParseFault:
        kind = numbered_kind(number)
        if kind is None:
            return self.error_at_word(self.typed_line, 1)
        acl = self.cfg.acls.setdefault(str(number), Acl(str(number), kind))
        words = text.split()
        if words and words[0].lower() == "remark":
            acl.description = text.split(maxsplit=1)[1] if len(words) > 1 else ""
            return ""
        parsed = acl_text.parse_ios_entry(words, kind == "advanced", acl.next_id(10))
        if isinstance(parsed, acl_text.RuleFault):
            if not acl.rules:
                self.cfg.acls.pop(str(number), None)
            return self.rule_fault(text, parsed)
        acl.put(parsed)
        return ""

    def rule_fault(self, text: str, fault: acl_text.RuleFault) -> ParseFault:
        words = split_words(text)
        offset = self.typed_line.find(text)
        if fault.word >= len(words) or offset < 0:
            return ParseFault("incomplete", len(self.typed_line) + 1)
        return ParseFault("unrecognized", offset + words[fault.word].start)

    def no_numbered_acl(self, number: int) -> str:
        self.cfg.acls.pop(str(number), None)
        return ""

    def acl_entry(self, text: str) -> str | ParseFault:
        return self._acl_entry(self.typed_line.strip())

    def acl_entry_seq(self, sequence: int, text: str) -> str | ParseFault:
        return self._acl_entry(self.typed_line.strip())

    def _acl_entry(self, text: str) -> str | ParseFault:
        acl: Acl = self.context["acl"]
        parsed = acl_text.parse_ios_entry(text.split(), acl.kind == "advanced", acl.next_id(10))
        if isinstance(parsed, acl_text.RuleFault):
            return self.rule_fault(text, parsed)
        if acl.rule(parsed.id) is not None and not self.loading:
            return "% Duplicate sequence number"
        acl.put(parsed)
        return ""

    def acl_no_entry(self, sequence: int) -> str:
        acl: Acl = self.context["acl"]
        acl.rules = [r for r in acl.rules if r.id != sequence]
        return ""

    def acl_no_entry_text(self, text: str) -> str | ParseFault:
        """``no deny tcp any any eq 445``: the entry with that meaning goes, whatever its
        sequence number (names and numbers of ports alike)."""
        acl: Acl = self.context["acl"]
        typed = self.typed_line.strip().split()[1:]
        parsed = acl_text.parse_ios_entry(typed, acl.kind == "advanced", 0)
        if isinstance(parsed, acl_text.RuleFault):
            return self.rule_fault(" ".join(typed), parsed)
        for rule in acl.rules:
            if replace(rule, id=0) == parsed:
                acl.rules.remove(rule)
                break
        return ""

    def acl_remark(self, text: str) -> str:
        self.context["acl"].description = text
        return ""

    def acl_no_remark(self, text: str) -> str:
        acl: Acl = self.context["acl"]
        if acl.description == text:
            acl.description = ""
        return ""

    def enter_time_range(self, name: str) -> str:
        time_range = self.cfg.time_ranges.setdefault(name, TimeRange(name))
        return self.enter("time-range", time_range=time_range)

    def no_time_range(self, name: str) -> str:
        self.cfg.time_ranges.pop(name, None)
        return ""

    def tr_periodic(self, text: str) -> str | ParseFault:
        parsed = acl_text.parse_ios_periodic(text.split())
        if isinstance(parsed, acl_text.RuleFault):
            return self.rule_fault(text, parsed)
        time_range: TimeRange = self.context["time_range"]
        if parsed not in time_range.periodic:
            time_range.periodic.append(parsed)
        return ""

    def tr_absolute(self, text: str) -> str | ParseFault:
        parsed = acl_text.parse_ios_absolute(text.split())
        if isinstance(parsed, acl_text.RuleFault):
            return self.rule_fault(text, parsed)
        self.context["time_range"].absolute = [parsed]
        return ""

    def tr_no_periodic(self, text: str) -> str:
        parsed = acl_text.parse_ios_periodic(text.split())
        time_range: TimeRange = self.context["time_range"]
        if not isinstance(parsed, acl_text.RuleFault) and parsed in time_range.periodic:
            time_range.periodic.remove(parsed)
        return ""

    def tr_no_absolute(self) -> str:
        self.context["time_range"].absolute = []
        return ""

    def _secret(self, text: str) -> str | None:
        words = text.split()
        if len(words) == 2 and words[0] in ("0", "5", "8", "9", "7"):
            value = words[1]
            if words[0] == "0":
                return self.device.hash_password(value)
            return value if secrets.is_hash(value) else None
        if len(words) == 1:
            return self.device.hash_password(words[0])
        return None

    def username_level(self, name: str, level: int, text: str) -> str | ParseFault:
        stored = self._secret(text)
        if stored is None:
            return self.error_at_word(self.typed_line, 4)
        if not 0 <= level <= 15:
            return self.error_at_word(self.typed_line, 3)
        self.cfg.users[name] = LocalUser(name, stored, level, {"ssh"})
        return ""

    def username_secret(self, name: str, text: str) -> str | ParseFault:
        stored = self._secret(text)
        if stored is None:
            return self.error_at_word(self.typed_line, 2)
        level = self.cfg.users[name].level if name in self.cfg.users else 1
        self.cfg.users[name] = LocalUser(name, stored, level, {"ssh"})
        return ""

    def no_username(self, name: str) -> str:
        self.cfg.users.pop(name, None)
        return ""

    def enable_secret(self, text: str) -> str | ParseFault:
        stored = self._secret(text)
        if stored is None:
            return self.error_at_word(self.typed_line, 2)
        self.cfg.enable_secret = stored
        return ""

    def no_enable_secret(self) -> str:
        self.cfg.enable_secret = None
        return ""

    def domain_name(self, name: str) -> str:
        self.cfg.management.domain_name = name
        return ""

    def no_domain_name(self) -> str:
        self.cfg.management.domain_name = ""
        return ""

    def snmp_ro(self, community: str) -> str:
        return self.set_snmp_community(community, "RO")

    def snmp_rw(self, community: str) -> str:
        return self.set_snmp_community(community, "RW")

    def enter_vty(self, first: int, last: int) -> str:
        return self.enter("line", line=f"vty {first} {last}")

    def enter_con(self, number: int) -> str:
        return self.enter("line", line=f"con {number}")

    def line_timeout(self, minutes: int, seconds: int = 0) -> str:
        if self.context.get("line", "").startswith("vty"):
            self.cfg.management.idle_timeout_minutes = minutes
        return ""

    def line_acl(self, name: str) -> str:
        self.cfg.management.vty_acl = name
        return ""

    def line_no_acl(self, name: str) -> str:
        self.cfg.management.vty_acl = None
        return ""

    # -- interfaces (the view, description and shutdown: BaseSession) --
    def if_access(self) -> str:
        intf = self.intf
        if intf.link_type is not LinkType.ACCESS:
            intf.link_type = LinkType.ACCESS
            intf.pvid = self.context.get("access_vlan", 1)
            intf.allowed_vlans = set()
        return ""

    def if_trunk(self) -> str:
        intf = self.intf
        if intf.link_type is not LinkType.TRUNK:
            self.context["access_vlan"] = intf.pvid
            intf.link_type = LinkType.TRUNK
            intf.pvid = self.context.get("native_vlan", 1)
            intf.allowed_vlans = set(self.context.get("pending_allowed", ALL_VLANS))
        return ""

    def if_access_vlan(self, vlan: int) -> str:
        intf = self.intf
        created = ""
        if vlan not in self.cfg.vlans:
            self.cfg.vlans[vlan] = Vlan(vlan)
            self.cfg.vlans = dict(sorted(self.cfg.vlans.items()))
            if not self.loading:
                created = self.access_vlan_created(vlan)
        self.context["access_vlan"] = vlan
        if intf.link_type is LinkType.ACCESS:
            intf.pvid = vlan
        return created

    def if_no_access_vlan(self) -> str:
        self.context["access_vlan"] = 1
        if self.intf.link_type is LinkType.ACCESS:
            self.intf.pvid = 1
        return ""

    def if_native(self, vlan: int) -> str:
        self.context["native_vlan"] = vlan
        if self.intf.link_type is LinkType.TRUNK:
            self.intf.pvid = vlan
        return ""

    def if_no_native(self) -> str:
        if self.intf.link_type is LinkType.TRUNK:
            self.intf.pvid = 1
        return ""

    def _trunk_allowed(self) -> set[int]:
        intf = self.intf
        if intf.link_type is not LinkType.TRUNK:
            # IOS keeps the allowed list for when the port becomes a trunk.
            return self.context.setdefault("pending_allowed", set(ALL_VLANS))
        return intf.allowed_vlans

    def _set_allowed(self, vlans: set[int]) -> str:
        if self.intf.link_type is LinkType.TRUNK:
            self.intf.allowed_vlans = vlans
        else:
            self.context["pending_allowed"] = vlans
        return ""

    def if_allowed(self, vlans: set[int]) -> str:
        return self._set_allowed(set(vlans))

    def if_allowed_add(self, vlans: set[int]) -> str:
        return self._set_allowed(self._trunk_allowed() | vlans)

    def if_allowed_remove(self, vlans: set[int]) -> str:
        return self._set_allowed(self._trunk_allowed() - vlans)

    def if_allowed_except(self, vlans: set[int]) -> str:
        return self._set_allowed(ALL_VLANS - vlans)

    def if_allowed_all(self) -> str:
        return self._set_allowed(set(ALL_VLANS))

    def if_allowed_none(self) -> str:
        return self._set_allowed(set())

    def if_acl_in(self, name: str) -> str:
        self._target().acl_in = name
        return ""

    def if_acl_out(self, name: str) -> str:
        self._target().acl_out = name
        return ""

    def if_no_acl_in(self, name: str | None = None) -> str:
        self._target().acl_in = None
        return ""

    def if_no_acl_out(self, name: str | None = None) -> str:
        self._target().acl_out = None
        return ""

    def svi_ip(self, ip: str, mask: str) -> str:
        svi = self.cfg.vlanifs[self.context["vlan"]]
        try:
            network = VlanIf(0, ip=ip, mask=mask).network()
        except ValueError:
            return "% Bad mask /" + mask + " for address " + ip
        for other in self.cfg.vlanifs.values():
            other_net = other.network()
            if (
                other is not svi
                and other_net is not None
                and network is not None
                and other_net.overlaps(network)
            ):
                return f"% {other_net.network_address} overlaps with {self.svi_name(other.vlan)}"
        svi.ip, svi.mask = ip, mask
        return ""

    def svi_no_ip(self, ip: str | None = None, mask: str | None = None) -> str:
        svi = self.cfg.vlanifs[self.context["vlan"]]
        svi.ip = svi.mask = None
        return ""

    def svi_helper(self, ip: str) -> str:
        svi = self.cfg.vlanifs[self.context["vlan"]]
        if ip not in svi.dhcp_relay_servers:
            svi.dhcp_relay_servers.append(ip)
        return ""

    def svi_no_helper(self, ip: str) -> str:
        svi = self.cfg.vlanifs[self.context["vlan"]]
        if ip in svi.dhcp_relay_servers:
            svi.dhcp_relay_servers.remove(ip)
        return ""

    def vlan_name(self, name: str) -> str:
        for vlan in self.context["vlans"]:
            self.cfg.vlans[vlan].name = name
        return ""

    def vlan_no_name(self) -> str:
        for vlan in self.context["vlans"]:
            self.cfg.vlans[vlan].name = ""
        return ""

    # -- shows --
    def show_running(self) -> str:
        body = self.dev.render_config(self.cfg)
        return self.running_header(body) + body

    def show_running_interface(self, name: str) -> str:
        block = config_block(self.dev.render_config(self.cfg), f"interface {name}")
        if not block:
            return self.format_fault(self.error_at_word(self.typed_line, 3))
        body = "\n".join(["!", *block, "end"])
        return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n{body}"

    def show_startup(self) -> str:
        body = self.dev.render_config(self.device.saved)
        return f"Using {len(body) + 1} out of 524288 bytes\n{body}"

    def show_version(self) -> str:
        return self.dev.show_version()

    def show_vlan(self) -> str:
        return self.dev.show_vlan()

    def show_interfaces_status(self) -> str:
        return self.dev.show_interfaces_status()

    def show_mac(self) -> str:
        return self.dev.show_mac()

    def show_mac_vlan(self, vlan: int) -> str:
        return self.dev.show_mac(vlan=vlan)

    def show_mac_interface(self, port: str) -> str:
        return self.dev.show_mac(port=port)

    def show_mac_address(self, text: str) -> str:
        mac = normalise_mac(text)
        if mac is None:
            return self.format_fault(ParseFault("unrecognized", self.typed_line.rfind(text)))
        return self.dev.show_mac(mac=mac)

    def show_arp(self, ip: str | None = None) -> str:
        return self.dev.show_arp(ip)

    def show_access_lists(self) -> str:
        return self.dev.show_access_lists()

    def show_ip_interface_brief(self) -> str:
        return self.dev.show_ip_interface_brief()

    def show_privilege(self) -> str:
        level = 15 if self.mode != "user" else 1
        return f"Current privilege level is {level}"

    def show_time_range(self, name: str | None = None) -> str:
        now = self.device.now()
        used = {r.time_range for a in self.cfg.acls.values() for r in a.rules}
        out: list[str] = []
        for time_range in self.cfg.time_ranges.values():
            if name not in (None, time_range.name):
                continue
            state = "active" if time_range.active(now) else "inactive"
            out.append(f"time-range entry: {time_range.name} ({state})")
            for part in time_range.parts(absolute_first=True):
                out.append("   " + acl_text.render_ios_time_part(part))
            if time_range.name in used:
                out.append("   used in: IP ACL entry")
        return "\n".join(out)


class IosFamilyDevice(BaseDevice):
    """A switch of the IOS-like family: an implicit ``deny any`` at the end of every ACL,
    the saved configuration loaded by typing it into the CLI."""

    session_class: type[IosFamilySession] = IosFamilySession
    default_service_types = ("ssh",)
    has_enable_secret = True
    acl_default_permit = False
    skip_prefixes: tuple[str, ...] = ()  # configuration lines that are not commands

    def parse_config(self, text: str) -> DeviceConfig:
        session = self.session_class(self, "startup")
        session.loading = True
        target = DeviceConfig(hostname=self.spec.hostname, users={}, acl_default_permit=False)
        self.ensure_interfaces(target)
        session.target = target
        session.mode = "config"
        self.type_config(session, text, "config", "%", self.skip_ios_line)
        self.after_load(target)
        return target

    def skip_ios_line(self, line: str) -> bool:
        return line == "!" or line.startswith(self.skip_prefixes)

    def after_load(self, config: DeviceConfig) -> None:
        """What a loaded configuration needs beyond its lines (e.g. defaults it prints)."""

    # -- configuration blocks every IOS-like engine prints alike --
    def render_vlans(self, config: DeviceConfig, skip: tuple[int, ...] = ()) -> list[str]:
        out: list[str] = []
        for vlan in config.vlans.values():
            if vlan.id in skip:
                continue
            out.append(f"vlan {vlan.id}")
            if vlan.name:
                out.append(f" name {vlan.name}")
            out.append("!")
        return out

    def render_interface(self, intf: Interface) -> list[str]:
        raise NotImplementedError

    def render_interfaces(self, config: DeviceConfig) -> list[str]:
        out: list[str] = []
        for intf in config.interfaces.values():
            out.append(f"interface {intf.name}")
            out += [" " + line for line in self.render_interface(intf)]
            out.append("!")
        return out

    def render_port_tail(self, port: Interface | VlanIf) -> list[str]:
        """A port's or VLAN interface's ACL bindings and ``shutdown``, its last lines."""
        out: list[str] = []
        if port.acl_in:
            out.append(f"ip access-group {port.acl_in} in")
        if port.acl_out:
            out.append(f"ip access-group {port.acl_out} out")
        if port.shutdown:
            out.append("shutdown")
        return out

    def render_svi(self, svi: VlanIf, name: str, no_address: bool = False) -> list[str]:
        """``interface NAME`` of VLAN interface ``svi``; ``no_address``: IOS prints
        ``no ip address`` when it has none."""
        out = [f"interface {name}"]
        if svi.description:
            out.append(f" description {svi.description}")
        if svi.ip and svi.mask:
            out.append(f" ip address {svi.ip} {svi.mask}")
        elif no_address:
            out.append(" no ip address")
        out += [f" ip helper-address {ip}" for ip in svi.dhcp_relay_servers]
        out += [" " + line for line in self.render_port_tail(svi)]
        out.append("!")
        return out

    def render_routes(self, config: DeviceConfig) -> list[str]:
        out: list[str] = []
        for route in config.static_routes:
            line = f"ip route {route.prefix} {route.mask} {route.next_hop}"
            if route.preference is not None:
                line += f" {route.preference}"
            out.append(line)
        return [*out, "!"] if out else []

    def render_time_ranges(self, config: DeviceConfig) -> list[str]:
        out: list[str] = []
        for time_range in config.time_ranges.values():
            out.append(f"time-range {time_range.name}")
            for part in time_range.parts(absolute_first=True):
                out.append(" " + acl_text.render_ios_time_part(part))
            out.append("!")
        return out

    def render_vty_limits(self, config: DeviceConfig) -> list[str]:
        """A VTY block's login ACL and idle timeout (10 minutes, the default, unprinted)."""
        mgmt, out = config.management, []
        if mgmt.vty_acl:
            out.append(f" access-class {mgmt.vty_acl} in")
        if mgmt.idle_timeout_minutes != 10:
            out.append(f" exec-timeout {mgmt.idle_timeout_minutes} 0")
        return out

    def arp_rows(
        self, only: str | None, no_age: str, interface: Callable[[int, ArpEntry | None], str]
    ) -> list[tuple[str, str, str, str]]:
        """The ARP table's rows (address, age, dotted MAC, interface) by address: the
        switch's own VLAN interface addresses (age ``no_age``) and the entries the lab's
        host reports; ``interface(vlan, entry)`` names the interface (entry None: the
        switch's own); ``only``: that address's row alone."""
        own_mac = self.mac_dotted(".", 4)
        rows: list[tuple[str, str, str, str]] = []
        for svi in self.running.vlanifs.values():
            if svi.ip and not svi.shutdown:
                rows.append((svi.ip, no_age, own_mac, interface(svi.vlan, None)))
        for entry in self.host.arp_table():
            mac = entry.mac.replace(":", "")
            age = str(entry.age_minutes) if entry.kind == "dynamic" else no_age
            dotted = f"{mac[0:4]}.{mac[4:8]}.{mac[8:12]}"
            rows.append((entry.ip, age, dotted, interface(entry.vlan, entry)))
        rows = [row for row in rows if only in (None, row[0])]
        return sorted(rows, key=lambda r: tuple(map(int, r[0].split("."))))

    # -- the engine's output formats --
    def show_version(self) -> str:
        raise NotImplementedError

    def show_vlan(self) -> str:
        raise NotImplementedError

    def show_interfaces_status(self) -> str:
        raise NotImplementedError

    def show_mac(self, **filters: Any) -> str:
        raise NotImplementedError

    def show_arp(self, only: str | None = None) -> str:
        raise NotImplementedError

    def show_access_lists(self) -> str:
        raise NotImplementedError

    def show_ip_interface_brief(self) -> str:
        raise NotImplementedError
