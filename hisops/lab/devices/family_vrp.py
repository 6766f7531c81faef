"""What the VRP-like engines share (Huawei VRP, H3C Comware): views, handlers, loading.

The family's CLI is VRP's: user view ``<host>``, ``system-view`` into ``[host]``, views
named in the prompt (``[host-GigabitEthernet0/0/1]``, ``[host-vlan10]``), ``quit`` one
view up and ``return`` to user view, ``undo`` negation, ``vlan batch``, ``port link-type``
with trunk/hybrid/access port commands, numbered ACLs with ``rule`` lines, VLAN interfaces
(``Vlanif``/``Vlan-interface``), time ranges, ``display`` commands with ``| include``.
An engine of the family declares its own command table (its dialect: which commands
exist and how they are spelled: ``port default vlan`` or ``port access vlan``,
``traffic-filter`` or ``packet-filter``) and overrides the hooks where its texts, names
or rules differ; the handlers bound in the tables live here once.

Hooks (session): ``error_prefix``, ``more_erase``, ``interface_types``/``virtual_types``,
``view_name``, ``this_header``, ``vlanif_prefix``, ``acl_step``, ``acl_rule``,
``enter_acl``, ``require``, ``if_trunk``/``if_hybrid`` (what a link-type change resets),
``error``. Device: ``render_config``, ``hash_password``, ``skip_config_line`` and the
``display_*`` formats.
"""

from __future__ import annotations

from typing import Any

from hisops.lab.contract import Reply
from hisops.lab.devices import acl_text
from hisops.lab.devices.base import (
    ALL_VLANS,
    BaseDevice,
    BaseSession,
    ParseFault,
    config_block,
    normalise_mac,
    split_words,
)
from hisops.lab.devices.model import (
    Acl,
    DeviceConfig,
    LinkType,
    StaticRoute,
    TimeRange,
    Vlan,
    VlanIf,
)

FAULT_TEXT = {
    "unrecognized": "Unrecognized command",
    "incomplete": "Incomplete command",
    "ambiguous": "Ambiguous command",
    "too_many": "Too many parameters",
    "wrong_parameter": "Wrong parameter",
}


def short_name(name: str, table: dict[str, str]) -> str:
    for full in sorted(table, key=len, reverse=True):
        if name.startswith(full):
            return table[full] + name[len(full) :]
    return name


class VrpFamilySession(BaseSession):
    """One CLI session of a VRP-like engine: the views and the handlers of every view."""

    error_prefix = "Error: "
    system_prompt_word = "system-view"
    show_prefix = "dis"
    vlan_interface_mode = "vlanif"
    device: VrpFamilyDevice

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

    def parent_modes(self, mode: str) -> list[str]:
        return ["system"] if mode not in ("user", "system") else []

    # -- navigation --
    def noop(self, *args: Any) -> str:
        return ""

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

    def undo_user(self, name: str) -> str:
        if self.cfg.users.pop(name, None) is None:
            return self.error("The user does not exist.")
        return ""

    # -- interface view (the view, description and shutdown: BaseSession) --
    if_undo_description = BaseSession.if_no_description
    if_undo_shutdown = BaseSession.if_no_shutdown

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

    def show_interface_brief(self) -> str:
        return self.device.display_interface_brief()

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


class VrpFamilyDevice(BaseDevice):
    """A switch of the VRP-like family: an ACL permits what no rule matches (the
    ``traffic-filter``/``packet-filter`` default), the saved configuration is loaded by
    typing it into the CLI."""

    session_class: type[VrpFamilySession] = VrpFamilySession

    # -- config model (blank_config: BaseDevice's, ACLs permitting by default) --
    def parse_config(self, text: str) -> DeviceConfig:
        session = self.session_class(self, "startup")
        session.loading = True
        session.target = DeviceConfig(hostname=self.spec.hostname, users={})
        session.target.acl_default_permit = self.blank_config().acl_default_permit
        session.target.management.ssh_server = False
        self.ensure_interfaces(session.target)
        session.mode = "system"
        self.type_config(session, text, "system", session.error_prefix, self.skip_vrp_line)
        return session.target

    def skip_vrp_line(self, line: str) -> bool:
        return line.startswith(("#", "!")) or line == "return" or self.skip_config_line(line)

    # -- displays --

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

    def skip_config_line(self, line: str) -> bool:
        """Lines of the saved file this engine does not model."""
        return False

    # -- the engine's output formats --
    def display_version(self) -> str:
        raise NotImplementedError

    def display_interface_brief(self) -> str:
        raise NotImplementedError

    def display_mac(self, **filters: Any) -> str:
        raise NotImplementedError

    def display_arp(self) -> str:
        raise NotImplementedError

    def display_acl(self, name: str | None) -> str:
        raise NotImplementedError
