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
from hisops.lab.devices.base import Command, ParseFault, cmds
from hisops.lab.devices.family_vrp import VrpFamilyDevice, VrpFamilySession
from hisops.lab.devices.family_vrp import short_name as family_short_name
from hisops.lab.devices.model import (
    DeviceConfig,
    Interface,
    LinkType,
    LocalUser,
    format_vlan_list_vrp,
    vlan_runs,
)

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


def short_name(name: str, table: dict[str, str] = HUAWEI_SHORT) -> str:
    return family_short_name(name, table)


class HuaweiSession(VrpFamilySession):
    """VRP's own: its command table, texts and dialogs, the aaa view, scheduled reboots,
    the displays only VRP has; everything else is the family's (``family_vrp``)."""

    commands = HUAWEI_COMMANDS
    error_prefix = "Error: "
    system_prompt_word = "system-view"
    device: HuaweiDevice
    # VRP wipes its More prompt with ESC[42D, 42 spaces, ESC[42D (netmiko strips ESC[nD).
    more_erase = "\x1b[42D" + " " * 42 + "\x1b[42D"

    # -- text --
    def login_banner(self) -> str:
        now = self.device.now()
        return (
            "\nInfo: The max number of VTY users is 5, and the number\n"
            "      of current VTY users on line is 1.\n"
            f"      The current login time is {now:%Y-%m-%d %H:%M:%S}.\n"
        )

    def system_view(self) -> str:
        self.leave_to("system")
        return "Enter system view, return user view with Ctrl+Z."

    def undo_sysname(self) -> str:
        self.cfg.hostname = "HUAWEI"
        return ""

    def undo_vlan(self, vlan: int) -> str:
        if vlan == 1:
            return self.error("The default VLAN cannot be deleted.")
        if vlan not in self.cfg.vlans:
            return self.error(f"The VLAN {vlan} does not exist.")
        del self.cfg.vlans[vlan]
        return ""

    def enter_named_acl(self, label: str, number: int) -> str | ParseFault:
        return self.enter_acl(number, label)

    def enter_aaa(self) -> str:
        return self.enter("aaa")

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

    def show_device(self) -> str:
        return self.device.display_device()

    def show_vlan(self) -> str:
        return self.device.display_vlan()

    def show_interface(self, name: str | None = None) -> str:
        if name is not None and name not in self.cfg.interfaces:
            vlan = self.vlanif_number(name)
            if vlan is None or vlan not in self.cfg.vlanifs:
                return self.error("The interface does not exist.")
        return self.device.display_interface(name)

    def show_clock(self) -> str:
        now = self.device.now()
        return f"{now:%Y-%m-%d %H:%M:%S}\n{now:%A}\nTime Zone(UTC) : UTC"

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

    interface_types = HUAWEI_TYPES
    virtual_types = HUAWEI_VIRTUAL


class HuaweiDevice(VrpFamilyDevice):
    platform = "huawei"

    session_class = HuaweiSession

    default_hostname = "HUAWEI"

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

    def skip_config_line(self, line: str) -> bool:
        """Lines of the saved file this engine does not model (console line settings)."""
        return line.startswith(("user-interface con", "authentication-mode", "protocol inbound"))

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
