"""H3C Comware 7 (S5130/S5560-class switches) CLI engine.

Comware shares VRP's view model (``<H3C>``, ``[H3C]``, ``system-view``, ``quit``,
``return``) so the session extends the Huawei one and overrides what differs: the
``%``-prefixed error texts, ``port access vlan``/``port trunk permit vlan``,
``packet-filter``, ``acl basic|advanced``, ``local-user`` views, ``save``/``save force``
dialogs, ``scheduler reboot delay MINUTES``, and the real auto-revert of Comware 7:
``configuration commit delay MINUTES`` (system view) arms a timer; unless
``configuration commit`` is entered before it expires, the running configuration rolls
back to what it was when the timer was armed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hisops.lab.contract import Reply, TimerHandle
from hisops.lab.devices import acl_text, secrets
from hisops.lab.devices.base import ALL_VLANS, ParseFault, cmds
from hisops.lab.devices.family_vrp import VrpFamilyDevice, VrpFamilySession, short_name
from hisops.lab.devices.model import (
    Acl,
    DeviceConfig,
    Interface,
    LinkType,
    LocalUser,
    format_vlan_list_vrp,
    mask_to_prefixlen,
    vlan_runs,
)

DISPLAY = (
    ("display current-configuration", "show_current"),
    ("display current-configuration interface <if>", "show_current_interface"),
    ("display saved-configuration", "show_saved"),
    ("display this", "show_this"),
    ("display version", "show_version"),
    ("display device manuinfo", "show_manuinfo"),
    ("display vlan brief", "show_vlan_brief"),
    ("display vlan all", "show_vlan_all"),
    ("display vlan <vlan>", "show_vlan_one"),
    ("display interface brief", "show_interface_brief"),
    ("display mac-address", "show_mac"),
    ("display mac-address dynamic", "show_mac"),
    ("display mac-address vlan <vlan>", "show_mac_vlan"),
    ("display mac-address interface <if>", "show_mac_interface"),
    ("display mac-address <word>", "show_mac_where"),
    ("display arp", "show_arp"),
    ("display acl all", "show_acl_all"),
    ("display acl <int>", "show_acl"),
    ("display scheduler reboot", "show_schedule_reboot"),
    ("display time-range all", "show_time_ranges"),
    ("display time-range <word>", "show_time_ranges"),
    ("display clock", "show_clock"),
)
COMMON = (("quit", "quit"), ("return", "do_return"), ("save", "save"), ("save force", "save_force"))
IF_COMMON = (
    ("description <text>", "if_description"),
    ("undo description", "if_undo_description"),
    ("shutdown", "if_shutdown"),
    ("undo shutdown", "if_undo_shutdown"),
    ("packet-filter <int> inbound", "if_filter_in"),
    ("packet-filter <int> outbound", "if_filter_out"),
    ("undo packet-filter <int> inbound", "if_undo_filter_in"),
    ("undo packet-filter <int> outbound", "if_undo_filter_out"),
    ("undo packet-filter inbound", "if_undo_filter_in"),
    ("undo packet-filter outbound", "if_undo_filter_out"),
)

COMWARE_COMMANDS = {
    "user": cmds(
        *DISPLAY,
        ("system-view", "system_view"),
        ("quit", "quit"),
        ("screen-length disable", "disable_paging"),
        ("undo screen-length disable", "default_paging"),
        ("save", "save"),
        ("save force", "save_force"),
        ("reboot", "reboot"),
        ("scheduler reboot delay <int>", "scheduler_reboot_minutes"),
        ("scheduler reboot delay <time>", "scheduler_reboot_clock"),
        ("undo scheduler reboot", "undo_schedule_reboot"),
        ("reset saved-configuration", "reset_saved"),
    ),
    "system": cmds(
        *DISPLAY,
        *COMMON,
        ("sysname <word>", "sysname"),
        ("undo sysname", "undo_sysname"),
        ("vlan <vlan>", "enter_vlan"),
        ("vlan <vlans>", "vlan_batch"),
        ("undo vlan <vlans>", "undo_vlan_batch"),
        ("interface <if>", "enter_interface"),
        ("undo interface <if>", "undo_interface"),
        ("ip route-static <ip> <mask> <ip>", "route"),
        ("ip route-static <ip> <mask> <ip> preference <int>", "route"),
        ("ip route-static <ip> <mask> <ip> description <text>", "route_description"),
        ("undo ip route-static <ip> <mask> <ip>", "undo_route"),
        ("undo ip route-static <ip> <mask>", "undo_route"),
        ("acl basic <int>", "enter_acl"),
        ("acl advanced <int>", "enter_acl"),
        ("acl number <int>", "enter_acl"),
        ("undo acl basic <int>", "undo_acl"),
        ("undo acl advanced <int>", "undo_acl"),
        ("undo acl number <int>", "undo_acl"),
        ("undo acl all", "undo_acl_all"),
        ("time-range <word> <text>", "time_range"),
        ("undo time-range <word>", "undo_time_range"),
        ("undo time-range all", "undo_time_range_all"),
        ("local-user <word>", "enter_local_user"),
        ("local-user <word> class manage", "enter_local_user"),
        ("undo local-user <word>", "undo_user"),
        ("undo local-user <word> class manage", "undo_user"),
        ("ssh server enable", "ssh_enable"),
        ("undo ssh server enable", "ssh_disable"),
        # Comware 7 filters SSH logins in system view (HPE 12900E Security CR "ssh server
        # acl"); the line-view "acl N inbound" is Comware 5's user-interface form.
        ("ssh server acl <int>", "vty_acl"),
        ("undo ssh server acl", "vty_undo_acl"),
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
        ("line vty <int> <int>", "enter_vty"),
        ("configuration commit delay <int>", "commit_delay"),
        ("configuration commit", "commit"),
    ),
    "interface": cmds(
        *DISPLAY,
        *COMMON,
        *IF_COMMON,
        ("port link-type access", "if_access"),
        ("port link-type trunk", "if_trunk"),
        ("port link-type hybrid", "if_hybrid"),
        ("undo port link-type", "if_undo_link_type"),
        ("port access vlan <vlan>", "if_default_vlan"),
        ("undo port access vlan", "if_undo_default_vlan"),
        ("port trunk permit vlan all", "if_trunk_allow_all"),
        ("port trunk permit vlan <vlans>", "if_trunk_allow"),
        ("undo port trunk permit vlan all", "if_trunk_undo_allow_all"),
        ("undo port trunk permit vlan <vlans>", "if_trunk_undo_allow"),
        ("port trunk pvid vlan <vlan>", "if_trunk_pvid"),
        ("undo port trunk pvid", "if_undo_trunk_pvid"),
        ("port hybrid pvid vlan <vlan>", "if_hybrid_pvid"),
        ("undo port hybrid pvid", "if_undo_hybrid_pvid"),
        ("port hybrid vlan <text>", "if_hybrid_vlan"),
        ("undo port hybrid vlan <vlans>", "if_undo_hybrid_vlan"),
        ("port link-mode bridge", "noop"),
    ),
    "vlanif": cmds(
        *DISPLAY,
        *COMMON,
        *IF_COMMON,
        ("ip address <ip> <mask>", "vif_ip"),
        ("undo ip address", "vif_undo_ip"),
        ("undo ip address <ip> <mask>", "vif_undo_ip"),
        ("dhcp select relay", "noop"),
        ("dhcp relay server-address <ip>", "vif_relay"),
        ("undo dhcp relay server-address <ip>", "vif_undo_relay"),
    ),
    "other-interface": cmds(*DISPLAY, *COMMON, ("description <text>", "noop")),
    "vlan": cmds(
        *DISPLAY,
        *COMMON,
        ("name <text>", "vlan_name"),
        ("undo name", "vlan_undo_name"),
        ("description <text>", "vlan_description"),
        ("undo description", "vlan_undo_description"),
    ),
    "acl": cmds(
        *DISPLAY,
        *COMMON,
        ("rule <text>", "acl_rule"),
        ("undo rule <int>", "acl_undo_rule"),
        ("description <text>", "acl_description"),
        ("undo description", "acl_undo_description"),
    ),
    "luser": cmds(
        *DISPLAY,
        *COMMON,
        ("password simple <word>", "luser_password"),
        ("password hash <word>", "luser_password"),
        ("service-type <text>", "luser_services"),
        ("undo service-type <text>", "noop"),
        ("authorization-attribute user-role <word>", "luser_role"),
        ("undo authorization-attribute user-role <word>", "noop"),
    ),
    "vty": cmds(
        *DISPLAY,
        *COMMON,
        ("authentication-mode scheme", "noop"),
        ("user-role <word>", "noop"),
        ("protocol inbound ssh", "noop"),
        ("protocol inbound all", "noop"),
        ("idle-timeout <int>", "vty_idle"),
        ("idle-timeout <int> <int>", "vty_idle"),
    ),
}

COMWARE_TYPES = {
    "GigabitEthernet": ["GE"],
    "Ten-GigabitEthernet": ["XGE"],
    "FortyGigE": ["FGE"],
    "Bridge-Aggregation": ["BAGG"],
    "Vlan-interface": ["Vlan-int"],
    "M-GigabitEthernet": ["MGE"],
    "LoopBack": ["Loop"],
    "NULL": [],
}
COMWARE_VIRTUAL = ("Vlan-interface", "LoopBack", "NULL", "Bridge-Aggregation")
COMWARE_SHORT = {
    "GigabitEthernet": "GE",
    "Ten-GigabitEthernet": "XGE",
    "FortyGigE": "FGE",
    "M-GigabitEthernet": "MGE",
    "Bridge-Aggregation": "BAGG",
    "Vlan-interface": "Vlan",
}


class ComwareSession(VrpFamilySession):
    commands = COMWARE_COMMANDS
    interface_types = COMWARE_TYPES
    virtual_types = COMWARE_VIRTUAL
    error_prefix = "% "
    device: ComwareDevice
    more_erase = "\x1b[16D" + " " * 16 + "\x1b[16D"

    def login_banner(self) -> str:
        return (
            "\n******************************************************************************\n"
            "* Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.*\n"
            "* Without the owner's prior written consent,                                 *\n"
            "* no decompiling or reverse-engineering shall be allowed.                    *\n"
            "******************************************************************************\n"
        )

    def error(self, text: str) -> str:
        return text

    def view_name(self) -> str:
        if self.mode == "acl":
            acl: Acl = self.context["acl"]
            kind = "basic" if acl.kind == "basic" else "adv"
            return f"acl-ipv4-{kind}-{acl.name}"
        if self.mode == "luser":
            return f"luser-manage-{self.context['user']}"
        if self.mode == "vty":
            return f"line-vty{self.context['first']}-{self.context['last']}"
        return super().view_name()

    def this_header(self) -> str:
        if self.mode == "acl":
            acl: Acl = self.context["acl"]
            return f"acl {acl.kind} {acl.name}"
        return super().this_header()

    def vlanif_prefix(self) -> str:
        return "Vlan-interface"

    def system_view(self) -> str:
        self.leave_to("system")
        return "System View: return to User View with Ctrl+Z."

    def undo_sysname(self) -> str:
        self.cfg.hostname = "H3C"
        return ""

    def acl_step(self) -> int:
        return 5

    def acl_rule(self, text: str) -> str | ParseFault:
        acl: Acl = self.context["acl"]
        # Comware numbers the first rule 0, then steps by 5.
        next_id = acl.next_id(5) if acl.rules else 0
        parsed = acl_text.parse_vrp_rule(
            text.split(), acl.kind == "advanced", next_id, self.device.platform
        )
        if isinstance(parsed, acl_text.RuleFault):
            return self.rule_fault(text, parsed)
        acl.put(parsed)
        return ""

    def if_trunk(self) -> str:
        intf = self.intf
        if intf.link_type is LinkType.TRUNK:
            return ""
        if intf.link_type is LinkType.HYBRID:
            return "Please set the link type of the port to access first."
        intf.link_type = LinkType.TRUNK
        intf.pvid = 1
        intf.allowed_vlans = {1}
        return ""

    def if_hybrid(self) -> str:
        intf = self.intf
        if intf.link_type is LinkType.HYBRID:
            return ""
        if intf.link_type is LinkType.TRUNK:
            return "Please set the link type of the port to access first."
        intf.link_type = LinkType.HYBRID
        intf.pvid = intf.pvid or 1
        intf.allowed_vlans = set()
        intf.untagged_vlans = {intf.pvid}
        return ""

    def require(self, link_type: LinkType) -> str | None:
        if self.intf.link_type is not link_type:
            return f"Please set the link type of the port to {link_type.value} first."
        return None

    def if_hybrid_vlan(self, text: str) -> str | ParseFault:
        words = text.split()
        if len(words) < 2 or words[-1].lower() not in ("tagged", "untagged"):
            return ParseFault("incomplete", len(self.typed_line) + 1)
        from hisops.lab.devices.model import VlanListError, parse_vlan_list_vrp

        try:
            vlans = parse_vlan_list_vrp(words[:-1])
        except VlanListError:
            return ParseFault("wrong_parameter", self.typed_line.find(text))
        if words[-1].lower() == "tagged":
            return self.if_hybrid_tagged(vlans)
        return self.if_hybrid_untagged(vlans)

    def if_undo_hybrid_vlan(self, vlans: set[int]) -> str:
        self.intf.allowed_vlans -= vlans
        self.intf.untagged_vlans -= vlans
        return ""

    def enter_acl(self, number: int, label: str = "") -> str | ParseFault:
        words = self.typed_line.split()
        kind_word = words[1].lower() if len(words) > 1 else ""
        expected = self.acl_kind(number)
        if (
            expected is None
            or (kind_word.startswith("b") and expected != "basic")
            or (kind_word.startswith("ad") and expected != "advanced")
        ):
            return ParseFault("wrong_parameter", self.typed_line.rfind(words[-1]))
        return super().enter_acl(number)

    def undo_acl(self, number: int) -> str:
        if self.cfg.acls.pop(str(number), None) is None:
            return "The ACL does not exist."
        return ""

    def enter_local_user(self, name: str) -> str:
        if name not in self.cfg.users:
            self.cfg.users[name] = LocalUser(name, "", level=0, service_types=set())
        return self.enter("luser", user=name)

    def luser_password(self, password: str) -> str:
        user = self.cfg.users[self.context["user"]]
        user.password_hash = (
            password if secrets.is_hash(password) else self.device.hash_password(password)
        )
        return ""

    def luser_services(self, text: str) -> str:
        self.cfg.users[self.context["user"]].service_types |= set(text.split())
        return ""

    def luser_role(self, role: str) -> str:
        user = self.cfg.users[self.context["user"]]
        if role == "network-admin":
            user.level = 15
        elif role.startswith("level-") and role[6:].isdigit():
            user.level = int(role[6:])
        else:
            user.level = 1
        return ""

    def undo_user(self, name: str) -> str:
        if self.cfg.users.pop(name, None) is None:
            return "The local user doesn't exist."
        return ""

    def undo_vlan_batch(self, vlans: set[int]) -> str:
        if 1 in vlans:
            return "The default VLAN can't be deleted."
        return super().undo_vlan_batch(vlans)

    # -- save / reboot / rollback --
    def save_force(self) -> str:
        self.device.save()
        return (
            "Validating file. Please wait...\n"
            "Saved the current configuration to mainboard device successfully."
        )

    def save(self) -> Reply:
        def overwrite(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                return Reply(self.save_force())
            return Reply("")

        def filename(text: str) -> Reply:
            return self.ask("flash:/startup.cfg exists, overwrite? [Y/N]:", overwrite)

        def sure(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                return self.ask(
                    "Please input the file name(*.cfg)[flash:/startup.cfg]\n"
                    "(To leave the existing filename unchanged, press the enter key):",
                    filename,
                )
            return Reply("")

        return self.ask(
            "The current configuration will be written to the device. Are you sure? [Y/N]:",
            sure,
        )

    def reboot(self) -> Reply:
        def confirm(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                self.device.reboot()
                return Reply("Now rebooting, please wait...", close=True)
            return Reply("")

        question = "This command will reboot the device. Continue? [Y/N]:"
        head = (
            "Start to check configuration with next startup configuration file, "
            "please wait.........DONE!\n"
        )
        if self.device.running == self.device.saved:
            return self.ask(head + question, confirm)

        def save_first(text: str) -> Reply:
            saved = ""
            if text.lower() in ("y", "yes"):
                saved = self.save_force() + "\n"
            reply = self.ask(question, confirm)
            return Reply(saved + reply.output)

        return self.ask(
            head + "Current configuration may be lost after the reboot, save current "
            "configuration? [Y/N]:",
            save_first,
        )

    def reset_saved(self) -> Reply:
        def answer(text: str) -> Reply:
            if text.lower() not in ("y", "yes"):
                return Reply("")
            self.device.erase_saved()
            return Reply(
                "Configuration file in flash: is being cleared.\nPlease wait ...\n"
                "Mainboard:\nConfiguration file is cleared."
            )

        return self.ask("The saved configuration file will be erased. Are you sure? [Y/N]:", answer)

    def scheduler_reboot_minutes(self, minutes: int) -> Reply:
        if not 1 <= minutes <= 43200:
            column = self.typed_line.rfind(str(minutes))
            return Reply(self.format_fault(ParseFault("wrong_parameter", column)))
        seconds = minutes * 60
        at = self.device.now() + timedelta(seconds=seconds)

        def answer(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                self.device.schedule_reboot(seconds)
            return Reply("")

        return self.ask(
            f"Reboot device at {at:%H:%M:%S} {at:%m/%d/%Y} "
            f"(in {minutes // 60} hours and {minutes % 60} minutes). Confirm? [Y/N]:",
            answer,
        )

    def scheduler_reboot_clock(self, clock: str) -> Reply:
        hours, minutes = (int(p) for p in clock.split(":"))
        return self.scheduler_reboot_minutes(hours * 60 + minutes)

    def show_clock(self) -> str:
        # Comware 7 (display clock): local time with milliseconds, zone name, weekday,
        # MM/DD/YYYY; no zone line while no time zone is configured (docs/fidelity.md).
        now = self.device.now()
        return f"{now:%H:%M:%S}.{now.microsecond // 1000:03d} UTC {now:%a %m/%d/%Y}"

    def show_schedule_reboot(self) -> str:
        pending = self.device.scheduled_reboot
        if pending is None:
            return "No scheduled reboot."
        at = self.device.now() + timedelta(seconds=pending[0] - self.device.host.now())
        left = max(0, pending[0] - self.device.host.now())
        return (
            f"System will reboot at {at:%H:%M:%S} {at:%m/%d/%Y} "
            f"(in {int(left // 3600)} hours and {int(left % 3600 // 60)} minutes)."
        )

    def commit_delay(self, minutes: int) -> str:
        if not 1 <= minutes <= 65535:
            return self.format_fault(
                ParseFault("wrong_parameter", self.typed_line.rfind(str(minutes)))
            )
        device = self.device
        device.arm_rollback(minutes * 60)
        return ""

    def commit(self) -> str:
        device = self.device
        if not device.commit_pending():
            return "No configuration to commit."
        device.confirm_commit()
        return ""

    # -- displays --
    def show_mac_interface(self, port: str) -> str:
        return self.device.display_mac(port=port)

    def show_manuinfo(self) -> str:
        return self.device.display_manuinfo()

    def show_vlan_brief(self) -> str:
        return self.device.display_vlan_brief()

    def show_vlan_all(self) -> str:
        return self.device.display_vlan_all(None)

    def show_vlan_one(self, vlan: int) -> str:
        if vlan not in self.cfg.vlans:
            return "The VLAN does not exist."
        return self.device.display_vlan_all(vlan)


class ComwareDevice(VrpFamilyDevice):
    platform = "hp_comware"
    session_class = ComwareSession

    def __init__(self, spec: dict[str, Any]) -> None:
        self.rollback: tuple[DeviceConfig, TimerHandle] | None = None
        super().__init__(spec)

    def hash_password(self, password: str) -> str:
        return secrets.comware_hash(password)

    def new_interface(self, name: str) -> Interface:
        return Interface(name)

    def release(self) -> str:
        firmware = self.spec.firmware or "Release 6615P01"
        return firmware if "," in firmware else f"7.1.070, {firmware}"

    # -- rollback timer --
    def arm_rollback(self, seconds: float) -> None:
        self.confirm_commit()
        snapshot = self.running.copy()
        self.rollback = (snapshot, self.host.call_later(seconds, self._rollback_fire))

    def _rollback_fire(self) -> None:
        if self.rollback is not None:
            self.running = self.rollback[0]
            self.rollback = None

    def commit_pending(self) -> bool:
        return self.rollback is not None

    def confirm_commit(self) -> None:
        if self.rollback is not None:
            self.rollback[1].cancel()
            self.rollback = None

    def on_boot(self) -> None:
        self.confirm_commit()

    # -- configuration text --
    def render_config(self, config: DeviceConfig) -> str:
        out = ["#", f" version {self.release()}", "#", f" sysname {config.hostname}", "#"]
        mgmt = config.management
        if mgmt.telnet_server:
            out += [" telnet server enable", "#"]
        for ip in mgmt.ntp_servers:
            out.append(f" ntp-service unicast-server {ip}")
        if mgmt.ntp_servers:
            out.append("#")
        out += self.render_vlans(config)
        out += ["interface NULL0", "#"]
        for vif in config.vlanifs.values():
            out.append(f"interface Vlan-interface{vif.vlan}")
            if vif.description:
                out.append(f" description {vif.description}")
            if vif.ip and vif.mask:
                out.append(f" ip address {vif.ip} {vif.mask}")
            if vif.acl_in:
                out.append(f" packet-filter {vif.acl_in} inbound")
            if vif.acl_out:
                out.append(f" packet-filter {vif.acl_out} outbound")
            if vif.dhcp_relay_servers:
                out.append(" dhcp select relay")
                out += [f" dhcp relay server-address {ip}" for ip in vif.dhcp_relay_servers]
            if vif.shutdown:
                out.append(" shutdown")
            out.append("#")
        for intf in config.interfaces.values():
            out.append(f"interface {intf.name}")
            out += [" " + line for line in self.render_interface(intf)]
            out.append("#")
        for route in config.static_routes:
            line = (
                f" ip route-static {route.prefix} {mask_to_prefixlen(route.mask)} {route.next_hop}"
            )
            if route.preference is not None:
                line += f" preference {route.preference}"
            if route.description:
                line += f" description {route.description}"
            out.append(line)
        if config.static_routes:
            out.append("#")
        for ip in mgmt.log_hosts:
            out.append(f" info-center loghost {ip}")
        if mgmt.log_hosts:
            out.append("#")
        for community, access in mgmt.snmp_communities.items():
            out.append(f" snmp-agent community {access} {community}")
        if mgmt.snmp_communities:
            out.append("#")
        ssh = [" ssh server enable"] if mgmt.ssh_server else []
        if mgmt.vty_acl:
            ssh.append(f" ssh server acl {mgmt.vty_acl}")
        if ssh:
            out += [*ssh, "#"]
        for acl in config.acls.values():
            out.append(f"acl {acl.kind} {acl.name}")
            if acl.description:
                out.append(f" description {acl.description}")
            for rule in acl.rules:
                out.append(
                    " " + acl_text.render_vrp_rule(rule, acl.kind == "advanced", self.platform)
                )
            out.append("#")
        for time_range in config.time_ranges.values():
            for part in time_range.parts():
                out.append(acl_text.render_vrp_time_range(time_range.name, part))
        if config.time_ranges:
            out.append("#")
        for user in config.users.values():
            out.append(f"local-user {user.name} class manage")
            if user.password_hash:
                out.append(f" password hash {user.password_hash}")
            if user.service_types:
                out.append(f" service-type {' '.join(sorted(user.service_types))}")
            role = (
                "network-admin"
                if user.level >= 15
                else (f"level-{user.level}" if user.level > 1 else "network-operator")
            )
            out.append(f" authorization-attribute user-role {role}")
            out.append("#")
        out += ["line vty 0 63", " authentication-mode scheme", " user-role network-operator"]
        if mgmt.idle_timeout_minutes != 10:
            out.append(f" idle-timeout {mgmt.idle_timeout_minutes} 0")
        out += ["#", "return"]
        return "\n".join(out)

    def render_vlans(self, config: DeviceConfig) -> list[str]:
        """``vlan 1``, named VLANs in their own blocks, plain ones folded to ``vlan a to b``."""
        out: list[str] = []
        plain = {v.id for v in config.vlans.values() if not v.name and not v.description}
        runs = {start: end for start, end in vlan_runs(plain - {1})}
        covered: set[int] = set()
        for vlan in config.vlans.values():
            if vlan.id in covered:
                continue
            end = runs.get(vlan.id, vlan.id)
            if end > vlan.id:
                out += [f"vlan {vlan.id} to {end}", "#"]
                covered.update(range(vlan.id, end + 1))
                continue
            out.append(f"vlan {vlan.id}")
            if vlan.name:
                out.append(f" name {vlan.name}")
            if vlan.description:
                out.append(f" description {vlan.description}")
            out.append("#")
        return out

    def render_interface(self, intf: Interface) -> list[str]:
        out: list[str] = []
        if intf.description:
            out.append(f"description {intf.description}")
        if intf.shutdown:
            out.append("shutdown")
        if intf.link_type is LinkType.ACCESS and intf.pvid != 1:
            out.append(f"port access vlan {intf.pvid}")
        elif intf.link_type is LinkType.TRUNK:
            out.append("port link-type trunk")
            if 1 not in intf.allowed_vlans:
                out.append("undo port trunk permit vlan 1")
            allowed = intf.allowed_vlans - {1}
            if allowed == ALL_VLANS - {1}:
                out.append("port trunk permit vlan all")
            elif allowed:
                out.append(f"port trunk permit vlan {format_vlan_list_vrp(allowed)}")
            if intf.pvid != 1:
                out.append(f"port trunk pvid vlan {intf.pvid}")
        elif intf.link_type is LinkType.HYBRID:
            out.append("port link-type hybrid")
            if 1 not in intf.untagged_vlans:
                out.append("undo port hybrid vlan 1")
            if intf.allowed_vlans:
                out.append(f"port hybrid vlan {format_vlan_list_vrp(intf.allowed_vlans)} tagged")
            untagged = intf.untagged_vlans - {1}
            if untagged:
                out.append(f"port hybrid vlan {format_vlan_list_vrp(untagged)} untagged")
            if intf.pvid != 1:
                out.append(f"port hybrid pvid vlan {intf.pvid}")
        if intf.acl_in:
            out.append(f"packet-filter {intf.acl_in} inbound")
        if intf.acl_out:
            out.append(f"packet-filter {intf.acl_out} outbound")
        return out

    def skip_config_line(self, line: str) -> bool:
        return line.startswith(("version ", "authentication-mode", "user-role"))

    # -- displays --
    def display_version(self) -> str:
        model = self.spec.model or "S5130-28S-EI"
        release = self.release()
        uptime = self.uptime_parts()
        return "\n".join(
            [
                f"H3C Comware Software, Version {release}",
                "Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.",
                f"H3C {model} uptime is {uptime}",
                "Last reboot reason : User reboot",
                "",
                f"Boot image: flash:/{model.lower()}-cmw710-boot.bin",
                f"Boot image version: {release}",
                "  Compiled Apr 22 2021 11:00:00",
                f"System image: flash:/{model.lower()}-cmw710-system.bin",
                f"System image version: {release}",
                "  Compiled Apr 22 2021 11:00:00",
                "",
                "",
                "Slot 1:",
                f"Uptime is {uptime.replace(', ', ',')}",
                f"{model} with 1 Processor",
                f"BOARD TYPE:         {model}",
                "DRAM:               1024M bytes",
                "FLASH:              512M bytes",
                "PCB 1 Version:      VER.B",
                "Bootrom Version:    149",
                "CPLD 1 Version:     002",
                f"Release Version:    H3C {model}-{release.split()[-1]}",
                "Patch Version  :    None",
                "Reboot Cause  :     UserReboot",
                "[SubSlot 0] 24GE+4SFP Plus",
            ]
        )

    def uptime_parts(self) -> str:
        seconds = self.uptime_seconds()
        weeks, rest = divmod(seconds, 7 * 86400)
        days, rest = divmod(rest, 86400)
        hours, rest = divmod(rest, 3600)
        return f"{weeks} weeks, {days} days, {hours} hours, {rest // 60} minutes"

    def display_manuinfo(self) -> str:
        model = self.spec.model or "S5130-28S-EI"
        serial = self.spec.serial or "210235A1JTB168000001"
        mac = self.mac_dotted()
        return "\n".join(
            [
                "Slot 1 CPU 0:",
                f"DEVICE_NAME          : {model}",
                f"DEVICE_SERIAL_NUMBER : {serial}",
                f"MAC_ADDRESS          : {mac}",
                "MANUFACTURING_DATE   : 2021-03-17",
                "VENDOR_NAME          : H3C",
                "Fan 1:",
                "DEVICE_NAME          : LSWM1FANSC",
                f"DEVICE_SERIAL_NUMBER : {serial[:-4]}F001",
                "MANUFACTURING_DATE   : 2021-03-17",
                "VENDOR_NAME          : H3C",
                "Power 1:",
                "DEVICE_NAME          : PSR150-A1",
                f"DEVICE_SERIAL_NUMBER : {serial[:-4]}P001",
                "MANUFACTURING_DATE   : 2021-03-17",
                "VENDOR_NAME          : H3C",
            ]
        )

    def vlan_label(self, vlan_id: int) -> str:
        vlan = self.running.vlans[vlan_id]
        return vlan.name or f"VLAN {vlan_id:04d}"

    def members(self, vlan_id: int) -> tuple[list[str], list[str]]:
        tagged: list[str] = []
        untagged: list[str] = []
        for intf in self.running.interfaces.values():
            if intf.untagged_vlan() == vlan_id or vlan_id in intf.untagged_vlans:
                untagged.append(intf.name)
            elif intf.link_type is not LinkType.ACCESS and vlan_id in intf.allowed_vlans:
                tagged.append(intf.name)
        return tagged, untagged

    def display_vlan_brief(self) -> str:
        out = [
            "Brief information about all VLANs:",
            "Supported Minimum VLAN ID: 1",
            "Supported Maximum VLAN ID: 4094",
            "Default VLAN ID: 1",
            "VLAN ID   Name                             Port",
        ]
        for vlan_id in self.running.vlans:
            tagged, untagged = self.members(vlan_id)
            ports = [short_name(p, COMWARE_SHORT) for p in untagged + tagged]
            out.append(f"{vlan_id:<10}{self.vlan_label(vlan_id):<33}{' '.join(ports)}".rstrip())
        return "\n".join(out)

    def display_vlan_all(self, only: int | None) -> str:
        out: list[str] = []
        for vlan_id, vlan in self.running.vlans.items():
            if only is not None and vlan_id != only:
                continue
            vif = self.running.vlanifs.get(vlan_id)
            out += [f" VLAN ID: {vlan_id}", " VLAN type: Static"]
            if vif is not None and vif.ip:
                out += [
                    " Route interface: Configured",
                    f" IPv4 address: {vif.ip}",
                    f" IPv4 subnet mask: {vif.mask}",
                ]
            else:
                out.append(" Route interface: Not configured")
            out.append(f" Description: {vlan.description or f'VLAN {vlan_id:04d}'}")
            out.append(f" Name: {self.vlan_label(vlan_id)}")
            tagged, untagged = self.members(vlan_id)
            for title, ports in ((" Tagged ports:", tagged), (" Untagged ports:", untagged)):
                if not ports:
                    out.append(f"{title}   None")
                    continue
                out.append(title)
                for index in range(0, len(ports), 3):
                    out.append(
                        "    " + "".join(f"{p:<25}" for p in ports[index : index + 3]).rstrip()
                    )
            out.append("")
        return "\n".join(out)

    def display_interface_brief(self) -> str:
        config = self.running
        out = [
            "Brief information on interfaces in route mode:",
            "Link: ADM - administratively down; Stby - standby",
            "Protocol: (s) - spoofing",
            "Interface            Link Protocol Primary IP      Description",
            f"{'NULL0':<21}{'UP':<5}{'UP(s)':<9}{'--':<16}".rstrip(),
        ]
        for vif in config.vlanifs.values():
            if vif.shutdown:
                link = protocol = "ADM"
                protocol = "DOWN"
            else:
                link = "UP" if self.vlanif_up(vif.vlan) else "DOWN"
                protocol = link if vif.ip else "DOWN"
            line = f"{f'Vlan{vif.vlan}':<21}{link:<5}{protocol:<9}{vif.ip or '--':<16}"
            out.append((line + vif.description).rstrip())
        out += [
            "",
            "Brief information on interfaces in bridge mode:",
            "Link: ADM - administratively down; Stby - standby",
            "Speed: (a) - auto",
            "Duplex: (a)/A - auto; H - half; F - full",
            "Type: A - access; T - trunk; H - hybrid",
            "Interface            Link Speed   Duplex Type PVID Description",
        ]
        for intf in config.interfaces.values():
            if intf.shutdown:
                link, speed, duplex = "ADM", "auto", "A"
            elif self.port_up(intf.name):
                link, speed, duplex = "UP", "1G(a)", "F(a)"
            else:
                link, speed, duplex = "DOWN", "auto", "A"
            kind = {"access": "A", "trunk": "T", "hybrid": "H"}[intf.link_type.value]
            name = short_name(intf.name, COMWARE_SHORT)
            line = f"{name:<21}{link:<5}{speed:<8}{duplex:<7}{kind:<5}{intf.pvid:<5}"
            out.append((line + intf.description).rstrip())
        return "\n".join(out)

    def display_mac(self, **filters: Any) -> str:
        out = ["MAC Address      VLAN ID    State            Port/NickName            Aging"]
        for entry in self.mac_entries(**filters):
            mac = entry.mac.replace(":", "")
            dotted = f"{mac[0:4]}-{mac[4:8]}-{mac[8:12]}"
            state = "Learned" if entry.kind == "dynamic" else "Config static"
            aging = "Y" if entry.kind == "dynamic" else "N"
            port = short_name(entry.port, COMWARE_SHORT)
            out.append(f"{dotted:<17}{entry.vlan:<11}{state:<17}{port:<25}{aging}")
        return "\n".join(out)

    def display_arp(self) -> str:
        out = [
            "  Type: S-Static   D-Dynamic   O-Openflow   R-Rule   M-Multiport  I-Invalid",
            "IP address      MAC address    VLAN/VSI name Interface/Link ID        Aging Type",
        ]
        for entry in self.host.arp_table():
            mac = entry.mac.replace(":", "")
            dotted = f"{mac[0:4]}-{mac[4:8]}-{mac[8:12]}"
            port = short_name(entry.port or entry.interface, COMWARE_SHORT)
            kind = "D" if entry.kind == "dynamic" else "S"
            aging = str(entry.age_minutes) if entry.kind == "dynamic" else "N/A"
            out.append(f"{entry.ip:<16}{dotted:<15}{entry.vlan:<14}{port:<25}{aging:<6}{kind}")
        return "\n".join(out)

    def display_acl(self, name: str | None) -> str:
        acls = [a for a in self.running.acls.values() if name is None or a.name == name]
        if name is not None and not acls:
            return f"ACL {name} does not exist."
        now = self.now()
        out: list[str] = []
        for acl in acls:
            kind = "Basic" if acl.kind == "basic" else "Advanced"
            count = len(acl.rules)
            out.append(f"{kind} IPv4 ACL {acl.name}, {count} rule{'s' if count != 1 else ''},")
            out.append("ACL's step is 5")
            for rule in acl.rules:
                text = " " + acl_text.render_vrp_rule(rule, acl.kind == "advanced", self.platform)
                if rule.time_range:
                    active = self.running.time_range_active(rule.time_range, now)
                    text += " (Active)" if active else " (Inactive)"
                out.append(text)
            out.append("")
        return "\n".join(out)
