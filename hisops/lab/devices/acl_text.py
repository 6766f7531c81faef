"""Parsing of ACL rule and time-range text typed into the CLI (configuration input).

The three platforms share the VRP/Comware rule grammar closely enough for one parser
(``rule [id] permit|deny [proto] [source ADDR WILD|any] [source-port eq P]
[destination ADDR WILD|any] [destination-port eq P] [time-range NAME] [logging]``);
the Cisco entry grammar (``permit tcp any host 10.0.0.1 eq 1521``) has its own parser.
Each returns the rule, or the index of the offending word and the fault kind.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, time

from hisops.lab.devices.model import AbsoluteRange, AclRule, PeriodicRange

# Well-known port names per platform and protocol: the device prints the name for these
# numbers (``eq 80`` reads back ``eq www``) and accepts the name on input; a number with no
# name is printed as a number. Sources in docs/research/issue17.md (b): IOS from
# vladimirs-git/cisco-acl (recorded on ISR4331 IOS XE 16.9 and C6816 IOS 15.2), VRP from
# the CE6800 V300R023C00 command reference, Comware from the HSR6800 Comware 7 reference.
_TCP_COMMON = {
    7: "echo", 9: "discard", 13: "daytime", 19: "chargen", 20: "ftp-data", 21: "ftp",
    23: "telnet", 25: "smtp", 37: "time", 43: "whois", 49: "tacacs", 53: "domain",
    70: "gopher", 79: "finger", 80: "www", 101: "hostname", 109: "pop2", 110: "pop3",
    111: "sunrpc", 119: "nntp", 179: "bgp", 194: "irc", 512: "exec", 513: "login",
    514: "cmd", 515: "lpd", 517: "talk", 540: "uucp", 543: "klogin", 544: "kshell",
}  # fmt: skip
_UDP_COMMON = {
    7: "echo", 9: "discard", 37: "time", 42: "nameserver", 67: "bootps", 68: "bootpc",
    69: "tftp", 111: "sunrpc", 123: "ntp", 137: "netbios-ns", 138: "netbios-dgm",
    161: "snmp", 162: "snmptrap", 177: "xdmcp", 512: "biff", 513: "who", 514: "syslog",
    517: "talk", 520: "rip",
}  # fmt: skip
_UDP_VRP = {
    **_UDP_COMMON, 53: "dns", 65: "tacacs-ds", 90: "dnsix", 139: "netbios-ssn",
    434: "mobilip-ag", 435: "mobilip-mn",
}  # fmt: skip
# number -> the name printed
PRINTED_PORT_NAMES: dict[str, dict[str, dict[int, str]]] = {
    "cisco_ios": {
        "tcp": {**_TCP_COMMON, 113: "ident", 496: "pim-auto-rp"},
        "udp": {
            **_UDP_COMMON, 49: "tacacs", 53: "domain", 139: "netbios-ss", 195: "dnsix",
            434: "mobile-ip", 496: "pim-auto-rp", 500: "isakmp", 4500: "non500-isakmp",
        },
    },
    "huawei": {"tcp": dict(_TCP_COMMON), "udp": dict(_UDP_VRP)},
    "hp_comware": {"tcp": dict(_TCP_COMMON), "udp": dict(_UDP_VRP)},
}  # fmt: skip
# Names accepted on input beyond the printed ones: IOS XE 16 knows msrpc (TCP 135) and
# ripv6 (UDP 521); IOS takes syslog for TCP 514 (printed cmd); Comware 7 lists dns for
# TCP 53 (printed domain).
_EXTRA_INPUT: dict[str, dict[str, dict[str, int]]] = {
    "cisco_ios": {"tcp": {"msrpc": 135, "syslog": 514}, "udp": {"ripv6": 521}},
    "huawei": {"tcp": {}, "udp": {}},
    "hp_comware": {"tcp": {"dns": 53}, "udp": {}},
}
PROTOCOLS = ("ip", "tcp", "udp", "icmp", "gre", "igmp", "ospf")


@dataclass
class RuleFault:
    word: int  # index of the offending word; len(words) = incomplete
    kind: str  # unrecognized | incomplete | wrong_parameter


def _is_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return text.count(".") == 3


def _wildcard(text: str) -> str | None:
    if text == "0":
        return "0.0.0.0"
    return text if _is_ip(text) else None


def _port(text: str, platform: str, protocol: str) -> int | None:
    """A port number typed as a number or as the platform's name for it (for ``protocol``:
    a TCP name is refused on a UDP rule)."""
    if text.isdigit():
        return int(text) if int(text) <= 65535 else None
    key = text.lower()
    names = {n: p for p, n in PRINTED_PORT_NAMES[platform].get(protocol, {}).items()}
    names.update(_EXTRA_INPUT[platform].get(protocol, {}))
    return names.get(key)


_IOS_XE_ONLY = {"tcp": {135: "msrpc"}, "udp": {521: "ripv6"}}


def port_text(port: int, platform: str, protocol: str, xe: bool = False) -> str:
    """How the platform prints a port: its name where it has one, else the number (IOS XE
    16+ also names TCP 135 and UDP 521)."""
    if xe and port in _IOS_XE_ONLY.get(protocol, {}):
        return _IOS_XE_ONLY[protocol][port]
    return PRINTED_PORT_NAMES[platform].get(protocol, {}).get(port, str(port))


def _keyword(word: str, choices: tuple[str, ...]) -> str | None:
    word = word.lower()
    if word in choices:
        return word
    found = [c for c in choices if c.startswith(word)]
    return found[0] if len(found) == 1 else None


def _rule_head(words: list[str], default_id: int) -> tuple[AclRule, int] | RuleFault:
    """The optional rule number (else ``default_id``) and the action: the rule, and where
    the rest of its words begin."""
    i = 0
    rule_id = default_id
    if words and words[0].isdigit():
        rule_id, i = int(words[0]), 1
    if i >= len(words):
        return RuleFault(i, "incomplete")
    action = _keyword(words[i], ("permit", "deny"))
    if action is None:
        return RuleFault(i, "unrecognized")
    return AclRule(rule_id, action), i + 1


def parse_vrp_rule(
    words: list[str], advanced: bool, next_id: int, platform: str = "huawei"
) -> AclRule | RuleFault:
    """``words`` follow the ``rule`` keyword."""
    head = _rule_head(words, next_id)
    if isinstance(head, RuleFault):
        return head
    rule, i = head
    if advanced:
        if i >= len(words):
            return RuleFault(i, "incomplete")
        if words[i].isdigit():
            rule.protocol = words[i]
        else:
            protocol = _keyword(words[i], PROTOCOLS)
            if protocol is None:
                return RuleFault(i, "unrecognized")
            rule.protocol = protocol
        i += 1
    options: tuple[str, ...] = ("source", "time-range", "logging")
    if advanced:
        options += ("destination", "source-port", "destination-port")
    while i < len(words):
        option = _keyword(words[i], options)
        if option is None:
            return RuleFault(i, "unrecognized")
        i += 1
        if option == "logging":
            continue
        if i >= len(words):
            return RuleFault(i, "incomplete")
        if option in ("source", "destination"):
            if words[i].lower() == "any":
                address, wildcard = None, "0.0.0.0"
                i += 1
            else:
                if not _is_ip(words[i]):
                    return RuleFault(i, "wrong_parameter")
                if i + 1 >= len(words):
                    return RuleFault(i + 1, "incomplete")
                wild = _wildcard(words[i + 1])
                if wild is None:
                    return RuleFault(i + 1, "wrong_parameter")
                address, wildcard = words[i], wild
                i += 2
            if option == "source":
                rule.source, rule.source_wildcard = address, wildcard
            else:
                rule.destination, rule.destination_wildcard = address, wildcard
        elif option in ("source-port", "destination-port"):
            if words[i].lower() != "eq":
                return RuleFault(i, "unrecognized")
            if i + 1 >= len(words):
                return RuleFault(i + 1, "incomplete")
            if rule.protocol not in ("tcp", "udp"):
                return RuleFault(i + 1, "wrong_parameter")
            port = _port(words[i + 1], platform, rule.protocol)
            if port is None:
                return RuleFault(i + 1, "wrong_parameter")
            if option == "source-port":
                rule.source_port = port
            else:
                rule.destination_port = port
            i += 2
        else:  # time-range
            rule.time_range = words[i]
            i += 1
    return rule


def render_vrp_rule(rule: AclRule, advanced: bool, platform: str = "huawei") -> str:
    parts = [f"rule {rule.id} {rule.action}"]
    if advanced:
        parts.append(rule.protocol)
    if rule.source is not None:
        parts.append(f"source {rule.source} {_vrp_wildcard(rule.source_wildcard)}")
    if rule.source_port is not None:
        parts.append(f"source-port eq {port_text(rule.source_port, platform, rule.protocol)}")
    if rule.destination is not None:
        parts.append(f"destination {rule.destination} {_vrp_wildcard(rule.destination_wildcard)}")
    if rule.destination_port is not None:
        port = port_text(rule.destination_port, platform, rule.protocol)
        parts.append(f"destination-port eq {port}")
    if rule.time_range:
        parts.append(f"time-range {rule.time_range}")
    return " ".join(parts)


def _vrp_wildcard(wildcard: str) -> str:
    return "0" if wildcard == "0.0.0.0" else wildcard


# --- Cisco access-list entries ----------------------------------------------------------


def _ios_address(words: list[str], i: int) -> tuple[str | None, str, int] | RuleFault:
    if i >= len(words):
        return RuleFault(i, "incomplete")
    word = words[i].lower()
    if word == "any":
        return None, "0.0.0.0", i + 1
    if word == "host":
        if i + 1 >= len(words):
            return RuleFault(i + 1, "incomplete")
        if not _is_ip(words[i + 1]):
            return RuleFault(i + 1, "wrong_parameter")
        return words[i + 1], "0.0.0.0", i + 2
    if not _is_ip(words[i]):
        return RuleFault(i, "unrecognized")
    if i + 1 < len(words) and _is_ip(words[i + 1]):
        return words[i], words[i + 1], i + 2
    return words[i], "0.0.0.0", i + 1


def parse_ios_entry(words: list[str], extended: bool, sequence: int) -> AclRule | RuleFault:
    """``words`` start at ``permit``/``deny`` (after an optional sequence number)."""
    head = _rule_head(words, sequence)
    if isinstance(head, RuleFault):
        return head
    rule, i = head
    if extended:
        if i >= len(words):
            return RuleFault(i, "incomplete")
        protocol = _keyword(words[i], PROTOCOLS) or (words[i] if words[i].isdigit() else None)
        if protocol is None:
            return RuleFault(i, "unrecognized")
        rule.protocol = protocol
        i += 1
    parsed = _ios_address(words, i)
    if isinstance(parsed, RuleFault):
        return parsed
    rule.source, rule.source_wildcard, i = parsed
    if extended:
        if i < len(words) and words[i].lower() == "eq":
            if rule.protocol not in ("tcp", "udp") or i + 1 >= len(words):
                return RuleFault(i + 1, "incomplete" if i + 1 >= len(words) else "unrecognized")
            rule.source_port = _port(words[i + 1], "cisco_ios", rule.protocol)
            if rule.source_port is None:
                return RuleFault(i + 1, "unrecognized")
            i += 2
        parsed = _ios_address(words, i)
        if isinstance(parsed, RuleFault):
            return parsed
        rule.destination, rule.destination_wildcard, i = parsed
        if i < len(words) and words[i].lower() == "eq":
            if rule.protocol not in ("tcp", "udp") or i + 1 >= len(words):
                return RuleFault(i + 1, "incomplete" if i + 1 >= len(words) else "unrecognized")
            rule.destination_port = _port(words[i + 1], "cisco_ios", rule.protocol)
            if rule.destination_port is None:
                return RuleFault(i + 1, "unrecognized")
            i += 2
    while i < len(words):
        word = words[i].lower()
        if word == "log":
            i += 1
        elif word == "time-range" and extended:
            if i + 1 >= len(words):
                return RuleFault(i + 1, "incomplete")
            rule.time_range = words[i + 1]
            i += 2
        else:
            return RuleFault(i, "unrecognized")
    return rule


def _ios_address_text(address: str | None, wildcard: str, standard: bool = False) -> str:
    if address is None:
        return "any"
    if wildcard == "0.0.0.0":
        return address if standard else f"host {address}"
    return f"{address} {wildcard}"


def render_ios_entry(
    rule: AclRule, extended: bool, config_style: bool = True, pad: bool = False, xe: bool = False
) -> str:
    """The text after the sequence number (named lists) or ``access-list N``; ``pad``
    prints ``deny`` as wide as ``permit`` (``deny   any``), as IOS does in standard lists
    and in the older releases' configurations."""
    parts = [f"{rule.action:<6}" if pad else rule.action]
    if extended:
        parts.append(rule.protocol)
        parts.append(_ios_address_text(rule.source, rule.source_wildcard))
        if rule.source_port is not None:
            parts.append(f"eq {port_text(rule.source_port, 'cisco_ios', rule.protocol, xe)}")
        parts.append(_ios_address_text(rule.destination, rule.destination_wildcard))
        if rule.destination_port is not None:
            port = port_text(rule.destination_port, "cisco_ios", rule.protocol, xe)
            parts.append(f"eq {port}")
        if rule.time_range:
            parts.append(f"time-range {rule.time_range}")
    else:
        if rule.source is not None and rule.source_wildcard == "0.0.0.0" and not config_style:
            parts.append(f"host {rule.source}")
        else:
            parts.append(_ios_address_text(rule.source, rule.source_wildcard, standard=True))
    return " ".join(parts)


