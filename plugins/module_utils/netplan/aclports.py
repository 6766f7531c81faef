# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Well-known port names as each platform prints them in an ACL, and back to numbers.

A rule entered with ``eq 80`` is printed ``eq www`` by VRP (``display acl``, ntc-templates
capture ``huawei_vrp_display_acl_all_1.raw``), by IOS (``show access-lists``, ntc-templates
``cisco_ios_show_access-list.raw``; the running configuration alike) and, by the command
references, by Comware. The plan stores numbers; so before a configuration is compared,
every port name is turned into its number, for the platform and the protocol of the rule
(UDP 53 is ``dns`` on VRP/Comware but ``domain`` on IOS; ``dnsix`` is UDP 90 on
VRP/Comware, 195 on IOS). The tables are the dialects' (``Dialect.port_names``). Sources: docs/research/issue17.md (b) (IOS: recorded from
ISR4331 IOS XE 16.9, C6816 IOS 15.2(2)SY; VRP: CE6800 V300R023C00 command reference;
Comware: HPE HSR6800 Comware 7 ACL and QoS command reference).

A name the table does not know is left as it is (and so reads as drift): never guessed.
"""

from __future__ import annotations

_OPERATORS = ("eq", "neq", "gt", "lt", "range")
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp"}


def port_number(platform: str, protocol: str, word: str) -> str:
    """``word`` as a port number (``www`` -> ``80`` for tcp); numbers and unknown names as given."""
    if word.isdigit():
        return word
    from ..netdev.dialects import DIALECTS  # the dialects import this module

    dialect = DIALECTS.get(platform)
    names = dialect.port_names if dialect is not None else {}
    table = names.get(_PROTOCOL_NUMBERS.get(protocol, protocol), {})
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


def ios_entry(line: str, platform: str = "cisco_ios") -> tuple[int | None, str]:
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
    return sequence, " ".join(_numbers_after_operators(words, platform, protocol))


def ios_numbered(line: str, platform: str = "cisco_ios") -> str:
    """``access-list 100 deny   udp any any eq domain`` -> ``... eq 53``."""
    words = line.split()
    if len(words) < 3 or words[0] != "access-list":
        return " ".join(words)
    return " ".join(words[:2] + [ios_entry(" ".join(words[2:]), platform)[1]])
