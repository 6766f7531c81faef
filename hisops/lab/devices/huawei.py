"""Huawei VRP (S-series campus switches, VRP 5.170 V200R0xx) CLI engine.

Auto-revert on VRP: the S-series (VRP5) applies every command immediately and has no
commit-confirm. The two-stage ``commit trial <seconds>`` / ``abort trial`` mechanism
belongs to VRP8 (CloudEngine, NetEngine), whose netmiko driver is ``huawei_vrpv8``, not
``huawei``. What S-series operators actually use as a safety net is a scheduled reboot
to the saved configuration: ``schedule reboot delay HH:MM`` before a risky change,
``undo schedule reboot`` once the change is proven (and ``save``d). This engine
implements exactly that, with the real confirmation dialogs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hisops.lab.contract import Reply
from hisops.lab.devices import acl_text, secrets
from hisops.lab.devices.base import (
    BaseDevice,
    BaseSession,
    Command,
    ConfigLoadError,
    ParseFault,
    apply_output_filter,
    config_block,
    normalise_mac,
    resolve_interface_name,
    split_pipe,
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
    format_vlan_list_vrp,
    vlan_runs,
)

ALL_VLANS = set(range(1, 4095))


def cmds(*pairs: tuple[str, str]) -> list[Command]:
    return [Command(pattern, handler) for pattern, handler in pairs]


DISPLAY = (
    ("display current-configuration", "show_current"),
    ("display current-configuration interface <if>", "show_current_interface"),
    ("display saved-configuration", "show_saved"),
    ("display this", "show_this"),
    ("display version", "show_version"),
    ("display device", "show_device"),
    ("display vlan", "show_vlan"),
    ("display interface brief", "show_interface_brief"),
    ("display interface", "show_interface"),
    ("display interface <if>", "show_interface"),
    ("display mac-address", "show_mac"),
    ("display mac-address dynamic", "show_mac"),
    ("display mac-address vlan <vlan>", "show_mac_vlan"),
    ("display mac-address <word>", "show_mac_where"),
    ("display arp", "show_arp"),
    ("display arp all", "show_arp"),
    ("display arp brief", "show_arp"),
    ("display acl all", "show_acl_all"),
    ("display acl <int>", "show_acl"),
    ("display schedule reboot", "show_schedule_reboot"),
    ("display clock", "show_clock"),
    ("display esn", "show_esn"),
    ("display port vlan", "show_port_vlan"),
    ("display time-range all", "show_time_ranges"),
    ("display time-range <word>", "show_time_ranges"),
)

CONFIG_COMMON = (
    ("quit", "quit"),
    ("return", "do_return"),
    ("save", "save"),
)

HUAWEI_COMMANDS: dict[str, list[Command]] = {
    "user": cmds(
        *DISPLAY,
        ("system-view", "system_view"),
        ("quit", "quit"),
        ("screen-length <int> temporary", "set_screen_length"),
        ("screen-width <int>", "noop"),
        ("save", "save"),
        ("reboot", "reboot"),
        ("schedule reboot delay <time>", "schedule_reboot_delay"),
        ("schedule reboot at <time>", "schedule_reboot_at"),
        ("schedule reboot at <time> <date>", "schedule_reboot_at"),
        ("undo schedule reboot", "undo_schedule_reboot"),
        ("reset saved-configuration", "reset_saved"),
    ),
    "system": cmds(
        *DISPLAY,
        *CONFIG_COMMON,
        ("sysname <word>", "sysname"),
        ("undo sysname", "undo_sysname"),
        ("vlan <vlan>", "enter_vlan"),
        ("vlan batch <vlans>", "vlan_batch"),
        ("undo vlan <vlan>", "undo_vlan"),
        ("undo vlan batch <vlans>", "undo_vlan_batch"),
        ("interface <if>", "enter_interface"),
        ("undo interface <if>", "undo_interface"),
        ("ip route-static <ip> <mask> <ip>", "route"),
        ("ip route-static <ip> <mask> <ip> preference <int>", "route"),
        ("ip route-static <ip> <mask> <ip> description <text>", "route_description"),
        ("undo ip route-static <ip> <mask> <ip>", "undo_route"),
        ("undo ip route-static <ip> <mask>", "undo_route"),
        ("acl <int>", "enter_acl"),
        ("acl number <int>", "enter_acl"),
        ("acl name <word> <int>", "enter_named_acl"),
        ("undo acl <int>", "undo_acl"),
        ("undo acl number <int>", "undo_acl"),
        ("undo acl all", "undo_acl_all"),
        ("time-range <word> <text>", "time_range"),
        ("undo time-range <word>", "undo_time_range"),
        ("undo time-range all", "undo_time_range_all"),
        ("aaa", "enter_aaa"),
        ("stelnet server enable", "ssh_enable"),
        ("undo stelnet server enable", "ssh_disable"),
        ("telnet server enable", "telnet_enable"),
        ("undo telnet server enable", "telnet_disable"),
        ("ntp-service unicast-server <ip>", "ntp_server"),
        ("undo ntp-service unicast-server <ip>", "remove_ntp_server"),
        ("info-center loghost <ip>", "log_host"),
        ("undo info-center loghost <ip>", "remove_log_host"),
        ("snmp-agent community read <word>", "snmp_read"),
        ("snmp-agent community write <word>", "snmp_write"),
        ("undo snmp-agent community <word>", "remove_snmp_community"),
        ("dhcp enable", "noop"),
        ("user-interface vty <int> <int>", "enter_vty"),
    ),
    "interface": cmds(
        *DISPLAY,
        *CONFIG_COMMON,
        ("description <text>", "if_description"),
        ("undo description", "if_undo_description"),
        ("shutdown", "if_shutdown"),
        ("undo shutdown", "if_undo_shutdown"),
        ("port link-type access", "if_access"),
        ("port link-type trunk", "if_trunk"),
        ("port link-type hybrid", "if_hybrid"),
        ("undo port link-type", "if_undo_link_type"),
        ("port default vlan <vlan>", "if_default_vlan"),
        ("undo port default vlan", "if_undo_default_vlan"),
        ("port trunk allow-pass vlan all", "if_trunk_allow_all"),
        ("port trunk allow-pass vlan <vlans>", "if_trunk_allow"),
        ("undo port trunk allow-pass vlan all", "if_trunk_undo_allow_all"),
        ("undo port trunk allow-pass vlan <vlans>", "if_trunk_undo_allow"),
        ("port trunk pvid vlan <vlan>", "if_trunk_pvid"),
        ("undo port trunk pvid vlan", "if_undo_trunk_pvid"),
        ("port hybrid pvid vlan <vlan>", "if_hybrid_pvid"),
        ("undo port hybrid pvid vlan", "if_undo_hybrid_pvid"),
        ("port hybrid tagged vlan <vlans>", "if_hybrid_tagged"),
        ("undo port hybrid tagged vlan <vlans>", "if_undo_hybrid_tagged"),
        ("port hybrid untagged vlan <vlans>", "if_hybrid_untagged"),
        ("undo port hybrid untagged vlan <vlans>", "if_undo_hybrid_untagged"),
        ("traffic-filter inbound acl <int>", "if_filter_in"),
        ("traffic-filter outbound acl <int>", "if_filter_out"),
        # S-series interface view: the undo form names the ACL again (the argument-less
        # form is traffic-profile/AR syntax and is refused here as incomplete).
        ("undo traffic-filter inbound acl <int>", "if_undo_filter_in"),
        ("undo traffic-filter outbound acl <int>", "if_undo_filter_out"),
    ),
    "vlanif": cmds(
        *DISPLAY,
        *CONFIG_COMMON,
        ("description <text>", "if_description"),
        ("undo description", "if_undo_description"),
        ("shutdown", "if_shutdown"),
        ("undo shutdown", "if_undo_shutdown"),
        ("ip address <ip> <mask>", "vif_ip"),
        ("undo ip address", "vif_undo_ip"),
        ("undo ip address <ip> <mask>", "vif_undo_ip"),
        ("traffic-filter inbound acl <int>", "if_filter_in"),
        ("traffic-filter outbound acl <int>", "if_filter_out"),
        # S-series interface view: the undo form names the ACL again (the argument-less
        # form is traffic-profile/AR syntax and is refused here as incomplete).
        ("undo traffic-filter inbound acl <int>", "if_undo_filter_in"),
        ("undo traffic-filter outbound acl <int>", "if_undo_filter_out"),
        ("dhcp select relay", "noop"),
        ("dhcp relay server-ip <ip>", "vif_relay"),
        ("undo dhcp relay server-ip <ip>", "vif_undo_relay"),
    ),
    "other-interface": cmds(*DISPLAY, *CONFIG_COMMON, ("description <text>", "noop")),
    "vlan": cmds(
        *DISPLAY,
        *CONFIG_COMMON,
        ("name <text>", "vlan_name"),
        ("undo name", "vlan_undo_name"),
        ("description <text>", "vlan_description"),
        ("undo description", "vlan_undo_description"),
    ),
    "acl": cmds(
        *DISPLAY,
        *CONFIG_COMMON,
        ("rule <text>", "acl_rule"),
        ("undo rule <int>", "acl_undo_rule"),
        ("description <text>", "acl_description"),
        ("undo description", "acl_undo_description"),
    ),
    "aaa": cmds(
        *DISPLAY,
        *CONFIG_COMMON,
        ("local-user <word> password irreversible-cipher <word>", "user_password"),
        ("local-user <word> password cipher <word>", "user_password"),
        ("local-user <word> privilege level <int>", "user_level"),
        ("local-user <word> service-type <text>", "user_services"),
        ("undo local-user <word>", "undo_user"),
        ("authentication-scheme <word>", "noop"),
        ("authorization-scheme <word>", "noop"),
        ("accounting-scheme <word>", "noop"),
        ("domain <word>", "noop"),
    ),
    "vty": cmds(
        *DISPLAY,
        *CONFIG_COMMON,
        ("authentication-mode aaa", "noop"),
        ("protocol inbound ssh", "noop"),
        ("protocol inbound all", "noop"),
        ("user privilege level <int>", "noop"),
        ("idle-timeout <int>", "vty_idle"),
        ("idle-timeout <int> <int>", "vty_idle"),
        ("acl <int> inbound", "vty_acl"),
        ("undo acl inbound", "vty_undo_acl"),
    ),
}

HUAWEI_TYPES = {
    "GigabitEthernet": ["GE"],
    "XGigabitEthernet": ["XGE"],
    "Ethernet": ["Eth"],
    "Eth-Trunk": [],
    "Vlanif": [],
    "MEth": [],
    "LoopBack": ["Loop"],
    "NULL": [],
}
HUAWEI_VIRTUAL = ("Vlanif", "LoopBack", "NULL", "Eth-Trunk")
HUAWEI_SHORT = {
    "GigabitEthernet": "GE",
    "XGigabitEthernet": "XGE",
    "Ethernet": "Eth",
    "MEth": "MEth",
}

FAULT_TEXT = {
    "unrecognized": "Unrecognized command",
    "incomplete": "Incomplete command",
    "ambiguous": "Ambiguous command",
    "too_many": "Too many parameters",
    "wrong_parameter": "Wrong parameter",
}


def short_name(name: str, table: dict[str, str] = HUAWEI_SHORT) -> str:
    for full in sorted(table, key=len, reverse=True):
        if name.startswith(full):
            return table[full] + name[len(full) :]
    return name


class HuaweiSession(BaseSession):
    commands = HUAWEI_COMMANDS
    error_prefix = "Error: "
    system_prompt_word = "system-view"
    device: HuaweiDevice
    # VRP wipes its More prompt with ESC[42D, 42 spaces, ESC[42D (netmiko strips ESC[nD).
    more_erase = "\x1b[42D" + " " * 42 + "\x1b[42D"

    def __init__(self, device: BaseDevice, username: str) -> None:
        super().__init__(device, username)
        self.target: DeviceConfig | None = None

    @property
    def cfg(self) -> DeviceConfig:
        return self.target if self.target is not None else self.device.running

    # -- text --
    def login_banner(self) -> str:
        now = self.device.now()
        return (
            "\nInfo: The max number of VTY users is 5, and the number\n"
            "      of current VTY users on line is 1.\n"
            f"      The current login time is {now:%Y-%m-%d %H:%M:%S}.\n"
        )

    def prompt(self) -> str:
        if self.question is not None:
            return ""
        host = self.cfg.hostname
        if self.mode == "user":
            return f"<{host}>"
        view = self.view_name()
        return f"[{host}-{view}]" if view else f"[{host}]"

    def view_name(self) -> str:
        mode, ctx = self.mode, self.context
        if mode in ("interface", "vlanif", "other-interface"):
            return ctx["name"]
        if mode == "vlan":
            return f"vlan{ctx['vlan']}"
        if mode == "acl":
            kind = "basic" if ctx["acl"].kind == "basic" else "adv"
            return f"acl-{kind}-{ctx['acl'].label or ctx['acl'].name}"
        if mode == "aaa":
            return "aaa"
        if mode == "vty":
            return f"ui-vty{ctx['first']}-{ctx['last']}"
        return ""

    def format_fault(self, fault: ParseFault) -> str:
        caret = " " * (len(self.prompt()) + fault.column) + "^"
        return f"{caret}\n{self.error_prefix}{FAULT_TEXT[fault.kind]} found at '^' position."

    def error(self, text: str) -> str:
        return f"{self.error_prefix}{text}"

    def resolve_interface(self, typed: str) -> str | None:
        return resolve_interface_name(
            typed, HUAWEI_TYPES, self.cfg.interfaces.keys(), HUAWEI_VIRTUAL
        )

    def parent_modes(self, mode: str) -> list[str]:
        return ["system"] if mode not in ("user", "system") else []

    def execute(self, line: str) -> Reply:
        command, pipe = split_pipe(line)
        if pipe is not None and command.strip().lower().startswith("dis"):
            reply = super().execute(command)
            return Reply(apply_output_filter(reply.output, "pipe", *pipe), reply.close)
        return super().execute(line)

    # -- navigation --
    def noop(self, *args: Any) -> str:
        return ""

    def system_view(self) -> str:
        self.leave_to("system")
        return "Enter system view, return user view with Ctrl+Z."

    def quit(self) -> Reply:
        if self.mode == "user":
            return Reply("", close=True)
        self.leave_to("user" if self.mode == "system" else "system")
        return Reply("")

    def do_return(self) -> str:
        self.leave_to("user")
        return ""

    def enter(self, mode: str, **context: Any) -> str:
        self.mode = mode
        self.context = context
        return ""

    # -- system view --
    def sysname(self, name: str) -> str:
        self.cfg.hostname = name
        return ""

    def undo_sysname(self) -> str:
        self.cfg.hostname = "HUAWEI"
        return ""

    def create_vlans(self, vlans: set[int]) -> None:
        for vlan in sorted(vlans):
            self.cfg.vlans.setdefault(vlan, Vlan(vlan))
        self.cfg.vlans = dict(sorted(self.cfg.vlans.items()))

    def enter_vlan(self, vlan: int) -> str:
        self.create_vlans({vlan})
        return self.enter("vlan", vlan=vlan)

    def vlan_batch(self, vlans: set[int]) -> str:
        self.create_vlans(vlans)
        return ""

    def undo_vlan(self, vlan: int) -> str:
        if vlan == 1:
            return self.error("The default VLAN cannot be deleted.")
        if vlan not in self.cfg.vlans:
            return self.error(f"The VLAN {vlan} does not exist.")
        del self.cfg.vlans[vlan]
        return ""

    def undo_vlan_batch(self, vlans: set[int]) -> str:
        for vlan in vlans - {1}:
            self.cfg.vlans.pop(vlan, None)
        return ""

    def vlanif_number(self, name: str) -> int | None:
        prefix = self.vlanif_prefix()
        if name.startswith(prefix) and name[len(prefix) :].isdigit():
            return int(name[len(prefix) :])
        return None

    def vlanif_prefix(self) -> str:
        return "Vlanif"

    def enter_interface(self, name: str) -> str:
        vlan = self.vlanif_number(name)
        if vlan is not None:
            if not 1 <= vlan <= 4094:
                return self.error("The VLAN ID is invalid.")
            self.cfg.vlanifs.setdefault(vlan, VlanIf(vlan))
            self.cfg.vlanifs = dict(sorted(self.cfg.vlanifs.items()))
            return self.enter("vlanif", name=name, vlan=vlan)
        if name in self.cfg.interfaces:
            return self.enter("interface", name=name)
        return self.enter("other-interface", name=name)

    def undo_interface(self, name: str) -> str:
        vlan = self.vlanif_number(name)
        if vlan is None:
            return self.error("The interface cannot be deleted.")
        if self.cfg.vlanifs.pop(vlan, None) is None:
            return self.error("The interface does not exist.")
        return ""

    def route(self, prefix: str, mask: str, next_hop: str, preference: int | None = None) -> str:
        self.undo_route(prefix, mask, next_hop)
        self.cfg.static_routes.append(StaticRoute(prefix, mask, next_hop, preference))
        return ""

    def route_description(self, prefix: str, mask: str, next_hop: str, text: str) -> str:
        self.undo_route(prefix, mask, next_hop)
        self.cfg.static_routes.append(StaticRoute(prefix, mask, next_hop, description=text))
        return ""

    def undo_route(self, prefix: str, mask: str, next_hop: str | None = None) -> str:
        before = len(self.cfg.static_routes)
        self.cfg.static_routes = [
            r
            for r in self.cfg.static_routes
            if not (
                r.prefix == prefix
                and r.mask == mask
                and (next_hop is None or r.next_hop == next_hop)
            )
        ]
        if len(self.cfg.static_routes) == before and not self.loading and next_hop is None:
            return self.error("The route does not exist.")
        return ""

    def acl_kind(self, number: int) -> str | None:
        if 2000 <= number <= 2999:
            return "basic"
        if 3000 <= number <= 3999:
            return "advanced"
        return None

    def enter_acl(self, number: int, label: str = "") -> str | ParseFault:
        kind = self.acl_kind(number)
        if kind is None:
            return self.error("The ACL number is out of range.")
        acl = self.cfg.acls.setdefault(str(number), Acl(str(number), kind, label=label))
        if label:
            acl.label = label
        self.cfg.acls = dict(sorted(self.cfg.acls.items(), key=lambda kv: int(kv[0])))
        return self.enter("acl", acl=acl)

    def enter_named_acl(self, label: str, number: int) -> str | ParseFault:
        return self.enter_acl(number, label)

    def undo_acl(self, number: int) -> str:
        if self.cfg.acls.pop(str(number), None) is None:
            return self.error("The ACL does not exist.")
        return ""

    def undo_acl_all(self) -> str:
        self.cfg.acls.clear()
        return ""

    def rule_fault(self, text: str, fault: acl_text.RuleFault) -> ParseFault:
        """Translate a fault in free rule text to a column in the typed line."""
        words = split_words(text)
        offset = self.typed_line.find(text)
        if fault.word >= len(words) or offset < 0:
            return ParseFault(fault.kind, len(self.typed_line) + 1)
        return ParseFault(fault.kind, offset + words[fault.word].start)

    def handle(self, line: str) -> Reply:
        self.typed_line = line
        return super().handle(line)

    def acl_step(self) -> int:
        return 5

    def acl_rule(self, text: str) -> str | ParseFault:
        acl: Acl = self.context["acl"]
        parsed = acl_text.parse_vrp_rule(
            text.split(), acl.kind == "advanced", acl.next_id(self.acl_step()), self.device.platform
        )
        if isinstance(parsed, acl_text.RuleFault):
            return self.rule_fault(text, parsed)
        acl.put(parsed)
        return ""

    def acl_undo_rule(self, rule_id: int) -> str:
        acl: Acl = self.context["acl"]
        if acl.rule(rule_id) is None:
            return self.error("The rule does not exist.")
        acl.rules = [r for r in acl.rules if r.id != rule_id]
        return ""

    def acl_description(self, text: str) -> str:
        self.context["acl"].description = text
        return ""

    def acl_undo_description(self) -> str:
        self.context["acl"].description = ""
        return ""

    def time_range(self, name: str, text: str) -> str | ParseFault:
        parsed = acl_text.parse_vrp_time_range(text.split())
        if isinstance(parsed, acl_text.RuleFault):
            return self.rule_fault(text, parsed)
        time_range = self.cfg.time_ranges.setdefault(name, TimeRange(name))
        if isinstance(parsed, acl_text.PeriodicRange):
            if parsed not in time_range.periodic:
                time_range.periodic.append(parsed)
        elif parsed not in time_range.absolute:
            time_range.absolute.append(parsed)
        return ""

    def undo_time_range(self, name: str) -> str:
        if self.cfg.time_ranges.pop(name, None) is None:
            return self.error("The time range does not exist.")
        return ""

    def undo_time_range_all(self) -> str:
        self.cfg.time_ranges.clear()
        return ""

    def enter_aaa(self) -> str:
        return self.enter("aaa")

    def enter_vty(self, first: int, last: int) -> str:
        return self.enter("vty", first=first, last=last)

    def vty_idle(self, minutes: int, seconds: int = 0) -> str:
        self.cfg.management.idle_timeout_minutes = minutes
        return ""

    def vty_acl(self, number: int) -> str:
        self.cfg.management.vty_acl = str(number)
        return ""

    def vty_undo_acl(self) -> str:
        self.cfg.management.vty_acl = None
        return ""

    def ssh_enable(self) -> str:
        self.cfg.management.ssh_server = True
        return "Info: Succeeded in starting the STELNET server." if not self.loading else ""

    def ssh_disable(self) -> str:
        self.cfg.management.ssh_server = False
        return ""

    def telnet_enable(self) -> str:
        self.cfg.management.telnet_server = True
        return ""

    def telnet_disable(self) -> str:
        self.cfg.management.telnet_server = False
        return ""

    def snmp_read(self, community: str) -> str:
        return self.set_snmp_community(community, "read")

    def snmp_write(self, community: str) -> str:
        return self.set_snmp_community(community, "write")

    # -- aaa --
    def user_password(self, name: str, password: str) -> str:
        stored = password if secrets.is_hash(password) else self.device.hash_password(password)
        user = self.cfg.users.get(name)
        if user is None:
            self.cfg.users[name] = LocalUser(name, stored, level=0, service_types=set())
        else:
            user.password_hash = stored
        if not self.loading and user is None:
            return "Info: Add a new user."
        return ""

    def user_level(self, name: str, level: int) -> str:
        user = self.cfg.users.get(name)
        if user is None:
            return self.error("The user does not exist.")
        user.level = level
        return ""

    def user_services(self, name: str, text: str) -> str:
        user = self.cfg.users.get(name)
        if user is None:
            return self.error("The user does not exist.")
        user.service_types = set(text.split())
        return ""

    def undo_user(self, name: str) -> str:
        if self.cfg.users.pop(name, None) is None:
            return self.error("The user does not exist.")
        return ""

    # -- interface view --
    @property
    def intf(self) -> Interface:
        return self.cfg.interfaces[self.context["name"]]

    def vif(self) -> VlanIf:
        return self.cfg.vlanifs[self.context["vlan"]]

    def _target(self) -> Interface | VlanIf:
        return self.vif() if self.mode == "vlanif" else self.intf

    def if_description(self, text: str) -> str:
        self._target().description = text
        return ""

    def if_undo_description(self) -> str:
        self._target().description = ""
        return ""

    def if_shutdown(self) -> str:
        self._target().shutdown = True
        return ""

    def if_undo_shutdown(self) -> str:
        self._target().shutdown = False
        return ""

    def if_access(self) -> str:
        intf = self.intf
        if intf.link_type is not LinkType.ACCESS:
            intf.link_type = LinkType.ACCESS
            intf.pvid = 1
            intf.allowed_vlans = set()
            intf.untagged_vlans = set()
        return ""

    def if_trunk(self) -> str:
        intf = self.intf
        if intf.link_type is LinkType.TRUNK:
            return ""
        if intf.link_type is LinkType.ACCESS and intf.pvid != 1:
            return self.error("Please renew the default configurations.")
        intf.link_type = LinkType.TRUNK
        intf.pvid = 1
        intf.allowed_vlans = {1}
        intf.untagged_vlans = set()
        return ""

    def if_hybrid(self) -> str:
        intf = self.intf
        if intf.link_type is LinkType.HYBRID:
            return ""
        if intf.link_type is not LinkType.ACCESS or intf.pvid != 1:
            return self.error("Please renew the default configurations.")
        intf.link_type = LinkType.HYBRID
        intf.pvid = 1
        intf.allowed_vlans = set()
        intf.untagged_vlans = {1}
        return ""

    def if_undo_link_type(self) -> str:
        intf = self.intf
        intf.link_type, intf.pvid = LinkType.ACCESS, 1
        intf.allowed_vlans, intf.untagged_vlans = set(), set()
        return ""

    def require(self, link_type: LinkType) -> str | None:
        if self.intf.link_type is not link_type:
            return self.error(
                f"The port is not a{'n' if link_type is LinkType.ACCESS else ''} "
                f"{link_type.value} port."
            )
        return None

    def if_default_vlan(self, vlan: int) -> str:
        if (fault := self.require(LinkType.ACCESS)) is not None:
            return fault
        if vlan not in self.cfg.vlans:
            return self.error("The VLAN does not exist.")
        self.intf.pvid = vlan
        return ""

    def if_undo_default_vlan(self) -> str:
        self.intf.pvid = 1
        return ""

    def if_trunk_allow(self, vlans: set[int]) -> str:
        if (fault := self.require(LinkType.TRUNK)) is not None:
            return fault
        self.intf.allowed_vlans |= vlans
        return ""

    def if_trunk_allow_all(self) -> str:
        return self.if_trunk_allow(set(ALL_VLANS))

    def if_trunk_undo_allow(self, vlans: set[int]) -> str:
        if (fault := self.require(LinkType.TRUNK)) is not None:
            return fault
        self.intf.allowed_vlans -= vlans
        return ""

    def if_trunk_undo_allow_all(self) -> str:
        return self.if_trunk_undo_allow(set(ALL_VLANS))

    def if_trunk_pvid(self, vlan: int) -> str:
        if (fault := self.require(LinkType.TRUNK)) is not None:
            return fault
        self.intf.pvid = vlan
        return ""

    def if_undo_trunk_pvid(self) -> str:
        self.intf.pvid = 1
        return ""

    def if_hybrid_pvid(self, vlan: int) -> str:
        if (fault := self.require(LinkType.HYBRID)) is not None:
            return fault
        self.intf.pvid = vlan
        return ""

    def if_undo_hybrid_pvid(self) -> str:
        self.intf.pvid = 1
        return ""

    def if_hybrid_tagged(self, vlans: set[int]) -> str:
        if (fault := self.require(LinkType.HYBRID)) is not None:
            return fault
        self.intf.allowed_vlans |= vlans
        self.intf.untagged_vlans -= vlans
        return ""

    def if_undo_hybrid_tagged(self, vlans: set[int]) -> str:
        self.intf.allowed_vlans -= vlans
        return ""

    def if_hybrid_untagged(self, vlans: set[int]) -> str:
        if (fault := self.require(LinkType.HYBRID)) is not None:
            return fault
        self.intf.untagged_vlans |= vlans
        self.intf.allowed_vlans -= vlans
        return ""

    def if_undo_hybrid_untagged(self, vlans: set[int]) -> str:
        self.intf.untagged_vlans -= vlans
        return ""

    def if_filter_in(self, number: int) -> str:
        self._target().acl_in = str(number)
        return ""

    def if_filter_out(self, number: int) -> str:
        self._target().acl_out = str(number)
        return ""

    def if_undo_filter_in(self, number: int | None = None) -> str:
        target = self._target()
        if number is None or target.acl_in == str(number):
            target.acl_in = None
        return ""

    def if_undo_filter_out(self, number: int | None = None) -> str:
        target = self._target()
        if number is None or target.acl_out == str(number):
            target.acl_out = None
        return ""

    def vif_ip(self, ip: str, mask: str) -> str:
        vif = self.vif()
        network = VlanIf(0, ip=ip, mask=mask).network()
        for other in self.cfg.vlanifs.values():
            other_network = other.network()
            if other is vif or other_network is None or network is None:
                continue
            if other_network.overlaps(network):
                return self.error("The specified IP address conflicts with another address.")
        vif.ip, vif.mask = ip, mask
        return ""

    def vif_undo_ip(self, ip: str | None = None, mask: str | None = None) -> str:
        vif = self.vif()
        vif.ip = vif.mask = None
        return ""

    def vif_relay(self, ip: str) -> str:
        vif = self.vif()
        if ip not in vif.dhcp_relay_servers:
            vif.dhcp_relay_servers.append(ip)
        return ""

    def vif_undo_relay(self, ip: str) -> str:
        vif = self.vif()
        if ip in vif.dhcp_relay_servers:
            vif.dhcp_relay_servers.remove(ip)
        return ""

    # -- vlan view --
    def vlan_name(self, text: str) -> str:
        self.cfg.vlans[self.context["vlan"]].name = text
        return ""

    def vlan_undo_name(self) -> str:
        self.cfg.vlans[self.context["vlan"]].name = ""
        return ""

    def vlan_description(self, text: str) -> str:
        self.cfg.vlans[self.context["vlan"]].description = text
        return ""

    def vlan_undo_description(self) -> str:
        self.cfg.vlans[self.context["vlan"]].description = ""
        return ""

    # -- save / reboot --
    def save(self) -> Reply:
        def answer(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                self.device.save()
                return Reply(
                    "It is executing, please wait...\nSave the configuration successfully."
                )
            return Reply("")

        return self.ask(
            "The current configuration will be written to the device.\n"
            "Are you sure to continue? (y/n)[n]:",
            answer,
        )

    def reboot(self) -> Reply:
        def confirm_reboot(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                self.device.reboot()
                return Reply("Info: system is rebooting ,please wait...", close=True)
            return Reply("")

        def ask_reboot() -> Reply:
            return self.ask("System will reboot! Continue ? [y/n]:", confirm_reboot)

        head = "Info: The system is now comparing the configuration, please wait.\n"
        if self.device.running == self.device.saved:
            return self.ask(head + "System will reboot! Continue ? [y/n]:", confirm_reboot)

        def save_first(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                self.device.save()
                reply = ask_reboot()
                return Reply(
                    "It is executing, please wait...\nSave the configuration successfully.\n"
                    + reply.output
                )
            return ask_reboot()

        return self.ask(
            head + "Warning: All the configuration will be saved to the next startup "
            "configuration. Continue ? [y/n]:",
            save_first,
        )

    def _schedule(self, seconds: float) -> Reply:
        at = self.device.now() + timedelta(seconds=seconds)
        hours, minutes = int(seconds // 3600), int(seconds % 3600 // 60)

        def answer(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                self.device.schedule_reboot(seconds)
            return Reply("")

        return self.ask(
            f"Info: Reboot system at {at:%H:%M:%S} {at:%Y/%m/%d} "
            f"(in {hours} hours and {minutes} minutes).\n Confirm? [Y/N]:",
            answer,
        )

    def schedule_reboot_delay(self, delay: str) -> Reply:
        hours, minutes = (int(p) for p in delay.split(":"))
        return self._schedule(hours * 3600 + minutes * 60)

    def schedule_reboot_at(self, clock: str, date: str | None = None) -> Reply:
        now = self.device.now()
        day = datetime.strptime(date, "%Y/%m/%d") if date else now
        hours, minutes = (int(p) for p in clock.split(":"))
        target = day.replace(hour=hours, minute=minutes, second=0, microsecond=0)
        if target <= now:
            if date:
                return Reply(self.error("The time is earlier than the current time."))
            target += timedelta(days=1)
        return self._schedule((target - now).total_seconds())

    def reset_saved(self) -> Reply:
        def answer(text: str) -> Reply:
            if text.lower() not in ("y", "yes"):
                return Reply("")
            self.device.erase_saved()
            return Reply(
                "Warning: Now clearing the configuration in the device.\n"
                "Info: Succeeded in clearing the configuration in the device."
            )

        return self.ask(
            "Warning: The action will delete the saved configuration in the device.\n"
            "The configuration will be erased to reconfigure. Continue? [Y/N]:",
            answer,
        )

    def undo_schedule_reboot(self) -> str:
        self.device.cancel_scheduled_reboot()
        return ""

    # -- displays --
    def show_current(self) -> str:
        return self.device.render_config(self.cfg)

    def show_saved(self) -> str:
        return self.device.render_config(self.device.saved)

    def show_current_interface(self, name: str) -> str:
        block = config_block(self.device.render_config(self.cfg), f"interface {name}")
        return "\n".join(["#", *block, "#", "return"]) if block else ""

    def show_this(self) -> str:
        text = self.device.render_config(self.cfg)
        view = self.view_name()
        if not view:
            return text
        header = self.this_header()
        blocks = text.split("\n#\n")
        for block in blocks:
            if block.startswith(header + "\n") or block == header:
                return f"#\n{block}\n#\nreturn"
        return f"#\n{header}\n#\nreturn"

    def this_header(self) -> str:
        if self.mode in ("interface", "vlanif", "other-interface"):
            return f"interface {self.context['name']}"
        if self.mode == "vlan":
            return f"vlan {self.context['vlan']}"
        if self.mode == "acl":
            return f"acl number {self.context['acl'].name}"
        return self.mode

    def show_version(self) -> str:
        return self.device.display_version()

    def show_device(self) -> str:
        return self.device.display_device()

    def show_vlan(self) -> str:
        return self.device.display_vlan()

    def show_interface_brief(self) -> str:
        return self.device.display_interface_brief()

    def show_interface(self, name: str | None = None) -> str:
        if name is not None and name not in self.cfg.interfaces:
            vlan = self.vlanif_number(name)
            if vlan is None or vlan not in self.cfg.vlanifs:
                return self.error("The interface does not exist.")
        return self.device.display_interface(name)

    def show_mac(self) -> str:
        return self.device.display_mac()

    def show_mac_vlan(self, vlan: int) -> str:
        return self.device.display_mac(vlan=vlan)

    def show_mac_where(self, text: str) -> str:
        """``display mac-address GE0/0/1`` (a port) or ``display mac-address 0025-9e80-2494``."""
        port = self.resolve_interface(text)
        if port is not None:
            return self.device.display_mac(port=port)
        mac = normalise_mac(text)
        if mac is None:
            column = self.typed_line.rfind(text)
            return self.format_fault(ParseFault("wrong_parameter", column))
        return self.device.display_mac(mac=mac)

    def show_arp(self) -> str:
        return self.device.display_arp()

    def show_acl_all(self) -> str:
        return self.device.display_acl(None)

    def show_acl(self, number: int) -> str:
        return self.device.display_acl(str(number))

    def show_clock(self) -> str:
        now = self.device.now()
        return f"{now:%Y-%m-%d %H:%M:%S}\n{now:%A}\nTime Zone(UTC) : UTC"

    def show_time_ranges(self, name: str | None = None) -> str:
        now = self.device.now()
        out = [f"Current time is {now:%H:%M:%S} {now.month}-{now.day}-{now.year} {now:%A}", ""]
        ranges = [t for t in self.cfg.time_ranges.values() if name in (None, t.name)]
        if name is not None and not ranges:
            return self.error("The time range does not exist.")
        for time_range in ranges:
            state = "Active" if time_range.active(now) else "Inactive"
            out.append(f"Time-range : {time_range.name} ( {state} )")
            for part in time_range.parts():
                line = acl_text.render_vrp_time_range(time_range.name, part)
                out.append(" " + line.removeprefix(f"time-range {time_range.name} "))
            out.append("")
        return "\n".join(out).rstrip("\n")

    def show_port_vlan(self) -> str:
        return self.device.display_port_vlan()

    def show_esn(self) -> str:
        return f"ESN of slot 0: {self.device.spec.serial}"

    def show_schedule_reboot(self) -> str:
        pending = self.device.scheduled_reboot
        if pending is None:
            return "Info: No schedule reboot information."
        at = self.device.now() + timedelta(seconds=pending[0] - self.device.host.now())
        left = max(0, pending[0] - self.device.host.now())
        return (
            f"Info: System will reboot at {at:%H:%M:%S} {at:%Y/%m/%d} "
            f"(in {int(left // 3600)} hours and {int(left % 3600 // 60)} minutes)."
        )


class HuaweiDevice(BaseDevice):
    platform = "huawei"
    session_class = HuaweiSession
    default_hostname = "HUAWEI"

    # -- config model --
    def blank_config(self) -> DeviceConfig:
        config = DeviceConfig(hostname=self.spec.hostname, acl_default_permit=True)
        return self.ensure_interfaces(config)

    def hash_password(self, password: str) -> str:
        return secrets.huawei_irreversible(password)

    def software_line(self) -> str:
        return f"!Software Version {self.spec.firmware or 'V200R011C10SPC500'}"

    def render_config(self, config: DeviceConfig) -> str:
        out: list[str] = [self.software_line(), "#", f"sysname {config.hostname}", "#"]
        batch = set(config.vlans) - {1}
        if batch:
            out += [f"vlan batch {format_vlan_list_vrp(batch)}", "#"]
        for time_range in config.time_ranges.values():
            for part in time_range.parts():
                out.append(acl_text.render_vrp_time_range(time_range.name, part))
        if config.time_ranges:
            out.append("#")
        for acl in config.acls.values():
            head = f"acl name {acl.label} {acl.name}" if acl.label else f"acl number {acl.name}"
            out.append(head)
            if acl.description:
                out.append(f" description {acl.description}")
            for rule in acl.rules:
                out.append(
                    " " + acl_text.render_vrp_rule(rule, acl.kind == "advanced", self.platform)
                )
            out.append("#")
        for vlan in config.vlans.values():
            if vlan.name or vlan.description:
                out.append(f"vlan {vlan.id}")
                if vlan.description:
                    out.append(f" description {vlan.description}")
                if vlan.name:
                    out.append(f" name {vlan.name}")
                out.append("#")
        out += self.render_aaa(config)
        for vif in config.vlanifs.values():
            out.append(f"interface Vlanif{vif.vlan}")
            if vif.description:
                out.append(f" description {vif.description}")
            if vif.shutdown:
                out.append(" shutdown")
            if vif.ip and vif.mask:
                out.append(f" ip address {vif.ip} {vif.mask}")
            if vif.acl_in:
                out.append(f" traffic-filter inbound acl {vif.acl_in}")
            if vif.acl_out:
                out.append(f" traffic-filter outbound acl {vif.acl_out}")
            if vif.dhcp_relay_servers:
                out.append(" dhcp select relay")
                out += [f" dhcp relay server-ip {ip}" for ip in vif.dhcp_relay_servers]
            out.append("#")
        for intf in config.interfaces.values():
            out.append(f"interface {intf.name}")
            out += [" " + line for line in self.render_interface(intf)]
            out.append("#")
        out += ["interface NULL0", "#"]
        for route in config.static_routes:
            line = f"ip route-static {route.prefix} {route.mask} {route.next_hop}"
            if route.preference is not None:
                line += f" preference {route.preference}"
            if route.description:
                line += f" description {route.description}"
            out.append(line)
        if config.static_routes:
            out.append("#")
        mgmt = config.management
        for community, access in mgmt.snmp_communities.items():
            out.append(f"snmp-agent community {access} {community}")
        if mgmt.snmp_communities:
            out.append("#")
        for ip in mgmt.ntp_servers:
            out.append(f"ntp-service unicast-server {ip}")
        for ip in mgmt.log_hosts:
            out.append(f"info-center loghost {ip}")
        if mgmt.ntp_servers or mgmt.log_hosts:
            out.append("#")
        if mgmt.telnet_server:
            out += ["telnet server enable", "#"]
        if mgmt.ssh_server:
            out += ["stelnet server enable", "#"]
        out += [
            "user-interface con 0",
            " authentication-mode aaa",
            "user-interface vty 0 4",
            " authentication-mode aaa",
        ]
        if mgmt.vty_acl:
            out.append(f" acl {mgmt.vty_acl} inbound")
        if mgmt.idle_timeout_minutes != 10:
            out.append(f" idle-timeout {mgmt.idle_timeout_minutes} 0")
        out += [" protocol inbound ssh", "#", "return"]
        return "\n".join(out)

    def render_aaa(self, config: DeviceConfig) -> list[str]:
        out = [
            "aaa",
            " authentication-scheme default",
            " authorization-scheme default",
            " accounting-scheme default",
            " domain default",
            " domain default_admin",
        ]
        for user in config.users.values():
            out.append(f" local-user {user.name} password irreversible-cipher {user.password_hash}")
            out.append(f" local-user {user.name} privilege level {user.level}")
            if user.service_types:
                out.append(
                    f" local-user {user.name} service-type {' '.join(sorted(user.service_types))}"
                )
        return [*out, "#"]

    def render_interface(self, intf: Interface) -> list[str]:
        out: list[str] = []
        if intf.description:
            out.append(f"description {intf.description}")
        if intf.link_type is LinkType.ACCESS and intf.pvid != 1:
            out += ["port link-type access", f"port default vlan {intf.pvid}"]
        elif intf.link_type is LinkType.TRUNK:
            out.append("port link-type trunk")
            if 1 not in intf.allowed_vlans:
                out.append("undo port trunk allow-pass vlan 1")
            if intf.pvid != 1:
                out.append(f"port trunk pvid vlan {intf.pvid}")
            allowed = intf.allowed_vlans - {1}
            if allowed:
                out.append(f"port trunk allow-pass vlan {format_vlan_list_vrp(allowed)}")
        elif intf.link_type is LinkType.HYBRID:
            out.append("port link-type hybrid")
            if intf.pvid != 1:
                out.append(f"port hybrid pvid vlan {intf.pvid}")
            if intf.allowed_vlans:
                out.append(f"port hybrid tagged vlan {format_vlan_list_vrp(intf.allowed_vlans)}")
            if 1 not in intf.untagged_vlans:
                out.append("undo port hybrid untagged vlan 1")
            untagged = intf.untagged_vlans - {1}
            if untagged:
                out.append(f"port hybrid untagged vlan {format_vlan_list_vrp(untagged)}")
        if intf.acl_in:
            out.append(f"traffic-filter inbound acl {intf.acl_in}")
        if intf.acl_out:
            out.append(f"traffic-filter outbound acl {intf.acl_out}")
        if intf.shutdown:
            out.append("shutdown")
        return out

    def parse_config(self, text: str) -> DeviceConfig:
        session = self.session_class(self, "startup")
        session.loading = True
        session.target = DeviceConfig(hostname=self.spec.hostname, users={})
        session.target.acl_default_permit = self.blank_config().acl_default_permit
        session.target.management.ssh_server = False
        self.ensure_interfaces(session.target)
        session.mode = "system"
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.rstrip()
            stripped = line.strip()
            if not stripped or stripped.startswith(("#", "!")) or stripped == "return":
                continue
            if self.skip_config_line(stripped):
                continue
            if not line.startswith(" "):
                session.leave_to("system")
            session.typed_line = stripped
            result = session.dispatch(stripped)
            error = None
            if isinstance(result, ParseFault):
                error = f"{result.kind.replace('_', ' ')} input"
            elif result.output.startswith(session.error_prefix):
                error = result.output
            if error:
                raise ConfigLoadError(f"startup_config line {number}: {stripped!r}: {error}")
        return session.target

    def skip_config_line(self, line: str) -> bool:
        """Lines of the saved file this engine does not model (console line settings)."""
        return line.startswith(("user-interface con", "authentication-mode", "protocol inbound"))

    # -- displays --
    def port_up(self, name: str) -> bool:
        intf = self.running.interfaces.get(name)
        if intf is None or intf.shutdown:
            return False
        probe = getattr(self.host, "link_up", None)
        return bool(probe(name)) if callable(probe) else True

    def vlanif_up(self, vlan: int) -> bool:
        ports = {name: self.port_up(name) for name in self.running.interfaces}
        vif = self.running.vlanifs.get(vlan)
        return vif is not None and self.running.vlanif_up(vlan, ports)

    def uptime_text(self) -> str:
        seconds = self.uptime_seconds()
        weeks, rest = divmod(seconds, 7 * 86400)
        days, rest = divmod(rest, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        return f"{weeks} week, {days} day, {hours} hour, {minutes} minute"

    def is_chassis(self) -> bool:
        """S7700/S9700/S12700 are chassis (MPU and line cards), the rest are boxes."""
        return self.spec.model.startswith(("S77", "S97", "S127"))

    def display_version(self) -> str:
        firmware = self.spec.firmware or "V200R011C10SPC500"
        model = self.spec.model or "S5720-52X-SI-AC"
        series = model.split("-")[0][:3] + "00" if self.is_chassis() else model.split("-")[0]
        kind = "Terminal" if self.is_chassis() else "Routing Switch"
        board = "MPU 7(Master)" if self.is_chassis() else "ES5D2T52S005 0(Master)"
        return "\n".join(
            [
                "Huawei Versatile Routing Platform Software",
                f"VRP (R) software, Version 5.170 ({series} {firmware})",
                "Copyright (C) 2000-2022 HUAWEI TECH CO., LTD",
                f"HUAWEI {model} {kind} uptime is {self.uptime_text()}",
                "",
                f"{board} : uptime is {self.uptime_text()}",
                "DDR             Memory Size : 2048  M bytes",
                "FLASH Total     Memory Size : 512   M bytes",
                "FLASH Available Memory Size : 289   M bytes",
                "Pcb           Version   : VER.B",
                "BootROM       Version   : 020a.0001",
                "BootLoad      Version   : 020a.0001",
                "CPLD          Version   : 0106",
                f"Software      Version   : VRP (R) Software, Version 5.170 ({firmware})",
                "FLASH         Version   : 0000.0000",
            ]
        )

    def display_device(self) -> str:
        model = self.spec.model or "S5720-52X-SI-AC"

        def row(slot: str, sub: str, kind: str, role: str) -> str:
            return (
                f"{slot:<5}{sub:<5}{kind:<23}{'Present':<10}{'PowerOn':<9}{'Registered':<13}"
                f"{'Normal':<9}{role}"
            )

        rows = [
            f"{model}'s Device status:",
            "Slot Sub  Type                   Online    Power    Register     Status   Role",
            "-" * 79,
        ]
        if self.is_chassis():
            slots: dict[int, str] = {}
            for name in self.spec.interfaces:
                number = name.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")
                if number[:1].isdigit():
                    card = "ES1D2X12SSA0" if name.startswith("XGigabit") else "ES1D2G48SX5S"
                    slots.setdefault(int(number.split("/")[0]), card)
            rows += [row(str(slot), "-", card, "NA") for slot, card in sorted(slots.items())]
            rows += [
                row("7", "-", "ES1D2SRUA000", "Master"),
                row("8", "-", "ES1D2SRUA000", "Slave"),
            ]
            rows += [row("PWR1", "-", "PWR", "NA"), row("PWR2", "-", "PWR", "NA")]
            rows += [row("FAN1", "-", "FAN", "NA")]
        else:
            board = model.removesuffix("-AC").removesuffix("-DC")
            rows += [row("0", "-", board, "Master"), row("", "PWR1", "POWER", "NA")]
            rows += [row("", "FAN1", "FAN", "NA")]
        return "\n".join(rows)

    def display_vlan(self) -> str:
        config = self.running
        out = [
            f"The total number of vlans is : {len(config.vlans)}",
            "-" * 80,
            "U: Up;         D: Down;         TG: Tagged;         UT: Untagged;",
            "MP: Vlan-mapping;               ST: Vlan-stacking;",
            "#: ProtocolTransparent-vlan;    *: Management-vlan;",
            "-" * 80,
            "",
            "VID  Type    Ports",
            "-" * 80,
        ]
        for vlan in config.vlans.values():
            untagged: list[str] = []
            tagged: list[str] = []
            for intf in config.interfaces.values():
                state = "U" if self.port_up(intf.name) else "D"
                label = f"{short_name(intf.name)}({state})"
                if intf.untagged_vlan() == vlan.id or vlan.id in intf.untagged_vlans:
                    untagged.append(label)
                elif intf.link_type is not LinkType.ACCESS and vlan.id in intf.allowed_vlans:
                    tagged.append(label)
            first = True
            for kind, ports in (("UT", untagged), ("TG", tagged)):
                for index in range(0, len(ports), 4):
                    chunk = "".join(f"{p:<16}" for p in ports[index : index + 4]).rstrip()
                    if index == 0:
                        lead = f"{vlan.id:<5}{'common':<8}" if first else " " * 13
                        out.append(f"{lead}{kind}:{chunk}")
                        first = False
                    else:
                        out.append(" " * 16 + chunk)
            if first:
                out.append(f"{vlan.id:<5}common")
        out += ["", "VID  Status  Property      MAC-LRN Statistics Description", "-" * 80]
        for vlan in config.vlans.values():
            description = vlan.description or f"VLAN {vlan.id:04d}"  # VRP never shows names
            out.append(
                f"{vlan.id:<5}{'enable':<8}{'default':<14}{'enable':<8}{'disable':<11}{description}"
            )
        return "\n".join(out)

    def display_interface(self, only: str | None) -> str:
        """``display interface [X]`` in the S-series layout (physical ports, then VLANIFs)."""
        config = self.running
        now = self.now()
        stamp = f"{now:%Y-%m-%d %H:%M:%S}"
        out: list[str] = []
        for intf in config.interfaces.values():
            if only not in (None, intf.name):
                continue
            up = self.port_up(intf.name)
            state = "Administratively DOWN" if intf.shutdown else ("UP" if up else "DOWN")
            ten = intf.name.startswith("XGigabit")
            out += [
                f"{intf.name} current state : {state}",
                f"Line protocol current state : {'UP' if up else 'DOWN'}",
                f"Description:{intf.description}",
                f"Switch Port, PVID : {intf.pvid:>4}, TPID : 8100(Hex), "
                "The Maximum Frame Length is 9216",
                f"IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is {self.mac_dotted()}",
                f"Last physical up time   : {stamp + ' UTC+00:00' if up else '-'}",
                "Last physical down time : -",
                f"Current system time: {stamp}+00:00",
                f"Port Mode: {'COMMON FIBER' if ten else 'COMMON COPPER'}",
                f"Speed : {10000 if ten else 1000},  Loopback: NONE",
                "Duplex: FULL,  Negotiation: ENABLE",
                "Mdi   : AUTO,  Clock : -",
                "Last 300 seconds input rate 0 bits/sec, 0 packets/sec",
                "Last 300 seconds output rate 0 bits/sec, 0 packets/sec",
                "Input peak rate 0 bits/sec,Record time: -",
                "Output peak rate 0 bits/sec,Record time: -",
                "",
                "Input:  0 packets, 0 bytes",
                "  Unicast:                    0,  Multicast:                   0",
                "  Broadcast:                  0,  Jumbo:                       0",
                "  Discard:                    0,  Total Error:                 0",
                "",
                "  CRC:                        0,  Giants:                      0",
                "  Jabbers:                    0,  Throttles:                   0",
                "  Runts:                      0,  Symbols:                     0",
                "  Ignoreds:                   0,  Frames:                      0",
                "",
                "Output:  0 packets, 0 bytes",
                "  Unicast:                    0,  Multicast:                   0",
                "  Broadcast:                  0,  Jumbo:                       0",
                "  Discard:                    0,  Total Error:                 0",
                "",
                "  Collisions:                 0,  ExcessiveCollisions:         0",
                "  Late Collisions:            0,  Deferreds:                   0",
                "",
                "    Input bandwidth utilization threshold : 80.00%",
                "    Output bandwidth utilization threshold: 80.00%",
                "    Input bandwidth utilization  :    0%",
                "    Output bandwidth utilization :    0%",
                "",
            ]
        for vif in config.vlanifs.values():
            name = f"Vlanif{vif.vlan}"
            if only not in (None, name):
                continue
            up = self.vlanif_up(vif.vlan)
            state = "Administratively DOWN" if vif.shutdown else ("UP" if up else "DOWN")
            protocol = "UP" if up and vif.ip else "DOWN"
            network = vif.network()
            address = (
                f"Internet Address is {vif.ip}/{network.prefixlen}"
                if vif.ip and network is not None
                else "Internet protocol processing : disabled"
            )
            out += [
                f"{name} current state : {state}",
                f"Line protocol current state : {protocol}",
                f"Last line protocol up time : {stamp + ' UTC+00:00' if protocol == 'UP' else '-'}",
                f"Description:{vif.description}",
                "Route Port,The Maximum Transmit Unit is 1500",
                address,
                f"IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is {self.mac_dotted()}",
                f"Current system time: {stamp}+00:00",
                "    Input bandwidth utilization  : --",
                "    Output bandwidth utilization : --",
                "",
            ]
        return "\n".join(out).rstrip("\n")

    def display_port_vlan(self) -> str:
        out = [
            "Port                    Link Type    PVID  Trunk VLAN List",
            "-" * 79,
        ]
        for intf in self.running.interfaces.values():
            if intf.link_type is LinkType.ACCESS:
                vlans = "-"
            else:
                runs = vlan_runs(intf.carried_vlans())
                vlans = " ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs) or "-"
            out.append(f"{intf.name:<24}{intf.link_type.value:<13}{intf.pvid:<6}{vlans}")
        return "\n".join(out)

    def display_interface_brief(self) -> str:
        out = [
            "PHY: Physical",
            "*down: administratively down",
            "#down: LBDT down",
            "(l): loopback",
            "(s): spoofing",
            "(E): E-Trunk down",
            "(b): BFD down",
            "(B): Bit-error-detection down",
            "(e): ETHOAM down",
            "(d): Dampening Suppressed",
            "(dl): DLDP down",
            "(lb): LBDT block",
            "InUti/OutUti: input utility/output utility",
            "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors",
        ]

        def row(name: str, phy: str, protocol: str) -> str:
            return f"{name:<28}{phy:<6}{protocol:<9}{'0%':>6}{'0%':>7}{0:>11}{0:>11}"

        config = self.running
        for intf in config.interfaces.values():
            if intf.shutdown:
                out.append(row(intf.name, "*down", "down"))
            else:
                state = "up" if self.port_up(intf.name) else "down"
                out.append(row(intf.name, state, state))
        out.append(row("NULL0", "up", "up(s)"))
        for vif in config.vlanifs.values():
            name = f"Vlanif{vif.vlan}"
            if vif.shutdown:
                out.append(row(name, "*down", "down"))
            else:
                state = "up" if self.vlanif_up(vif.vlan) else "down"
                out.append(row(name, state, state if vif.ip else "down"))
        return "\n".join(out)

    def display_mac(self, **filters: Any) -> str:
        entries = self.mac_entries(**filters)
        out = [
            "-" * 79,
            "MAC Address    VLAN/VSI/BD                       Learned-From        Type      ",
            "-" * 79,
        ]
        for entry in entries:
            mac = entry.mac.replace(":", "")
            dotted = f"{mac[0:4]}-{mac[4:8]}-{mac[8:12]}"
            port = short_name(entry.port)
            out.append(f"{dotted:<15}{f'{entry.vlan}/-/-':<34}{port:<20}{entry.kind:<10}")
        out += ["", "-" * 79, f"Total items displayed = {len(entries)} ", ""]
        return "\n".join(out)

    def display_arp(self) -> str:
        entries = self.host.arp_table()
        out = [
            "IP ADDRESS      MAC ADDRESS     EXPIRE(M) TYPE        INTERFACE   VPN-INSTANCE",
            "                                          VLAN/CEVLAN PVC",
            "-" * 78,
        ]
        own = 0
        for vif in self.running.vlanifs.values():
            if vif.ip and not vif.shutdown:
                own += 1
                out.append(
                    f"{vif.ip:<16}{self.mac_dotted():<16}{'':<10}{'I -':<12}Vlanif{vif.vlan}"
                )
        dynamic = static = 0
        for entry in entries:
            mac = entry.mac.replace(":", "")
            dotted = f"{mac[0:4]}-{mac[4:8]}-{mac[8:12]}"
            kind = "D-0" if entry.kind == "dynamic" else "S-"
            if entry.kind == "dynamic":
                dynamic += 1
            else:
                static += 1
            where = short_name(entry.port) if entry.port else entry.interface
            expire = str(entry.age_minutes) if entry.kind == "dynamic" else ""
            out.append(f"{entry.ip:<16}{dotted:<16}{expire:<10}{kind:<12}{where}")
            out.append(f"{'':<42}{entry.vlan}/-")
        out += [
            "-" * 78,
            f"Total:{own + dynamic + static:<10}Dynamic:{dynamic:<8}Static:{static:<5}"
            f"Interface:{own}",
        ]
        return "\n".join(out)

    def display_acl(self, name: str | None) -> str:
        config = self.running
        acls = [a for a in config.acls.values() if name is None or a.name == name]
        if name is not None and not acls:
            return "Info: The ACL does not exist."
        now = self.now()
        out: list[str] = []
        if name is None:
            nonempty = sum(1 for a in config.acls.values() if a.rules)
            out += [f"Total quantity of nonempty ACL number is {nonempty}", ""]
        for acl in acls:
            kind = "Basic" if acl.kind == "basic" else "Advanced"
            count = len(acl.rules)
            label = f"{acl.label} " if acl.label else ""
            out.append(f"{kind} ACL {label}{acl.name}, {count} rule{'s' if count > 1 else ''}")
            out.append("Acl's step is 5")
            for rule in acl.rules:
                text = " " + acl_text.render_vrp_rule(rule, acl.kind == "advanced", self.platform)
                if rule.time_range:
                    active = config.time_range_active(rule.time_range, now)
                    text += " (Active)" if active else " (Inactive)"
                out.append(text)
            out.append("")
        return "\n".join(out).rstrip("\n") + "\n"