# --- time ranges -----------------------------------------------------------------------

_DAY_WORDS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DAY_GROUPS = {
    "working-day": frozenset(range(5)),
    "off-day": frozenset({5, 6}),
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekend": frozenset({5, 6}),
}
_DAY_NAMES_IOS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clock(text: str) -> time | None:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes)) if hours.isdigit() and minutes.isdigit() else None
    except ValueError:
        return None


def _vrp_date(clock: str, date: str) -> datetime | None:
    at = _clock(clock)
    if at is None:
        return None
    for fmt in ("%Y/%m/%d", "%m/%d/%Y"):
        try:
            day = datetime.strptime(date, fmt)
        except ValueError:
            continue
        return day.replace(hour=at.hour, minute=at.minute)
    return None


def parse_days(words: list[str]) -> frozenset[int] | None:
    days: set[int] = set()
    for word in words:
        key = word.lower()
        if key in _DAY_GROUPS:
            days |= _DAY_GROUPS[key]
        elif key[:3] in _DAY_WORDS and (
            len(key) == 3 or _DAY_NAMES_IOS[_DAY_WORDS[key[:3]]].lower().startswith(key)
        ):
            days.add(_DAY_WORDS[key[:3]])
        elif key.isdigit() and int(key) <= 6:
            days.add((int(key) - 1) % 7)  # VRP: 0 = Sunday
        else:
            return None
    return frozenset(days) if days else None


