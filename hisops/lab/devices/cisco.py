"""Cisco IOS (Catalyst access/aggregation switches, IOS 15.2) CLI engine.

Auto-revert is IOS's Configuration Rollback Confirmed Change: with an ``archive`` /
``path`` configured, ``configure terminal revert timer MINUTES`` backs the running
configuration up to the archive and enters configuration mode; unless
``configure confirm`` is entered before the timer expires, the running configuration
rolls back to that archive. ``configure revert now`` rolls back at once,
``configure revert timer MINUTES`` re-arms the timer. Scheduled reloads are
``reload in MINUTES``/``reload in HH:MM`` and ``reload cancel``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hisops.lab.contract import ArpEntry, Reply, TimerHandle
from hisops.lab.devices import acl_text, secrets
from hisops.lab.devices.base import ALL_VLANS, ParseFault
from hisops.lab.devices.family_ios import (
    FAMILY_MODE_PROMPTS,
    SUB_COMMON,
    IosFamilyDevice,
    IosFamilySession,
    command_table,
    is_numbered,
)
from hisops.lab.devices.model import (
    DeviceConfig,
    Interface,
    LinkType,
    Vlan,
    VlanIf,
    format_vlan_list_ios,
)

RESERVED_VLANS = {
    1002: "fddi-default",
    1003: "token-ring-default",
    1004: "fddinet-default",
    1005: "trnet-default",
}


SHOW = (
    ("show running-config interface <if>", "show_running_interface"),
    ("show inventory", "show_inventory"),
    ("show vlan brief", "show_vlan"),
    ("show interfaces", "show_interfaces"),
    ("show interfaces <if>", "show_interfaces"),
    ("show interfaces switchport", "show_switchport"),
    ("show interfaces <if> switchport", "show_switchport"),
    ("show mac address-table", "show_mac"),
    ("show mac address-table dynamic", "show_mac"),
    ("show mac address-table vlan <vlan>", "show_mac_vlan"),
    ("show mac address-table interface <if>", "show_mac_interface"),
    ("show mac address-table address <word>", "show_mac_address"),
    ("show ip arp", "show_arp"),
    ("show ip arp <ip>", "show_arp"),
    ("show ip access-lists", "show_access_lists"),
    ("show reload", "show_reload"),
    ("show archive", "show_archive"),
)
NO_ACCESS_GROUP = (
    ("no ip access-group in", "if_no_acl_in"),
    ("no ip access-group out", "if_no_acl_out"),
)
# what IOS says beyond the family's grammar (family_ios.FAMILY_COMMANDS)
CISCO_COMMANDS = command_table(
    {
        "user": SHOW,
        "enable": (
            *SHOW,
            ("configure terminal revert timer <int>", "configure_revert"),
            ("configure confirm", "configure_confirm"),
            ("configure revert now", "configure_revert_now"),
            ("configure revert timer <int>", "configure_revert_rearm"),
            ("copy running-config startup-config", "copy_run_start"),
            ("erase startup-config", "erase_startup"),
            ("write erase", "erase_startup"),
        ),
        "config": (
            ("ip domain-name <word>", "domain_name"),
            ("ip domain name <word>", "domain_name"),
            ("no ip domain-name", "no_domain_name"),
            ("logging host <ip>", "log_host"),
            ("logging <ip>", "log_host"),
            ("no logging host <ip>", "remove_log_host"),
            ("archive", "enter_archive"),
            ("no archive", "no_archive"),
            ("line con <int>", "enter_con"),
            ("vtp mode transparent", "noop"),
            ("spanning-tree mode rapid-pvst", "noop"),
            ("no ip domain-lookup", "noop"),
        ),
        "interface": (
            ("switchport trunk encapsulation dot1q", "noop"),
            ("switchport trunk allowed vlan none", "if_allowed_none"),
            *NO_ACCESS_GROUP,
        ),
        "svi": (
            ("ip address <ip> <ip>", "svi_ip"),
            ("no ip address <ip> <ip>", "svi_no_ip"),
            *NO_ACCESS_GROUP,
        ),
        "other-interface": (("no ip address", "noop"),),
        "archive": (
            *SUB_COMMON,
            ("path <word>", "archive_path"),
            ("no path", "archive_no_path"),
            ("maximum <int>", "noop"),
            ("write-memory", "noop"),
        ),
        "line": (
            ("transport input telnet ssh", "noop"),
            ("logging synchronous", "noop"),
            ("privilege level <int>", "noop"),
        ),
    }
)

CISCO_TYPES = {
    "GigabitEthernet": ["Gi", "Gig"],
    "FastEthernet": ["Fa"],
    "TenGigabitEthernet": ["Te", "Ten"],
    "TwentyFiveGigE": ["Twe"],
    "Port-channel": ["Po"],
    "Vlan": ["Vl"],
    "Loopback": ["Lo"],
}
CISCO_VIRTUAL = ("Vlan", "Loopback", "Port-channel")
CISCO_SHORT = {
    "GigabitEthernet": "Gi",
    "FastEthernet": "Fa",
    "TenGigabitEthernet": "Te",
    "TwentyFiveGigE": "Twe",
    "Port-channel": "Po",
}
MODE_PROMPTS = {
    **FAMILY_MODE_PROMPTS,
    "interface": "config-if",
    "svi": "config-if",
    "other-interface": "config-if",
    "archive": "config-archive",
}
CONFIG_MODES = set(MODE_PROMPTS)
XE_TRAINS = {"16.12": "Gibraltar", "17.3": "Amsterdam", "17.6": "Bengaluru", "17.9": "Cupertino",
             "17.12": "Dublin"}  # fmt: skip


_COUNTERS = (
    "  ARP type: ARPA, ARP Timeout 04:00:00",
    "  Last input never, output 00:00:01, output hang never",
    '  Last clearing of "show interface" counters never',
    "  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0",
    "  Queueing strategy: fifo",
    "  Output queue: 0/40 (size/max)",
    "  5 minute input rate 0 bits/sec, 0 packets/sec",
    "  5 minute output rate 0 bits/sec, 0 packets/sec",
    "     0 packets input, 0 bytes, 0 no buffer",
    "     Received 0 broadcasts (0 multicasts)",
    "     0 runts, 0 giants, 0 throttles ",
    "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
    "     0 watchdog, 0 multicast, 0 pause input",
    "     0 input packets with dribble condition detected",
    "     0 packets output, 0 bytes, 0 underruns",
    "     0 output errors, 0 collisions, 1 interface resets",
    "     0 unknown protocol drops",
    "     0 babbles, 0 late collision, 0 deferred",
    "     0 lost carrier, 0 no carrier, 0 pause output",
    "     0 output buffer failures, 0 output buffers swapped out",
)


def short_name(name: str) -> str:
    for full in sorted(CISCO_SHORT, key=len, reverse=True):
        if name.startswith(full):
            return CISCO_SHORT[full] + name[len(full) :]
    return name


class CiscoSession(IosFamilySession):
    commands = CISCO_COMMANDS
    mode_prompts = MODE_PROMPTS
    config_modes = CONFIG_MODES
    interface_types = CISCO_TYPES
    virtual_types = CISCO_VIRTUAL
    reserved_vlans = RESERVED_VLANS

    def config_prompt(self, host: str) -> str:
        return f"{host[:20]}({MODE_PROMPTS[self.mode]})#"

    def format_fault(self, fault: ParseFault) -> str:
        words = self.typed_line.split()
        if (
            fault.kind not in ("incomplete", "ambiguous")
            and self.mode in ("user", "enable")
            and len(words) == 1
            and fault.column == 0
        ):
            return (
                f'Translating "{words[0]}"\n'
                "% Unknown command or computer name, or unable to find computer address"
            )
        return super().format_fault(fault)

    # -- revert timer / reload --
    @property
    def dev(self) -> CiscoDevice:
        return self.device  # type: ignore[return-value]

    def configure_revert(self, minutes: int) -> str:
        if not 1 <= minutes <= 120:
            return self.format_fault(self.error_at_word(self.typed_line, 4))
        if not self.cfg.management.archive_path:
            return "% Archive path is not configured; see 'path' in archive configuration mode"
        name = self.dev.arm_revert(minutes * 60)
        self.leave_to("config")
        return (
            f"Rollback Confirmed Change: Backing up current running config to {name}\n\n"
            "Enter configuration commands, one per line.  End with CNTL/Z."
        )

    def configure_confirm(self) -> str:
        self.dev.confirm_revert()
        return ""

    def configure_revert_now(self) -> str:
        if self.dev.revert is None:
            return "% No Rollback Confirmed Change pending"
        self.dev.revert_now()
        return ""

    def configure_revert_rearm(self, minutes: int) -> str:
        if self.dev.revert is None:
            return "% No Rollback Confirmed Change pending"
        self.dev.rearm_revert(minutes * 60)
        return ""

    def copy_run_start(self) -> Reply:
        def answer(text: str) -> Reply:
            if text in ("", "startup-config"):
                return Reply(self.write_memory())
            return Reply("%Error opening flash:" + text + " (No such file or directory)")

        return self.ask("Destination filename [startup-config]? ", answer)

    def _modified_then(self, then: Reply) -> Reply:
        if self.device.running == self.device.saved:
            return then
        question = then.output

        def answer(text: str) -> Reply:
            key = text.lower()
            if key in ("y", "ye", "yes"):
                saved = self.write_memory() + "\n"
            elif key in ("n", "no"):
                saved = ""
            else:
                return self.ask(
                    "% Please answer 'yes' or 'no'.\n"
                    "System configuration has been modified. Save? [yes/no]: ",
                    answer,
                )
            self.question = pending
            return Reply(saved + question)

        pending = self.question
        self.question = None
        return self.ask("System configuration has been modified. Save? [yes/no]: ", answer)

    def reload(self) -> Reply:
        def proceed(text: str) -> Reply:
            if text.lower() in ("", "y", "yes", "confirm"):
                self.device.reboot()
                return Reply("", close=True)
            return Reply("")

        return self._modified_then(self.ask("Proceed with reload? [confirm]", proceed))

    def reload_in(self, minutes: int) -> Reply:
        seconds = minutes * 60
        at = self.device.now() + timedelta(seconds=seconds)
        hours, mins = divmod(minutes, 60)
        span = f"{hours}:{mins:02d}" if hours else f"{minutes} minutes"

        def proceed(text: str) -> Reply:
            if text.lower() in ("", "y", "yes", "confirm"):
                self.device.schedule_reboot(seconds)
                return Reply("")
            return Reply("")

        notice = (
            f"Reload scheduled for {at:%H:%M:%S} UTC {at:%a %b %d %Y} (in {span}) "
            f"by {self.username} on vty0\n"
        )
        return self._modified_then(self.ask(notice + "Proceed with reload? [confirm]", proceed))

    def reload_in_clock(self, clock: str) -> Reply:
        hours, minutes = (int(p) for p in clock.split(":"))
        return self.reload_in(hours * 60 + minutes)

    def erase_startup(self) -> Reply:
        def answer(text: str) -> Reply:
            if text.lower() not in ("", "y", "yes", "confirm"):
                return Reply("")
            self.device.erase_saved()
            return Reply("[OK]\nErase of nvram: complete")

        return self.ask(
            "Erasing the nvram filesystem will remove all configuration files! Continue? [confirm]",
            answer,
        )

    def reload_cancel(self) -> str:
        if not self.device.cancel_scheduled_reboot():
            return "%No reload is scheduled."
        return "\n\n***\n*** --- SHUTDOWN ABORTED ---\n***\n"

    def enter_archive(self) -> str:
        return self.enter("archive")

    def no_archive(self) -> str:
        self.cfg.management.archive_path = ""
        return ""

    def archive_path(self, path: str) -> str:
        self.cfg.management.archive_path = path
        return ""

    def archive_no_path(self) -> str:
        self.cfg.management.archive_path = ""
        return ""

    def show_inventory(self) -> str:
        return self.dev.show_inventory()

    def show_interfaces(self, name: str | None = None) -> str:
        if name is not None and name not in self.cfg.interfaces:
            vlan = int(name[4:]) if name.startswith("Vlan") and name[4:].isdigit() else None
            if vlan is None or vlan not in self.cfg.vlanifs:
                return self.format_fault(self.error_at_word(self.typed_line, 2))
        return self.dev.show_interfaces(name)

    def show_switchport(self, name: str | None = None) -> str:
        if name is not None and name not in self.cfg.interfaces:
            return self.format_fault(self.error_at_word(self.typed_line, 2))
        return self.dev.show_switchport(name)

    def show_clock(self) -> str:
        now = self.device.now()
        return f"*{now:%H:%M:%S}.{now.microsecond // 1000:03d} UTC {now:%a %b} {now.day} {now.year}"

    def show_reload(self) -> str:
        pending = self.device.scheduled_reboot
        if pending is None:
            return "No reload is scheduled."
        at = self.device.now() + timedelta(seconds=pending[0] - self.device.host.now())
        left = max(0, int(pending[0] - self.device.host.now()))
        return (
            f"Reload scheduled for {at:%H:%M:%S} UTC {at:%a %b %d %Y} "
            f"(in {left // 3600}:{left % 3600 // 60:02d}:{left % 60:02d}) by {self.username}"
        )

    def show_archive(self) -> str:
        return self.dev.show_archive()


class CiscoDevice(IosFamilyDevice):
    platform = "cisco_ios"
    session_class = CiscoSession

    def __init__(self, spec: dict[str, Any]) -> None:
        self.revert: tuple[DeviceConfig, TimerHandle, str] | None = None
        self.archives: list[str] = []
        super().__init__(spec)

    def hash_password(self, password: str) -> str:
        return secrets.cisco_type9(password)

    # -- revert timer --
    def archive_name(self) -> str:
        now = self.now()
        day = f"{now.day:>2}".replace(" ", "-")
        name = (
            f"{self.running.management.archive_path}-{now:%b}-{day}-{now:%H-%M-%S}."
            f"{now.microsecond // 1000:03d}-{len(self.archives)}"
        )
        self.archives.append(name)
        return name

    def arm_revert(self, seconds: float) -> str:
        self.confirm_revert()
        name = self.archive_name()
        self.revert = (self.running.copy(), self.host.call_later(seconds, self.revert_now), name)
        return name

    def rearm_revert(self, seconds: float) -> None:
        if self.revert is not None:
            snapshot, timer, name = self.revert
            timer.cancel()
            self.revert = (snapshot, self.host.call_later(seconds, self.revert_now), name)

    def revert_now(self) -> None:
        if self.revert is not None:
            snapshot, timer, _ = self.revert
            timer.cancel()
            self.running = snapshot
            self.revert = None

    def confirm_revert(self) -> None:
        if self.revert is not None:
            self.revert[1].cancel()
            self.revert = None

    def on_boot(self) -> None:
        self.confirm_revert()

    def reboot(self) -> None:
        self.boot_numbers()
        super().reboot()

    def power_on(self) -> None:
        self.boot_numbers()
        super().power_on()

    def boot_numbers(self) -> None:
        """Classic IOS saves no ACL sequence numbers ("Sequence numbers are not nvgened ...
        In the event that the system is reloaded, the configured sequence numbers revert to
        the default sequence starting number and increment", Catalyst 2960 configuration
        guide): the saved entries boot numbered 10, 20, ... IOS-XE prints and keeps them."""
        if not self.is_xe():
            for acl in self.saved.acls.values():
                acl.rules = [replace(r, id=10 * (i + 1)) for i, r in enumerate(acl.rules)]

    # -- configuration text --
    def render_config(self, config: DeviceConfig) -> str:
        out = [
            "!",
            f"version {self.version_short()}",
            "no service pad",
            "service timestamps debug datetime msec",
            "service timestamps log datetime msec",
            "service password-encryption",
            "!",
            f"hostname {config.hostname}",
            "!",
            "boot-start-marker",
            "boot-end-marker",
            "!",
        ]
        if config.enable_secret:
            out += [f"enable secret 9 {config.enable_secret}", "!"]
        for user in config.users.values():
            out.append(f"username {user.name} privilege {user.level} secret 9 {user.password_hash}")
        out += ["no aaa new-model", "system mtu routing 1500", "!"]
        if config.management.domain_name:
            out.append(f"ip domain-name {config.management.domain_name}")
        out += ["no ip domain-lookup", "!"]
        mgmt = config.management
        if mgmt.archive_path:
            out += ["archive", f" path {mgmt.archive_path}", " write-memory", "!"]
        out += [
            "spanning-tree mode rapid-pvst",
            "spanning-tree extend system-id",
            "!",
            "vlan internal allocation policy ascending",
            "!",
        ]
        out += self.render_vlans(config, skip=(1,)) + self.render_interfaces(config)
        vlanifs = dict(config.vlanifs)
        if 1 not in vlanifs:
            out += ["interface Vlan1", " no ip address", " shutdown", "!"]
        for svi in vlanifs.values():
            out += self.render_svi(svi, f"Vlan{svi.vlan}", no_address=True)
        out += ["ip forward-protocol nd", "no ip http server", "no ip http secure-server", "!"]
        out += self.render_routes(config)
        # IOS XE prints each named-ACL entry with its sequence number and pads only
        # standard entries (`` 10 deny tcp any ...``); the older releases print no numbers
        # and pad every deny (`` deny   ip any any``). Well-known ports by name.
        xe = self.is_xe()
        for acl in config.acls.values():
            if is_numbered(acl.name):
                continue
            kind = "standard" if acl.kind == "basic" else "extended"
            out.append(f"ip access-list {kind} {acl.name}")
            if acl.description:
                out.append(f" remark {acl.description}")
            for rule in acl.rules:
                pad = acl.kind == "basic" or not xe
                entry = acl_text.render_ios_entry(rule, acl.kind == "advanced", pad=pad, xe=xe)
                out.append(f" {rule.id} {entry}" if xe else f" {entry}")
        for ip in mgmt.log_hosts:
            out.append(f"logging host {ip}")
        numbered = [a for a in config.acls.values() if is_numbered(a.name)]
        for acl in numbered:
            if acl.description:
                out.append(f"access-list {acl.name} remark {acl.description}")
            for rule in acl.rules:
                entry = acl_text.render_ios_entry(
                    rule, acl.kind == "advanced", pad=True, xe=self.is_xe()
                )
                out.append(f"access-list {acl.name} {entry}")
        if numbered or mgmt.log_hosts or any(not is_numbered(a) for a in config.acls):
            out.append("!")
        for community, access in mgmt.snmp_communities.items():
            out.append(f"snmp-server community {community} {access}")
        if mgmt.snmp_communities:
            out.append("!")
        out += self.render_time_ranges(config)
        out += ["line con 0", "line vty 0 4"]
        vty = [*self.render_vty_limits(config), " login local", " transport input ssh"]
        out += vty + ["line vty 5 15", *vty, "!"]
        for ip in mgmt.ntp_servers:
            out.append(f"ntp server {ip}")
        out.append("end")
        return "\n".join(out)

    def render_interface(self, intf: Interface) -> list[str]:
        out: list[str] = []
        if intf.description:
            out.append(f"description {intf.description}")
        if intf.link_type is LinkType.TRUNK:
            if intf.pvid != 1:
                out.append(f"switchport trunk native vlan {intf.pvid}")
            if intf.allowed_vlans != ALL_VLANS:
                text = format_vlan_list_ios(intf.allowed_vlans) or "none"
                out.append(f"switchport trunk allowed vlan {text}")
            out.append("switchport mode trunk")
        elif intf.pvid != 1:
            out += [f"switchport access vlan {intf.pvid}", "switchport mode access"]
        return out + self.render_port_tail(intf)

    skip_prefixes = (
        "Building configuration", "Current configuration", "Using ", "version ", "service ",
        "no service", "boot-", "no aaa new-model", "system mtu", "spanning-tree ", "vlan internal",
        "ip forward-protocol", "no ip http", "line con", "end", "! ", "write-memory",
        "vtp ", "no ip domain-lookup",
    )  # fmt: skip

    def after_load(self, config: DeviceConfig) -> None:
        vlan1 = config.vlanifs.get(1)
        if vlan1 is not None and vlan1 == VlanIf(1, shutdown=True):
            del config.vlanifs[1]

    # -- shows --
    def firmware(self) -> str:
        return self.spec.firmware or "15.2(7)E4"

    def is_xe(self) -> bool:
        """IOS-XE firmware is dotted (``17.09.04a``); classic IOS has ``15.2(7)E4``."""
        return "(" not in self.firmware()

    def version_short(self) -> str:
        if self.is_xe():
            major, minor = self.firmware().split(".")[:2]
            return f"{int(major)}.{int(minor)}"
        return self.firmware().split("(")[0]

    def family(self) -> str:
        model = self.spec.model or "WS-C2960X-48FPD-L"
        return model.removeprefix("WS-").split("-")[0]

    def uptime_text(self) -> str:
        seconds = self.uptime_seconds()
        weeks, rest = divmod(seconds, 7 * 86400)
        days, rest = divmod(rest, 86400)
        hours, rest = divmod(rest, 3600)
        parts = []
        if weeks:
            parts.append(f"{weeks} week{'s' if weeks != 1 else ''}")
        if days:
            parts.append(f"{days} day{'s' if days != 1 else ''}")
        if hours:
            parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
        minutes = rest // 60
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
        return ", ".join(parts)

    def show_version(self) -> str:
        if self.is_xe():
            return self.show_version_xe()
        firmware = self.firmware()
        family = self.family()
        model = self.spec.model or "WS-C2960X-48FPD-L"
        serial = self.spec.serial or "FOC1234X0AB"
        image = f"{family}-UNIVERSALK9-M"
        mac = self.mac_dotted(":", 2).upper()
        boot = self.now() - timedelta(seconds=self.uptime_seconds())
        major, _, rest = firmware.partition("(")
        image_file = f"{family.lower()}-universalk9-mz.{major.replace('.', '')}-" + rest.replace(
            ")", "."
        )
        n_ge = sum(1 for n in self.running.interfaces if n.startswith("GigabitEthernet"))
        n_te = sum(1 for n in self.running.interfaces if n.startswith("TenGigabitEthernet"))
        lines = [
            f"Cisco IOS Software, {family} Software ({image}), Version {firmware}, "
            "RELEASE SOFTWARE (fc2)",
            "Technical Support: http://www.cisco.com/techsupport",
            "Copyright (c) 1986-2021 by Cisco Systems, Inc.",
            "Compiled Mon 08-Feb-21 19:35 by prod_rel_team",
            "",
            f"ROM: Bootstrap program is {family} boot loader",
            f"BOOTLDR: {family} Boot Loader ({family}-HBOOT-M) Version 15.2(7r)E, "
            "RELEASE SOFTWARE (fc1)",
            "",
            f"{self.running.hostname} uptime is {self.uptime_text()}",
            "System returned to ROM by power-on",
            f"System restarted at {boot:%H:%M:%S} UTC {boot:%a %b %d %Y}",
            f'System image file is "flash:{image_file}.bin"',
            "Last reload reason: power-on",
            "",
            "",
            "",
            f"cisco {model} (APM86XXX) processor (revision B0) with 524288K bytes of memory.",
            f"Processor board ID {serial}",
            "Last reset from power-on",
            "1 Virtual Ethernet interface",
            f"{n_ge} Gigabit Ethernet interfaces",
        ]
        if n_te:
            lines.append(f"{n_te} Ten Gigabit Ethernet interfaces")
        lines += [
            "The password-recovery mechanism is enabled.",
            "",
            "512K bytes of flash-simulated non-volatile configuration memory.",
            f"Base ethernet MAC Address       : {mac}",
            "Motherboard assembly number     : 73-16285-04",
            f"Motherboard serial number       : {serial}",
            "Model revision number           : B0",
            f"Model number                    : {model}",
            f"System serial number            : {serial}",
            "Version ID                      : V04",
            "",
            "",
            "Switch Ports Model                     SW Version            SW Image",
            "------ ----- -----                     ----------            ----------",
            f"*    1 {len(self.running.interfaces):<5} {model:<25} {firmware:<21} {image}",
            "",
            "",
            "Configuration register is 0xF",
        ]
        return "\n".join(lines)

    def show_version_xe(self) -> str:
        firmware = self.firmware()
        parts = firmware.split(".")
        short = ".".join(str(int(p)) if p.isdigit() else p.lstrip("0") for p in parts)
        train = XE_TRAINS.get(self.version_short(), "Cupertino")
        model = self.spec.model or "C9300-48T"
        serial = self.spec.serial or "FOC2341X0AG"
        image = "CAT9K_IOSXE" if model.startswith("C9") else "CAT3K_CAA-UNIVERSALK9"
        mac = self.mac_dotted(":", 2)
        return "\n".join(
            [
                f"Cisco IOS XE Software, Version {firmware}",
                f"Cisco IOS Software [{train}], Catalyst L3 Switch Software ({image}), "
                f"Version {short}, RELEASE SOFTWARE (fc3)",
                "Technical Support: http://www.cisco.com/techsupport",
                "Copyright (c) 1986-2023 by Cisco Systems, Inc.",
                "Compiled Fri 20-Oct-23 10:44 by mcpre",
                "",
                "",
                "Cisco IOS-XE software, Copyright (c) 2005-2023 by cisco Systems, Inc.",
                "All rights reserved.  Certain components of Cisco IOS-XE software are",
                'licensed under the GNU General Public License ("GPL") Version 2.0.',
                "",
                "",
                "ROM: IOS-XE ROMMON",
                f"BOOTLDR: System Bootstrap, Version {short}r, RELEASE SOFTWARE (P)",
                "",
                f"{self.running.hostname} uptime is {self.uptime_text()}",
                f"Uptime for this control processor is {self.uptime_text()}",
                "System returned to ROM by PowerOn",
                'System image file is "flash:packages.conf"',
                "Last reload reason: PowerOn",
                "",
                "",
                f"cisco {model} (X86) processor with 1338934K/6147K bytes of memory.",
                f"Processor board ID {serial}",
                "1 Virtual Ethernet interface",
                f"{sum(1 for n in self.running.interfaces if n.startswith('Gigabit'))} "
                "Gigabit Ethernet interfaces",
                f"{sum(1 for n in self.running.interfaces if n.startswith('TenGigabit'))} "
                "Ten Gigabit Ethernet interfaces",
                "2048K bytes of non-volatile configuration memory.",
                "8388608K bytes of physical memory.",
                "",
                f"Base Ethernet MAC Address          : {mac}",
                "Motherboard Assembly Number        : 73-18271-03",
                f"Motherboard Serial Number          : {serial}",
                "Model Revision Number              : A0",
                "Motherboard Revision Number        : A0",
                f"Model Number                       : {model}",
                f"System Serial Number               : {serial}",
                "",
                "",
                "Switch Ports Model              SW Version        SW Image              Mode",
                "------ ----- -----              ----------        ----------            ----",
                f"*    1 {len(self.running.interfaces):<5} {model:<18} {firmware:<17} "
                f"{image:<21} INSTALL",
                "",
                "",
                "Configuration register is 0x102",
            ]
        )

    def show_inventory(self) -> str:
        model = self.spec.model or "WS-C2960X-48FPD-L"
        serial = self.spec.serial or "FOC1234X0AB"
        return "\n".join(
            [
                f'NAME: "1", DESCR: "{model}"',
                f"PID: {model:<18}, VID: V04  , SN: {serial}",
                "",
                'NAME: "Switch 1 - Power Supply 0", DESCR: "FRU Power Supply"',
                f"PID: {'PWR-C2-640WAC':<18}, VID: V02  , SN: DCB{serial[-8:]}",
                "",
            ]
        )

    def show_vlan(self) -> str:
        out = [
            "",
            "VLAN Name                             Status    Ports",
            "---- -------------------------------- --------- -------------------------------",
        ]
        config = self.running
        for vlan in [*config.vlans.values(), *(Vlan(v, n) for v, n in RESERVED_VLANS.items())]:
            if vlan.id in RESERVED_VLANS:
                out.append(f"{vlan.id:<5}{vlan.name:<33}act/unsup")
                continue
            name = vlan.name or ("default" if vlan.id == 1 else f"VLAN{vlan.id:04d}")
            ports = [
                short_name(i.name)
                for i in config.interfaces.values()
                if i.link_type is LinkType.ACCESS and i.pvid == vlan.id
            ]
            head = f"{vlan.id:<5}{name:<33}{'active':<10}"
            if not ports:
                out.append(head.rstrip())
            for index in range(0, len(ports), 4):
                chunk = ", ".join(ports[index : index + 4])
                if index + 4 < len(ports):
                    chunk += ","
                out.append((head if index == 0 else " " * 48) + chunk)
        return "\n".join(out)

    def show_interfaces_status(self) -> str:
        out = ["", "Port      Name               Status       Vlan       Duplex  Speed Type"]
        for intf in self.running.interfaces.values():
            if intf.shutdown:
                status, duplex, speed = "disabled", "auto", "auto"
            elif self.port_up(intf.name):
                status, duplex, speed = "connected", "a-full", "a-1000"
            else:
                status, duplex, speed = "notconnect", "auto", "auto"
            vlan = "trunk" if intf.link_type is LinkType.TRUNK else str(intf.pvid)
            kind = "10/100/1000BaseTX" if intf.name.startswith("Gi") else "SFP-10GBase-SR"
            out.append(
                f"{short_name(intf.name):<10}{intf.description[:18]:<19}{status:<13}{vlan:<11}"
                f"{duplex:>6} {speed:>6} {kind}"
            )
        return "\n".join(out)

    def show_interfaces(self, only: str | None) -> str:
        config = self.running
        ports = {name: self.port_up(name) for name in config.interfaces}
        out: list[str] = []
        base = int(self.mac_dotted("", 12), 16)
        for index, intf in enumerate(config.interfaces.values(), start=1):
            if only not in (None, intf.name):
                continue
            if intf.shutdown:
                head, reason = "administratively down, line protocol is down", "disabled"
            elif ports[intf.name]:
                head, reason = "up, line protocol is up", "connected"
            else:
                head, reason = "down, line protocol is down", "notconnect"
            mac = f"{(base + index) & 0xFFFFFFFFFFFF:012x}"
            dotted = f"{mac[0:4]}.{mac[4:8]}.{mac[8:12]}"
            ten = intf.name.startswith("TenGigabit")
            out.append(f"{intf.name} is {head} ({reason}) ")
            out.append(
                f"  Hardware is {'Ten Gigabit' if ten else 'Gigabit'} Ethernet, "
                f"address is {dotted} (bia {dotted})"
            )
            if intf.description:
                out.append(f"  Description: {intf.description}")
            bandwidth = 10000000 if ten else 1000000
            out += [
                f"  MTU 1500 bytes, BW {bandwidth} Kbit/sec, DLY 10 usec, ",
                "     reliability 255/255, txload 1/255, rxload 1/255",
                "  Encapsulation ARPA, loopback not set",
                "  Keepalive set (10 sec)",
                "  Full-duplex, 1000Mb/s, media type is 10/100/1000BaseTX"
                if ports[intf.name] and not ten
                else "  Auto-duplex, Auto-speed, media type is "
                + ("SFP-10GBase-SR" if ten else "10/100/1000BaseTX"),
                *_COUNTERS,
            ]
        for svi in config.vlanifs.values():
            name = f"Vlan{svi.vlan}"
            if only not in (None, name):
                continue
            up = not svi.shutdown and config.vlanif_up(svi.vlan, ports)
            state = "administratively down" if svi.shutdown else ("up" if up else "down")
            dotted = self.mac_dotted(".", 4)
            out.append(f"{name} is {state}, line protocol is {'up' if up else 'down'} ")
            out.append(f"  Hardware is EtherSVI, address is {dotted} (bia {dotted})")
            if svi.description:
                out.append(f"  Description: {svi.description}")
            network = svi.network()
            if svi.ip and network is not None:
                out.append(f"  Internet address is {svi.ip}/{network.prefixlen}")
            out += [
                "  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec, ",
                "     reliability 255/255, txload 1/255, rxload 1/255",
                "  Encapsulation ARPA, loopback not set",
                "  Keepalive not supported ",
                *_COUNTERS,
            ]
        return "\n".join(out)

    def show_switchport(self, only: str | None) -> str:
        out: list[str] = []
        config = self.running
        for intf in config.interfaces.values():
            if only is not None and intf.name != only:
                continue
            trunk = intf.link_type is LinkType.TRUNK
            access_vlan = 1 if trunk else intf.pvid
            native = intf.pvid if trunk else 1
            vlan = config.vlans.get(access_vlan)
            vlan_name = (vlan.name if vlan and vlan.name else None) or (
                "default" if access_vlan == 1 else f"VLAN{access_vlan:04d}"
            )
            if trunk:
                enabled = (
                    "ALL"
                    if intf.allowed_vlans == ALL_VLANS
                    else (format_vlan_list_ios(intf.allowed_vlans) or "NONE")
                )
            else:
                enabled = "ALL"
            if native == 1:
                native_label = "default"
            elif native in config.vlans:
                native_label = config.vlans[native].name or f"VLAN{native:04d}"
            else:
                native_label = "Inactive"
            up = self.port_up(intf.name)
            operational = ("trunk" if trunk else "static access") if up else "down"
            out += [
                f"Name: {short_name(intf.name)}",
                "Switchport: Enabled",
                f"Administrative Mode: {'trunk' if trunk else 'static access'}",
                f"Operational Mode: {operational}",
                "Administrative Trunking Encapsulation: dot1q",
                f"Operational Trunking Encapsulation: {'dot1q' if trunk else 'native'}",
                f"Negotiation of Trunking: {'On' if trunk else 'Off'}",
                f"Access Mode VLAN: {access_vlan} ({vlan_name})",
                f"Trunking Native Mode VLAN: {native} ({native_label})",
                "Administrative Native VLAN tagging: enabled",
                "Voice VLAN: none",
                "Administrative private-vlan host-association: none",
                "Administrative private-vlan mapping: none",
                "Operational private-vlan: none",
                f"Trunking VLANs Enabled: {enabled}",
                "Pruning VLANs Enabled: 2-1001",
                "Capture Mode Disabled",
                "Capture VLANs Allowed: ALL",
                "",
                "Protected: false",
                "Unknown unicast blocked: disabled",
                "Unknown multicast blocked: disabled",
                "Appliance trust: none",
                "",
            ]
        return "\n".join(out)

    def show_mac(self, **filters: Any) -> str:
        entries = self.mac_entries(**filters)
        out = [
            "          Mac Address Table",
            "-------------------------------------------",
            "",
            "Vlan    Mac Address       Type        Ports",
            "----    -----------       --------    -----",
        ]
        for entry in entries:
            mac = entry.mac.replace(":", "")
            dotted = f"{mac[0:4]}.{mac[4:8]}.{mac[8:12]}"
            kind = entry.kind.upper()
            out.append(f"{entry.vlan:>4}    {dotted}    {kind:<12}{short_name(entry.port)}")
        out.append(f"Total Mac Addresses for this criterion: {len(entries)}")
        return "\n".join(out)

    def show_arp(self, only: str | None = None) -> str:
        out = ["Protocol  Address          Age (min)  Hardware Addr   Type   Interface"]

        def interface(vlan: int, entry: ArpEntry | None) -> str:
            if entry is not None and entry.interface.startswith("Vlan"):
                return entry.interface
            return f"Vlan{vlan}"

        for ip, age, mac, name in self.arp_rows(only, "-", interface):
            out.append(f"Internet  {ip:<16}{age:>8}   {mac:<16}ARPA   {name}")
        return "\n".join(out)

    def show_access_lists(self) -> str:
        out: list[str] = []
        now = self.now()
        for acl in self.running.acls.values():
            if acl.kind == "basic":
                out.append(f"Standard IP access list {acl.name}")
            else:
                out.append(f"Extended IP access list {acl.name}")
            for rule in acl.rules:
                if acl.kind == "basic":  # "deny" padded to the width of "permit"
                    action = f"{rule.action:<6}"
                    if rule.source is None:
                        text = f"{action} any"
                    elif rule.source_wildcard == "0.0.0.0":
                        text = f"{action} {rule.source}"
                    else:
                        text = f"{action} {rule.source}, wildcard bits {rule.source_wildcard}"
                else:
                    text = acl_text.render_ios_entry(rule, True, xe=self.is_xe())
                    if rule.time_range:
                        active = self.running.time_range_active(rule.time_range, now)
                        text += " (active)" if active else " (inactive)"
                out.append(f"    {rule.id} {text}")
        return "\n".join(out)

    def show_ip_interface_brief(self) -> str:
        out = ["Interface              IP-Address      OK? Method Status                Protocol"]
        config = self.running
        for intf in config.interfaces.values():
            if intf.shutdown:
                status, protocol = "administratively down", "down"
            elif self.port_up(intf.name):
                status = protocol = "up"
            else:
                status = protocol = "down"
            out.append(f"{intf.name:<23}{'unassigned':<16}YES unset  {status:<22}{protocol}")
        svis = dict(config.vlanifs)
        if 1 not in svis:
            svis = {1: VlanIf(1, shutdown=True), **svis}
        ports = {name: self.port_up(name) for name in config.interfaces}
        for svi in svis.values():
            if svi.shutdown:
                status, protocol = "administratively down", "down"
            else:
                status = protocol = "up" if config.vlanif_up(svi.vlan, ports) else "down"
            method = "manual" if svi.ip else "unset"
            out.append(
                f"{f'Vlan{svi.vlan}':<23}{svi.ip or 'unassigned':<16}YES {method:<7}"
                f"{status:<22}{protocol}"
            )
        return "\n".join(out)

    def show_archive(self) -> str:
        path = self.running.management.archive_path
        if not path:
            return "Archive feature not enabled"
        out = [
            "The maximum archive configurations allowed is 10.",
            f"There are currently {len(self.archives)} archive configurations saved.",
            f"The next archive file will be named {path}-<timestamp>-{len(self.archives)}",
            " Archive #  Name",
        ]
        for index, name in enumerate(self.archives, start=1):
            out.append(f"   {index:<8} {name}")
        return "\n".join(out)
