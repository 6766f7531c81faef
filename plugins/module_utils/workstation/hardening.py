# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Workstation hardening (plan P5.5): USB storage blocked, no egress to the internet.

Runs on the workstation (stdlib only). What it enforces is what the daily inspection
checks (``inspection.workstations``):

* USB storage: ``/etc/modprobe.d/hisops-usb-storage.conf`` with ``blacklist usb-storage``
  and ``install usb-storage /bin/true`` (the module never loads, neither on hotplug nor
  on an explicit ``modprobe``);
* egress: an nftables table ``inet hisops_egress`` whose output chain rejects
  (``icmpx admin-prohibited``: a connection fails at once, nothing times out) every
  packet to an address outside the hospital's networks. The default route may stay
  (printers, the HIS servers, the core's gateway): nothing leaves for the internet.

Scope ``cgroup``: for hosts that share one kernel (containers; the lab's workstations),
each rule matches only the sockets of this host's cgroup (``socket cgroupv2``) and the
table is named after it, so one host's hardening does not filter its neighbours.

Idempotent: the live table is compared with the rendered one in nftables' own listing
format; it is replaced (one ``nft -f`` transaction) only when it differs. Check mode
computes the same and changes nothing.
"""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from ansible_collections.hisops.emergency.plugins.module_utils.files import write_atomic

MODPROBE_FILE = "/etc/modprobe.d/hisops-usb-storage.conf"
MODPROBE_CONTENT = (
    "# managed by hisops (workstation_harden): USB mass storage is not allowed (plan P5.5)\n"
    "blacklist usb-storage\n"
    "install usb-storage /bin/true\n"
)
TABLE = "hisops_egress"
HOSPITAL_NETWORKS = ("10.0.0.0/8", "127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
SCOPES = ("host", "cgroup")
NFT = "nft"


class HardeningError(Exception):
    """Bad input (``field`` names it) or a command that failed."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def _run(argv: Sequence[str], stdin: Optional[str] = None) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        list(argv), input=stdin, capture_output=True, text=True, check=False, timeout=30
    )


def check_networks(networks: Sequence[str]) -> list[str]:
    """The allowed networks, validated and in nftables' order (numeric)."""
    if not networks:
        raise HardeningError("allowed_networks: at least one network", "allowed_networks")
    nets = []
    for item in networks:
        try:
            net = ipaddress.ip_network(str(item), strict=True)
        except ValueError as exc:
            raise HardeningError(f"allowed_networks: {item!r}: {exc}", "allowed_networks") from None
        if net.version != 4:
            raise HardeningError(f"allowed_networks: {item!r} is not IPv4", "allowed_networks")
        nets.append(net)
    return [str(n) for n in sorted(set(nets))]


@dataclass(frozen=True)
class Scope:
    table: str
    match: str  # prefix of every rule ("" for the whole host)


def own_cgroup(proc_self_cgroup: str, mountinfo: str) -> tuple[str, int]:
    """This process's cgroup v2 as ``socket cgroupv2`` names it: (path under
    /sys/fs/cgroup, level)."""
    path = ""
    for line in proc_self_cgroup.splitlines():
        if line.startswith("0::"):
            path = line[3:].strip()
    if not path or path == "/":
        raise HardeningError(
            "egress_scope: cgroup, but this host is in the root cgroup", "egress_scope"
        )
    mount = ""
    for line in mountinfo.splitlines():
        left, _sep, right = line.partition(" - ")
        if right.split() and right.split()[0] == "cgroup2":
            mount = left.split()[4]
    if not mount.startswith("/sys/fs/cgroup"):
        raise HardeningError(
            "egress_scope: cgroup, but no cgroup2 under /sys/fs/cgroup", "egress_scope"
        )
    rel = os.path.relpath(mount, "/sys/fs/cgroup")
    parts = [p for p in path.split("/") if p]
    nft_path = "/".join(([] if rel == "." else [rel]) + parts)
    return nft_path, len(parts)


def scope_from_path(nft_path: str, level: int) -> Scope:
    """The scope of the hosts in cgroup ``nft_path`` (as ``socket cgroupv2`` names it):
    the table is named after the cgroup's own path (unique on the shared kernel)."""
    own = "_".join(nft_path.split("/")[-level:])
    return Scope(
        f"{TABLE}_{re.sub(r'[^A-Za-z0-9_]', '_', own)}",
        f'socket cgroupv2 level {level} "{nft_path}" ',
    )


def scope_for(egress_scope: str) -> Scope:
    if egress_scope not in SCOPES:
        raise HardeningError(
            f"egress_scope: {egress_scope!r} is not one of {list(SCOPES)}", "egress_scope"
        )
    if egress_scope == "host":
        return Scope(TABLE, "")
    with (
        open("/proc/self/cgroup", encoding="utf-8") as a,
        open("/proc/self/mountinfo", encoding="utf-8") as b,
    ):
        path, level = own_cgroup(a.read(), b.read())
    return scope_from_path(path, level)


def render_table(scope: Scope, networks: Sequence[str]) -> str:
    """The table exactly as ``nft list table inet NAME`` prints it."""
    nets = ", ".join(networks)
    daddr = f"ip daddr != {{ {nets} }}" if len(networks) > 1 else f"ip daddr != {nets}"
    return (
        f"table inet {scope.table} {{\n"
        "\tchain output {\n"
        "\t\ttype filter hook output priority filter; policy accept;\n"
        f"\t\t{scope.match}{daddr} reject with icmpx admin-prohibited\n"
        f"\t\t{scope.match}ip6 daddr != ::1 reject with icmpx admin-prohibited\n"
        "\t}\n"
        "}\n"
    )


def _normal(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines())


def live_table(table: str, run: Runner = _run) -> str:
    """The live table's listing, "" when there is none."""
    done = run([NFT, "list", "table", "inet", table])
    return done.stdout if done.returncode == 0 else ""


def egress_in_place(scope: Scope, networks: Sequence[str], run: Runner = _run) -> bool:
    return _normal(live_table(scope.table, run)) == _normal(render_table(scope, networks))


def read_file(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def harden(
    usb_storage: bool = True,
    egress: bool = True,
    allowed_networks: Sequence[str] = HOSPITAL_NETWORKS,
    egress_scope: str = "host",
    modprobe_file: str = MODPROBE_FILE,
    check_mode: bool = False,
    run: Runner = _run,
) -> dict[str, Any]:
    """Enforce; returns changed, before/after (per item), commands and a diff list."""
    networks = check_networks(allowed_networks)
    if not modprobe_file.startswith("/") or not modprobe_file.endswith(".conf"):
        raise HardeningError("modprobe_file: an absolute path ending in .conf", "modprobe_file")
    scope = scope_for(egress_scope) if egress else Scope(TABLE, "")
    result: dict[str, Any] = {
        "changed": False,
        "before": {},
        "after": {},
        "commands": [],
        "diff": [],
        "table": scope.table,
    }
    if usb_storage:
        before = read_file(modprobe_file)
        result["before"]["usb_storage"] = before
        result["after"]["usb_storage"] = MODPROBE_CONTENT
        if before != MODPROBE_CONTENT:
            result["changed"] = True
            result["diff"].append(
                {
                    "before_header": modprobe_file,
                    "after_header": modprobe_file,
                    "before": before or "",
                    "after": MODPROBE_CONTENT,
                }
            )
            result["commands"].append(f"write {modprobe_file}")
            if not check_mode:
                os.makedirs(os.path.dirname(modprobe_file), exist_ok=True)
                write_atomic(modprobe_file, MODPROBE_CONTENT, 0o644)
    if egress:
        before = live_table(scope.table, run)
        wanted = render_table(scope, networks)
        result["before"]["egress"] = before
        result["after"]["egress"] = wanted
        if _normal(before) != _normal(wanted):
            result["changed"] = True
            header = f"nft list table inet {scope.table}"
            result["diff"].append(
                {"before_header": header, "after_header": header, "before": before, "after": wanted}
            )
            # create-if-missing, delete, create: one transaction, no instant without it
            script = f"table inet {scope.table}\ndelete table inet {scope.table}\n{wanted}"
            result["commands"].append(f"nft -f - (table inet {scope.table})")
            if not check_mode:
                done = run([NFT, "-f", "-"], script)
                if done.returncode != 0:
                    raise HardeningError(f"nft -f: {done.stderr.strip()}")
                if not egress_in_place(scope, networks, run):
                    raise HardeningError(
                        f"nft: table inet {scope.table} differs from what was loaded:\n"
                        + live_table(scope.table, run)
                    )
    return result
