"""Ruijie RGOS 11.x (RG-S5750 / RG-S2910 campus aggregation and access switches) engine.

An IOS-like CLI (``family_ios``): ``Ruijie>``, ``enable``, ``Ruijie#``, ``configure
terminal``, ``Ruijie(config)#``, ``Ruijie(config-if-GigabitEthernet 0/1)#``. What RGOS
does its own way, each decision with its source in docs/fidelity.md ("Ruijie RGOS"):

* interface names have a space (``GigabitEthernet 0/1``, ``VLAN 10``,
  ``AggregatePort 1``); the interface view's prompt names the interface;
* ``enable`` without an enable password configured enters privileged EXEC directly;
* trunks: ``switchport trunk allowed vlan only LIST`` (also ``add``/``remove``/
  ``except``/``all``), printed as ``only``;
* ``write`` saves without a question; ``reload`` asks ``Proceed with reload? [no]``;
* no commit-confirm or configuration rollback timer was found for RGOS: its safety net
  is a scheduled reload, ``reload in MINUTES`` / ``reload at HH:MM`` and
  ``reload cancel``; the device comes back on its saved configuration;
* the show formats (``show version``, ``show clock``, ``show vlan``, ``show interfaces
  status``, ``show mac-address-table``, ``show arp``, ``show access-lists``,
  ``show running-config``) follow real RGOS outputs where one was found.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from hisops.lab.contract import Reply
from hisops.lab.devices import acl_text, secrets
from hisops.lab.devices.base import ALL_VLANS, ParseFault, split_interface
from hisops.lab.devices.family_ios import (
    FAMILY_MODE_PROMPTS,
    INTERFACE_MODES,
    IosFamilyDevice,
    IosFamilySession,
    command_table,
)
from hisops.lab.devices.model import (
    DeviceConfig,
    Interface,
    LinkType,
    LocalUser,
    format_vlan_list_ios,
)

SHOW = (
    ("show mac-address-table", "show_mac"),
    ("show mac-address-table dynamic", "show_mac"),
    ("show mac-address-table vlan <vlan>", "show_mac_vlan"),
    ("show mac-address-table interface <if>", "show_mac_interface"),
    ("show mac-address-table address <word>", "show_mac_address"),
    ("show arp", "show_arp"),
    ("show arp <ip>", "show_arp"),
    ("show access-lists <word>", "show_access_list"),
)
# what RGOS says beyond the family's grammar (family_ios.FAMILY_COMMANDS)
RUIJIE_COMMANDS = command_table(
    {
        "user": SHOW,
        "enable": (*SHOW, ("configure", "configure"), ("reload at <time>", "reload_at")),
        "config": (
            ("vlan range <vlanlist>", "vlan_range"),
            ("username <word> privilege <int>", "username_privilege"),
            ("enable service ssh-server", "noop"),
            ("enable service telnet-server", "noop"),
            ("no enable service telnet-server", "noop"),
            ("service password-encryption", "noop"),
            ("no service password-encryption", "noop"),
            ("logging server <ip>", "log_host"),
            ("no logging server <ip>", "remove_log_host"),
            ("line console <int>", "enter_con"),
            ("spanning-tree", "noop"),
            ("spanning-tree mode rstp", "noop"),
            ("spanning-tree mode mstp", "noop"),
        ),
        "interface": (
            ("switchport trunk allowed vlan only <vlanlist>", "if_allowed"),
            ("spanning-tree bpdufilter enable", "noop"),
        ),
        "svi": (
            ("ip address <ip> <mask>", "svi_ip"),
            ("no ip address <ip> <mask>", "svi_no_ip"),
        ),
        "line": (("no login", "noop"), ("password <text>", "noop")),
    }
)

# full type name -> the short forms typed or shown (``show vlan`` lists ``Gi0/1``)
RUIJIE_TYPES = {
    "GigabitEthernet": ["Gi", "G"],
    "TenGigabitEthernet": ["Te", "Tg"],
    "FastEthernet": ["Fa"],
    "AggregatePort": ["Ag"],
    "VLAN": ["Vl", "Vlan"],
    "Loopback": ["Lo"],
}
RUIJIE_VIRTUAL = ("VLAN", "AggregatePort", "Loopback")
CONFIG_MODES = set(FAMILY_MODE_PROMPTS) | set(INTERFACE_MODES)


def short_name(name: str) -> str:
    """``GigabitEthernet 0/1`` -> ``Gi0/1`` (``show vlan``'s port list)."""
    kind, _, number = name.partition(" ")
    shorts = RUIJIE_TYPES.get(kind)
    return f"{shorts[0]}{number}" if shorts else name


def resolve_ruijie_interface(typed: str, physical: set[str] | Any) -> str | None:
    """``gi0/1``, ``g 0/1``, ``GigabitEthernet0/1`` -> ``GigabitEthernet 0/1`` when that
    port exists; ``vlan 10`` -> ``VLAN 10`` (virtual interfaces always exist)."""
    parts = split_interface(typed)
    if parts is None:
        return None
    kind, number = parts[0].lower(), parts[1]
    exact = [full for full, shorts in RUIJIE_TYPES.items() if kind in (s.lower() for s in shorts)]
    candidates = exact or [full for full in RUIJIE_TYPES if full.lower().startswith(kind)]
    if len(candidates) != 1:
        return None
    name = f"{candidates[0]} {number}"
    if candidates[0] in RUIJIE_VIRTUAL:
        return name
    return name if name in physical else None


def rgos_clock(now: Any) -> str:
    """``23:26:48 beijing Sun, Sep 27, 2020`` (time, zone name, weekday, date)."""
    return f"{now:%H:%M:%S} UTC {now:%a}, {now:%b} {now.day:02d}, {now.year}"


class RuijieSession(IosFamilySession):
    commands = RUIJIE_COMMANDS
    mode_prompts = FAMILY_MODE_PROMPTS
    config_modes = CONFIG_MODES
    default_hostname = "Ruijie"

    def initial_mode(self, user: LocalUser | None) -> str:
        """Every login starts in user EXEC (``Ruijie>``); ``enable`` leads on."""
        return "user"

    def config_prompt(self, host: str) -> str:
        if self.mode in INTERFACE_MODES:
            return f"{host}(config-if-{self.context['name']})#"
        return f"{host}({FAMILY_MODE_PROMPTS[self.mode]})#"

    def enable_without_secret(self) -> Reply:
        """No enable password configured: privileged EXEC without a question."""
        self.mode = "enable"
        return Reply("")

    def resolve_interface(self, typed: str) -> str | None:
        return resolve_ruijie_interface(typed, self.cfg.interfaces.keys())

    def svi_vlan(self, name: str) -> int | None:
        kind, _, number = name.partition(" ")
        return int(number) if kind == "VLAN" and number.isdigit() else None

    def svi_name(self, vlan: int) -> str:
        return f"VLAN {vlan}"

    def access_vlan_created(self, vlan: int) -> str:
        return ""

    def running_header(self, body: str) -> str:
        return f"Building configuration...\nCurrent configuration: {len(body) + 1} bytes\n\n"

    def _secret(self, text: str) -> str | None:
        """``secret 5 $1$...`` (a stored hash), ``secret 0 PLAIN`` or a plain word."""
        words = text.split()
        if len(words) == 2 and words[0] == "5" and words[1].startswith("$1$"):
            return words[1]
        return super()._secret(text)

    def username_privilege(self, name: str, level: int) -> str:
        """RGOS 10.4 prints the account in two lines: ``username X password Y`` and
        ``username X privilege 15``."""
        user = self.cfg.users.get(name)
        if user is None:
            user = self.cfg.users[name] = LocalUser(name, "", level, {"ssh"})
        user.level = level
        return ""

    def enter_interface_range(self, text: str) -> str | ParseFault:
        """``interface range gigabitEthernet 0/1 - 4, gi0/6`` (the type and number may be
        apart, as RGOS prints them)."""
        return super().enter_interface_range(re.sub(r"([A-Za-z])\s+(\d)", r"\1\2", text))

    def vlan_range(self, vlans: set[int]) -> str:
        """``vlan range 10,20-30``: creates the VLANs (RGOS's bulk form)."""
        return self.enter_vlan(vlans)

    @property
    def dev(self) -> RuijieDevice:
        return self.device  # type: ignore[return-value]

    # -- save, reload, safety net --
    def reload(self) -> Reply:
        def proceed(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                self.device.reboot()
                return Reply("", close=True)
            return Reply("")

        return self.ask("Proceed with reload? [no]", proceed)

    def reload_in(self, minutes: int) -> Reply:
        if not 1 <= minutes <= 999:
            return Reply(self.format_fault(self.error_at_word(self.typed_line, 2)))
        seconds = minutes * 60
        at = self.device.now() + timedelta(seconds=seconds)

        def proceed(text: str) -> Reply:
            if text.lower() in ("y", "yes"):
                self.device.schedule_reboot(seconds)
                return Reply(f"Reload scheduled for {rgos_clock(at)} (in {minutes} minutes)")
            return Reply("")

        return self.ask("Proceed with reload? [no]", proceed)

    def reload_in_clock(self, clock: str) -> Reply:
        hours, minutes = (int(p) for p in clock.split(":"))
        return self.reload_in(hours * 60 + minutes)

    def reload_at(self, clock: str) -> Reply:
        hours, minutes = (int(p) for p in clock.split(":"))
        now = self.device.now()
        at = now.replace(hour=hours, minute=minutes, second=0, microsecond=0)
        if at <= now:
            at += timedelta(days=1)
        return self.reload_in(max(1, round((at - now).total_seconds() / 60)))

    def reload_cancel(self) -> str:
        if not self.device.cancel_scheduled_reboot():
            return "% No reload is scheduled."
        return "Reload cancelled."

    # -- shows --
    def show_startup(self) -> str:
        return self.dev.render_config(self.device.saved)

    def show_clock(self) -> str:
        return rgos_clock(self.device.now())

    def show_access_list(self, name: str) -> str:
        return self.dev.show_access_lists(name)


class RuijieDevice(IosFamilyDevice):
    platform = "ruijie_os"
    session_class = RuijieSession
    skip_prefixes = ("Building configuration", "Current configuration", "version ", "end")

    def hash_password(self, password: str) -> str:
        return secrets.ruijie_type5(password)

    def model(self) -> str:
        return self.spec.model or "RG-S5750C-28GT4XS-H"

    def firmware(self) -> str:
        return self.spec.firmware or "S5750_RGOS 11.4(1)B12P5"

    # -- configuration text --
    def render_config(self, config: DeviceConfig) -> str:
        out = [f"version {self.firmware()}", f"hostname {config.hostname}", "!"]
        for user in config.users.values():
            line = f"username {user.name} privilege {user.level}"
            out.append(f"{line} secret 5 {user.password_hash}" if user.password_hash else line)
        if config.users:
            out.append("!")
        if config.enable_secret:
            out.append(f"enable secret 5 {config.enable_secret}")
        out += ["enable service ssh-server", "!"]
        out += self.render_vlans(config) + self.render_interfaces(config)
        for svi in config.vlanifs.values():
            out += self.render_svi(svi, f"VLAN {svi.vlan}")
        for acl in config.acls.values():
            kind = "standard" if acl.kind == "basic" else "extended"
            out.append(f"ip access-list {kind} {acl.name}")
            if acl.description:
                out.append(f" remark {acl.description}")
            for rule in acl.rules:
                entry = acl_text.render_ios_entry(rule, acl.kind == "advanced", xe=True)
                out.append(f" {rule.id} {entry}")
            out.append("!")
        out += self.render_routes(config)
        mgmt = config.management
        for ip in mgmt.log_hosts:
            out.append(f"logging server {ip}")
        for community, access in mgmt.snmp_communities.items():
            out.append(f"snmp-server community {community} {access.lower()}")
        for ip in mgmt.ntp_servers:
            out.append(f"ntp server {ip}")
        if mgmt.log_hosts or mgmt.snmp_communities or mgmt.ntp_servers:
            out.append("!")
        out += self.render_time_ranges(config)
        out += ["line console 0", "line vty 0 4", *self.render_vty_limits(config)]
        out += [" login local", "!", "end"]
        return "\n".join(out)

    def render_interface(self, intf: Interface) -> list[str]:
        out: list[str] = []
        if intf.description:
            out.append(f"description {intf.description}")
        if intf.link_type is LinkType.TRUNK:
            out.append("switchport mode trunk")
            if intf.pvid != 1:
                out.append(f"switchport trunk native vlan {intf.pvid}")
            if intf.allowed_vlans != ALL_VLANS:
                text = format_vlan_list_ios(intf.allowed_vlans)
                out.append(f"switchport trunk allowed vlan only {text}")
        elif intf.pvid != 1:
            out.append(f"switchport access vlan {intf.pvid}")
        return out + self.render_port_tail(intf)

    # -- shows --
    def uptime_text(self) -> str:
        days, rest = divmod(self.uptime_seconds(), 86400)
        hours, rest = divmod(rest, 3600)
        return f"{days}:{hours}:{rest // 60}:{rest % 60}"

    def show_version(self) -> str:
        model = self.model().removeprefix("RG-")
        serial = self.spec.serial or "G1QH10Q000123"
        boot = self.now() - timedelta(seconds=self.uptime_seconds())
        return "\n".join(
            [
                f"System description      : Ruijie Full Gigabit Layer 3 Switch({model}) "
                "By Ruijie Networks",
                f"System start time       : {boot:%Y-%m-%d %H:%M:%S}",
                f"System uptime           : {self.uptime_text()}",
                "System hardware version : 1.00",
                f"System software version : {self.firmware()}",
                "System patch number     : NA",
                f"System serial number    : {serial}",
                "System boot version     : 1.2.5",
                "Module information:",
                f"  Slot 0 : {self.model()}",
                "    Hardware version           : 1.00",
                "    Boot version               : 1.2.5",
                f"    Software version           : {self.firmware()}",
                f"    Serial number              : {serial}",
            ]
        )

    def show_vlan(self) -> str:
        out = [
            "VLAN Name                             Status    Ports     ",
            "---- -------------------------------- --------- -----------------------------------",
        ]
        config = self.running
        for vlan in config.vlans.values():
            name = vlan.name or f"VLAN{vlan.id:04d}"
            ports = [short_name(i.name) for i in config.interfaces.values() if i.carries(vlan.id)]
            head = f"{vlan.id:>4} {name:<32} {'STATIC':<9} "
            if not ports:
                out.append(head.rstrip())
            for index in range(0, len(ports), 4):
                chunk = ", ".join(ports[index : index + 4])
                out.append((head if index == 0 else " " * len(head)) + f"{chunk:<38}")
        return "\n".join(out)

    def show_interfaces_status(self) -> str:
        out = [
            "Interface                                Status    Vlan   Duplex   Speed     Type  ",
            "---------------------------------------- --------  ----   -------  --------- ------",
        ]
        for intf in self.running.interfaces.values():
            ten = intf.name.startswith("TenGigabit")
            if self.port_up(intf.name):
                status, duplex, speed = "up", "Full", "10G" if ten else "1000M"
            else:
                status, duplex, speed = "down", "Unknown", "Unknown"
            kind = "fiber" if ten else "copper"
            out.append(
                f"{intf.name:<41}{status:<10}{intf.pvid:<7}{duplex:<9}{speed:<10}{kind}".rstrip()
            )
        return "\n".join(out)

    def show_mac(self, **filters: Any) -> str:
        out = [
            "Vlan        MAC Address          Type     Interface                      Time",
            "----------  -------------------- -------- ------------------------------ "
            "--------------------",
        ]
        now = self.now()
        stamp = f"{now.year}-{now.month}-{now.day} {now:%H:%M:%S}"
        for entry in self.mac_entries(**filters):
            mac = entry.mac.replace(":", "")
            dotted = f"{mac[0:4]}.{mac[4:8]}.{mac[8:12]}"
            kind = entry.kind.upper()
            out.append(f"{entry.vlan:>4}{'':8}{dotted:<21}{kind:<9}{entry.port:<31}{stamp}")
        return "\n".join(out)

    def show_arp(self, only: str | None = None) -> str:
        out = [
            "Protocol  Address          Age(min)  Hardware        Type   Interface               "
        ]
        rows = self.arp_rows(only, "--", lambda vlan, entry: f"VLAN {vlan}")
        for ip, age, mac, interface in rows:
            out.append(f"Internet  {ip:<17}{age:<10}{mac:<16}{'arpa':<7}{interface}")
        out.append(f"Total number of ARP entries: {len(rows)}")
        return "\n".join(out)

    def show_access_lists(self, only: str | None = None) -> str:
        out: list[str] = []
        for acl in self.running.acls.values():
            if only not in (None, acl.name):
                continue
            if out:
                out.append("")
            kind = "standard" if acl.kind == "basic" else "extended"
            out.append(f"ip access-list {kind} {acl.name}")
            for rule in acl.rules:
                entry = acl_text.render_ios_entry(rule, acl.kind == "advanced", xe=True)
                out.append(f" {rule.id} {entry}")
        return "\n".join(out)

    def show_ip_interface_brief(self) -> str:
        out = [
            "Interface                                IP-Address(Pri)      IP-Address(Sec)      "
            "Status                 Protocol "
        ]
        config = self.running
        ports = {name: self.port_up(name) for name in config.interfaces}
        for svi in config.vlanifs.values():
            network = svi.network()
            address = f"{svi.ip}/{network.prefixlen}" if svi.ip and network else "no address"
            if svi.shutdown:
                status, protocol = "administratively down", "down"
            else:
                status = protocol = "up" if config.vlanif_up(svi.vlan, ports) else "down"
            out.append(
                f"{f'VLAN {svi.vlan}':<41}{address:<21}{'no address':<21}{status:<23}{protocol}"
            )
        return "\n".join(out)