def parse_vrp_time_range(words: list[str]) -> PeriodicRange | AbsoluteRange | RuleFault:
    """``words`` follow ``time-range NAME``: ``08:00 to 18:00 working-day`` or
    ``from 08:00 2026/1/1 to 18:00 2026/12/31``."""
    if not words:
        return RuleFault(0, "incomplete")
    if words[0].lower() == "from":
        if len(words) < 3:
            return RuleFault(len(words), "incomplete")
        start = _vrp_date(words[1], words[2])
        if start is None:
            return RuleFault(1, "wrong_parameter")
        end = None
        if len(words) > 3:
            if words[3].lower() != "to" or len(words) < 6:
                return RuleFault(min(len(words), 6), "incomplete")
            end = _vrp_date(words[4], words[5])
            if end is None:
                return RuleFault(4, "wrong_parameter")
        return AbsoluteRange(start, end)
    start_clock = _clock(words[0])
    if start_clock is None:
        return RuleFault(0, "wrong_parameter")
    if len(words) < 4:
        return RuleFault(len(words), "incomplete")
    if words[1].lower() != "to":
        return RuleFault(1, "unrecognized")
    end_clock = _clock(words[2])
    if end_clock is None:
        return RuleFault(2, "wrong_parameter")
    days = parse_days(words[3:])
    if days is None:
        return RuleFault(3, "wrong_parameter")
    return PeriodicRange(days, start_clock, end_clock)


