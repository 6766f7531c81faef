"""The hosts' side of the network: nftables (reachability, source addresses) and tc.

All lab hosts share the machine's loopback interface. One nftables table per fleet
(``ip hisops_hosts_<id>``) does three things:

* ``input`` drops every packet to or from an address in the ``blocked`` set (a host
  made unreachable: new connections time out as behind a shut port; traffic a host
  sends to its own address still flows), and for an address in the ``ssh_only`` set
  lets through only ``ip daddr ADDR tcp dport 22`` and ``ip saddr ADDR tcp sport 22``
  (its sshd answers; PostgreSQL and the host's own outbound connections are dropped as
  for a blocked host: the network lets only the host's SSH replies to the controller
  pass, e.g. an inbound ACL on its access port);
* ``tag`` marks packets sent by sockets of a host's cgroup, and ``srcnat`` rewrites
  their source 127.0.0.1 to the host's own address, so a server sees connections from
  a lab host coming from that host's address (pg_hba, logs) and the ``blocked`` set
  also cuts what the host itself sends.

``tc`` on ``lo`` (HTB, a class per slow host) throttles a host's traffic: this kernel
has no ``netem``, so "slow" is a bandwidth cap, which stretches every exchange.
Deleting the table and the root qdisc leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable, Sequence

from hisops.lab.hosts.errors import HostLabError, HostPrerequisiteError

NFT = "/usr/sbin/nft"
ACCESS_STATES = ("open", "ssh", "cut")
TC = "/usr/sbin/tc"


def _run(argv: Sequence[str], stdin: str | None = None, check: bool = True) -> str:
    try:
        done = subprocess.run(
            list(argv), input=stdin, capture_output=True, text=True, timeout=30, check=False
        )
    except FileNotFoundError as exc:
        raise HostPrerequisiteError(
            f"{argv[0]} is missing: apt-get install -y nftables iproute2"
        ) from exc
    if check and done.returncode != 0:
        raise HostLabError(f"{' '.join(argv)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


class HostNetwork:
    """nftables/tc state of one fleet, identified by ``fleet_id`` (hex)."""

    def __init__(self, fleet_id: str, cgroup_nft_prefix: str | None) -> None:
        self.fleet_id = fleet_id
        self.table = f"hisops_hosts_{fleet_id}"
        self.cgroup_nft_prefix = cgroup_nft_prefix  # e.g. "unified/hisops-ab12cd34"
        self.mark_base = (int(fleet_id[:4], 16) & 0x7FFF) << 16

    def mark(self, index: int) -> int:
        return self.mark_base | (index + 1)

    # ------------------------------------------------------------------ nftables
    def create(self, hosts: Iterable[tuple[int, str, str]]) -> None:
        """(Re)create the table for hosts given as (index, name, address)."""
        self.delete()
        hosts = list(hosts)
        pairs = ", ".join(f"{addr} . {addr}" for _, _, addr in hosts)
        marks = ", ".join(f"{self.mark(i):#x} : {addr}" for i, _, addr in hosts)
        lines = [
            f"table ip {self.table} {{",
            "  set blocked { type ipv4_addr; }",
            "  set ssh_only { type ipv4_addr; }",
            "  set self_pairs { type ipv4_addr . ipv4_addr; "
            + (f"elements = {{ {pairs} }}; " if pairs else "")
            + "}",
            "  map source_of { type mark : ipv4_addr; "
            + (f"elements = {{ {marks} }}; " if marks else "")
            + "}",
            "  chain input { type filter hook input priority -10; policy accept;",
            "    ip saddr . ip daddr @self_pairs accept",
            "    ip daddr @blocked drop",
            "    ip saddr @blocked drop",
            "    ip daddr @ssh_only tcp dport 22 accept",
            "    ip saddr @ssh_only tcp sport 22 accept",
            "    ip daddr @ssh_only drop",
            "    ip saddr @ssh_only drop",
            "  }",
            "  chain tag { type filter hook output priority mangle; policy accept;",
        ]
        if self.cgroup_nft_prefix:
            for index, name, _ in hosts:
                lines.append(
                    f'    socket cgroupv2 level 2 "{self.cgroup_nft_prefix}/{name}" '
                    f"meta mark set {self.mark(index):#x}"
                )
        lines += [
            "  }",
            "  chain srcnat { type nat hook postrouting priority srcnat; policy accept;",
            "    ip saddr 127.0.0.1 snat to meta mark map @source_of" if hosts else "",
            "  }",
            "}",
        ]
        _run([NFT, "-f", "-"], stdin="\n".join(lines) + "\n")

    def exists(self) -> bool:
        done = subprocess.run(
            [NFT, "list", "table", "ip", self.table], capture_output=True, text=True, check=False
        )
        return done.returncode == 0

    def delete(self) -> None:
        if self.exists():
            _run([NFT, "delete", "table", "ip", self.table])

    def set_blocked(self, address: str, blocked: bool) -> None:
        self._apply(address, {"blocked": blocked})

    def blocked(self) -> set[str]:
        return self._members("blocked")

    def set_access(self, address: str, access: str) -> None:
        """``open`` (no rule), ``ssh`` (only its sshd's TCP 22) or ``cut`` (nothing)."""
        if access not in ACCESS_STATES:
            raise HostLabError(f"access must be one of {', '.join(ACCESS_STATES)}, not {access!r}")
        self._apply(address, {"blocked": access == "cut", "ssh_only": access == "ssh"})

    def access(self) -> dict[str, str]:
        """address -> ``cut``/``ssh`` for every address not fully open."""
        result = dict.fromkeys(self._members("ssh_only"), "ssh")
        result.update(dict.fromkeys(self._members("blocked"), "cut"))
        return result

    def _apply(self, address: str, members: dict[str, bool]) -> None:
        """Put ``address`` in or out of each named set: one nft transaction (atomic, so
        there is no instant in between), one process. ``add`` of a present element is a
        no-op, so add-then-delete removes an element whether it was there or not.
        Without the table (the fleet is down) there is nothing to filter: ``up`` applies
        the saved state when it creates the table."""
        lines = []
        for name, present in members.items():
            element = f"ip {self.table} {name} {{ {address} }}"
            lines.append(f"add element {element}")
            if not present:
                lines.append(f"delete element {element}")
        try:
            _run([NFT, "-f", "-"], stdin="\n".join(lines) + "\n")
        except HostLabError:
            if self.exists():
                raise

    def _members(self, name: str) -> set[str]:
        out = _run([NFT, "list", "set", "ip", self.table, name], check=False)
        if "elements" not in out:
            return set()
        body = out.split("elements = {", 1)[1].split("}", 1)[0]
        return {item.strip() for item in body.replace("\n", " ").split(",") if item.strip()}

    # ------------------------------------------------------------------ tc (slow)
    def _root_is_ours(self) -> bool:
        out = _run([TC, "qdisc", "show", "dev", "lo"], check=False)
        return "htb 1:" in out

    def _class_of(self, host: str) -> tuple[str, str]:
        """HTB class and filter priority of a host, distinct across fleets sharing lo."""
        minor = (
            int(hashlib.sha1(f"{self.fleet_id}/{host}".encode()).hexdigest(), 16) % 0xFFE0 + 0x10
        )
        return f"1:{minor:x}", str(minor)

    def set_slow(self, host: str, address: str, rate_kbit: int | None) -> None:
        """Cap the host's traffic (both directions) to ``rate_kbit``; None lifts the cap."""
        classid, prio = self._class_of(host)
        if rate_kbit is None:
            if not self._root_is_ours():
                return
            _run([TC, "filter", "del", "dev", "lo", "parent", "1:", "prio", prio], check=False)
            _run([TC, "class", "del", "dev", "lo", "classid", classid], check=False)
            return
        if not self._root_is_ours():
            out = _run([TC, "qdisc", "show", "dev", "lo"], check=False)
            if "noqueue" not in out and out.strip():
                raise HostLabError(
                    f"lo already has a root qdisc not made by the lab ({out.strip()}); "
                    "remove it (tc qdisc del dev lo root) before making a host slow"
                )
            _run([TC, "qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "1"])
            _run(
                [
                    TC,
                    "class",
                    "add",
                    "dev",
                    "lo",
                    "parent",
                    "1:",
                    "classid",
                    "1:1",
                    "htb",
                    "rate",
                    "100gbit",
                    "quantum",
                    "200000",
                ]
            )
        self.set_slow(host, address, None)
        _run(
            [
                TC,
                "class",
                "add",
                "dev",
                "lo",
                "parent",
                "1:",
                "classid",
                classid,
                "htb",
                "rate",
                f"{rate_kbit}kbit",
                "ceil",
                f"{rate_kbit}kbit",
                "burst",
                "2k",
                "cburst",
                "2k",
            ]
        )
        for direction in ("dst", "src"):
            _run(
                [
                    TC,
                    "filter",
                    "add",
                    "dev",
                    "lo",
                    "parent",
                    "1:",
                    "protocol",
                    "ip",
                    "prio",
                    prio,
                    "u32",
                    "match",
                    "ip",
                    direction,
                    f"{address}/32",
                    "flowid",
                    classid,
                ]
            )

    def release_lo_if_unused(self) -> None:
        """Remove the lab's root qdisc from lo once no slow host of any fleet is left."""
        if not self._root_is_ours():
            return
        classes = _run([TC, "class", "show", "dev", "lo"], check=False).split("\n")
        if not [c for c in classes if c.startswith("class htb") and "htb 1:1 " not in c]:
            _run([TC, "qdisc", "del", "dev", "lo", "root"], check=False)
