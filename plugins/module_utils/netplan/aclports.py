# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Well-known port names as each platform prints them in an ACL, and back to numbers.

A rule entered with ``eq 80`` is printed ``eq www`` by VRP (``display acl``, ntc-templates
capture ``huawei_vrp_display_acl_all_1.raw``), by IOS (``show access-lists``, ntc-templates
``cisco_ios_show_access-list.raw``; the running configuration alike) and, by the command
references, by Comware. The plan stores numbers; so before a configuration is compared,
every port name is turned into its number, for the platform and the protocol of the rule
(UDP 53 is ``dns`` on VRP/Comware but ``domain`` on IOS; ``dnsix`` is UDP 90 on
VRP/Comware, 195 on IOS). Sources: docs/research/issue17.md (b) (IOS: recorded from
ISR4331 IOS XE 16.9, C6816 IOS 15.2(2)SY; VRP: CE6800 V300R023C00 command reference;
Comware: HPE HSR6800 Comware 7 ACL and QoS command reference).

A name the table does not know is left as it is (and so reads as drift): never guessed.
"""

from __future__ import annotations

_COMMON_TCP = {
    "echo": 7, "discard": 9, "daytime": 13, "chargen": 19, "ftp-data": 20, "ftp": 21,
    "telnet": 23, "smtp": 25, "time": 37, "whois": 43, "tacacs": 49, "domain": 53,
    "gopher": 70, "finger": 79, "www": 80, "hostname": 101, "pop2": 109, "pop3": 110,
    "sunrpc": 111, "nntp": 119, "bgp": 179, "irc": 194, "exec": 512, "login": 513,
    "cmd": 514, "lpd": 515, "talk": 517, "uucp": 540, "klogin": 543, "kshell": 544,
}  # fmt: skip
_COMMON_UDP = {
    "echo": 7, "discard": 9, "time": 37, "nameserver": 42, "bootps": 67, "bootpc": 68,
    "tftp": 69, "sunrpc": 111, "ntp": 123, "netbios-ns": 137, "netbios-dgm": 138,
    "snmp": 161, "snmptrap": 162, "xdmcp": 177, "biff": 512, "who": 513, "syslog": 514,
    "talk": 517, "rip": 520,
}  # fmt: skip

# name -> number, per platform and protocol (names a device prints or accepts).
PORT_NAMES: dict[str, dict[str, dict[str, int]]] = {
    "cisco_ios": {
        "tcp": {
            **_COMMON_TCP, "ident": 113, "msrpc": 135, "pim-auto-rp": 496, "syslog": 514,
        },
        "udp": {
            **_COMMON_UDP, "tacacs": 49, "domain": 53, "netbios-ss": 139, "dnsix": 195,
            "mobile-ip": 434, "pim-auto-rp": 496, "isakmp": 500, "non500-isakmp": 4500,
            "ripv6": 521,
        },
    },
    "huawei": {
        "tcp": dict(_COMMON_TCP),
        "udp": {
            **_COMMON_UDP, "dns": 53, "tacacs-ds": 65, "dnsix": 90, "netbios-ssn": 139,
            "mobilip-ag": 434, "mobilip-mn": 435,
        },
    },
    "hp_comware": {
        "tcp": {**_COMMON_TCP, "dns": 53},
        "udp": {
            **_COMMON_UDP, "dns": 53, "tacacs-ds": 65, "dnsix": 90, "netbios-ssn": 139,
            "mobilip-ag": 434, "mobilip-mn": 435,
        },
    },
}  # fmt: skip

_OPERATORS = ("eq", "neq", "gt", "lt", "range")
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp"}


def port_number(platform: str, protocol: str, word: str) -> str:
    """``word`` as a port number (``www`` -> ``80`` for tcp); numbers and unknown names as given."""
    if word.isdigit():
        return word
    table = PORT_NAMES.get(platform, {}).get(_PROTOCOL_NUMBERS.get(protocol, protocol), {})
    number = table.get(word.lower())
    return str(number) if number is not None else word


def _numbers_after_operators(words: list[str], platform: str, protocol: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        out.append(word)
        i += 1
        if word not in _OPERATORS:
            continue
        count = 2 if word == "range" else 1
        if word != "range":
            # IOS lists several ports after eq (``eq www whois uucp``).
            while i < len(words) and _is_port_word(words[i], platform, protocol):
                out.append(port_number(platform, protocol, words[i]))
                i += 1
            continue
        for _index in range(count):
            if i < len(words):
                out.append(port_number(platform, protocol, words[i]))
                i += 1
    return out


def _is_port_word(word: str, platform: str, protocol: str) -> bool:
    return word.isdigit() or port_number(platform, protocol, word) != word


def vrp_rule(line: str, platform: str) -> str:
    """A VRP/Comware ``rule`` line with ports as numbers, blanks collapsed."""
    words = line.split()
    if len(words) < 4 or words[0] != "rule":
        return " ".join(words)
    start = 2 if words[1].isdigit() else 1
    protocol = words[start + 1] if len(words) > start + 1 else ""
    return " ".join(_numbers_after_operators(words, platform, protocol))


def ios_entry(line: str) -> tuple[int | None, str]:
    """An IOS ACL entry: (its sequence number or None, the entry with ports as numbers and
    blanks collapsed: ``deny   ip any any`` and ``10 deny ip any any`` read alike)."""
    words = line.split()
    sequence = None
    if words and words[0].isdigit() and len(words) > 1 and words[1] in ("permit", "deny", "remark"):
        sequence = int(words[0])
        words = words[1:]
    if not words or words[0] not in ("permit", "deny"):
        return sequence, " ".join(words)
    protocol = words[1] if len(words) > 1 else ""
    return sequence, " ".join(_numbers_after_operators(words, "cisco_ios", protocol))


def ios_numbered(line: str) -> str:
    """``access-list 100 deny   udp any any eq domain`` -> ``... eq 53``."""
    words = line.split()
    if len(words) < 3 or words[0] != "access-list":
        return " ".join(words)
    return " ".join(words[:2] + [ios_entry(" ".join(words[2:]))[1]])