def render_days_vrp(days: frozenset[int]) -> str:
    for name in ("daily", "working-day", "off-day"):
        if days == _DAY_GROUPS[name]:
            return name
    return " ".join(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d] for d in sorted(days))


def render_vrp_time_range(name: str, part: PeriodicRange | AbsoluteRange) -> str:
    if isinstance(part, PeriodicRange):
        return (
            f"time-range {name} {part.start:%H:%M} to {part.end:%H:%M} {render_days_vrp(part.days)}"
        )
    text = f"time-range {name}"
    if part.start is not None:
        text += f" from {part.start:%H:%M} {part.start.year}/{part.start.month}/{part.start.day}"
    if part.end is not None:
        text += f" to {part.end:%H:%M} {part.end.year}/{part.end.month}/{part.end.day}"
    return text


def render_days_ios(days: frozenset[int]) -> str:
    if days == _DAY_GROUPS["daily"]:
        return "daily"
    if days == _DAY_GROUPS["weekdays"]:
        return "weekdays"
    if days == _DAY_GROUPS["weekend"]:
        return "weekend"
    return " ".join(_DAY_NAMES_IOS[d] for d in sorted(days))


def parse_ios_periodic(words: list[str]) -> PeriodicRange | RuleFault:
    """``weekdays 8:00 to 18:00`` (after ``periodic``)."""
    clock_at = next((i for i, w in enumerate(words) if ":" in w), None)
    if clock_at is None or clock_at == 0:
        return RuleFault(len(words), "incomplete")
    days = parse_days(words[:clock_at])
    if days is None:
        return RuleFault(0, "unrecognized")
    rest = words[clock_at:]
    if len(rest) < 3:
        return RuleFault(len(words), "incomplete")
    start, end = _clock(rest[0]), _clock(rest[2])
    if start is None or rest[1].lower() != "to" or end is None:
        return RuleFault(clock_at, "unrecognized")
    return PeriodicRange(days, start, end)


def parse_ios_absolute(words: list[str]) -> AbsoluteRange | RuleFault:
    """``start 08:00 01 January 2026 end 18:00 31 December 2026``."""
    start = end = None
    i = 0
    while i < len(words):
        key = words[i].lower()
        if key not in ("start", "end"):
            return RuleFault(i, "unrecognized")
        if i + 4 >= len(words):
            return RuleFault(len(words), "incomplete")
        try:
            when = datetime.strptime(" ".join(words[i + 1 : i + 5]), "%H:%M %d %B %Y")
        except ValueError:
            try:
                when = datetime.strptime(" ".join(words[i + 1 : i + 5]), "%H:%M %d %b %Y")
            except ValueError:
                return RuleFault(i + 1, "unrecognized")
        if key == "start":
            start = when
        else:
            end = when
        i += 5
    if start is None and end is None:
        return RuleFault(len(words), "incomplete")
    return AbsoluteRange(start, end)


def render_ios_time_part(part: PeriodicRange | AbsoluteRange) -> str:
    if isinstance(part, PeriodicRange):
        return (
            f"periodic {render_days_ios(part.days)} {part.start.hour}:{part.start:%M} to "
            f"{part.end.hour}:{part.end:%M}"
        )
    text = "absolute"
    if part.start is not None:
        text += f" start {part.start:%H:%M} {part.start.day:02d} {part.start:%B %Y}"
    if part.end is not None:
        text += f" end {part.end:%H:%M} {part.end.day:02d} {part.end:%B %Y}"
    return text
