"""Faults injected into lab hosts: unreachable, slow, disk_full, crash, clock_skew.

A fault is recorded in the fleet's state (``hosts.json``: ``faults``) until cleared;
``down`` forgets ``slow`` and ``disk_full`` (their tc class and tmpfs are gone), a power
cycle ``disk_full``.
"""

from __future__ import annotations

import os
import shlex
import time
from typing import TYPE_CHECKING, Any

from hisops.lab.hosts.errors import HostLabError, HostPrerequisiteError, HostSpecError
from hisops.lab.hosts.postgres import PG_DATA
from hisops.lab.hosts.probes import tcp_open, wait_for

FAULT_KINDS = ("unreachable", "slow", "disk_full", "crash", "clock_skew")
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


if TYPE_CHECKING:
    from hisops.lab.hosts.core import FleetCore
else:
    FleetCore = object


class FaultsMixin(FleetCore):
    """The fleet's fault methods (part of :class:`HostFleet`).

    Uses the fleet's ``faults``, ``unreachable``, ``spec``, ``set_reachable``, ``net``,
    ``run``, ``is_on`` and ``_save``.
    """

    def fault(self, name: str, kind: str, **args: Any) -> dict[str, Any]:
        """Inject a fault; returns what was done. Kinds:

        * ``unreachable`` - like ``set_reachable(name, False)``;
        * ``slow`` (``rate_kbit=32``) - the host's traffic capped to that rate (tc HTB);
        * ``disk_full`` (``path``, ``free_bytes=0``) - ``path`` becomes a full filesystem
          (a small tmpfs seeded with its current content; a reboot of the host clears it);
        * ``crash`` (``service="postgresql"`` or a process name) - ``kill -9`` of the
          PostgreSQL postmaster or of every process with that name;
        * ``clock_skew`` (``seconds=300``) - processes started on the host from now on see
          the clock shifted (libfaketime preloaded into every new SSH session through
          ``SetEnv`` in the host's sshd configuration; services restarted from such a
          session inherit it; the kernel clock is shared, so this is the only cheap way).
        """
        spec = self.spec(name)
        if kind not in FAULT_KINDS:
            raise HostSpecError(f"unknown fault {kind!r} (expected {', '.join(FAULT_KINDS)})")
        if kind == "unreachable":
            self.set_reachable(name, False)
            return {"unreachable": True}
        if kind == "crash":
            return self._crash(name, str(args.get("service", "postgresql")))
        record: dict[str, Any]
        if kind == "slow":
            rate = int(args.get("rate_kbit", 32))
            if rate <= 0:
                raise HostSpecError("slow: rate_kbit must be a positive number of kbit/s")
            self.net.set_slow(name, spec.address, rate)
            record = {"rate_kbit": rate}
        elif kind == "disk_full":
            path = str(args.get("path", ""))
            if not path.startswith("/") or path == "/":
                raise HostSpecError("disk_full: give path=/an/absolute/directory (not /)")
            if "disk_full" in self.faults.get(name, {}):
                raise HostLabError(f"{name} already has a disk_full fault: clear it first")
            free = int(args.get("free_bytes", 0))
            self.run(name, ["/bin/sh", "-c", _DISK_FULL, "disk-full", path, str(free)])
            record = {"path": path, "free_bytes": free}
        else:  # clock_skew
            seconds = int(args.get("seconds", 300))
            if not os.path.exists(FAKETIME_LIB):
                raise HostPrerequisiteError(
                    "clock_skew needs libfaketime: apt-get install -y libfaketime"
                )
            conf = (
                "# hisops lab fault: clock skew for every new SSH session\n"
                f"SetEnv LD_PRELOAD={FAKETIME_LIB} FAKETIME={seconds:+d}\n"
            )
            self.run(
                name,
                ["/bin/sh", "-c", _SSHD_DROPIN, "clock-skew", "hisops-clock-skew.conf"],
                input=conf,
                label="setting the clock skew",
            )
            self._wait_sshd(name)
            record = {"seconds": seconds}
        self.faults.setdefault(name, {})[kind] = record
        self._save()
        return record

    def clear_fault(self, name: str, kind: str | None = None) -> None:
        """Remove one fault kind (or all) from the host."""
        spec = self.spec(name)
        kinds = [kind] if kind else [*FAULT_KINDS]
        for k in kinds:
            if k == "unreachable":
                self.set_reachable(name, True)
                continue
            record = self.faults.get(name, {}).pop(k, None)
            if k == "slow" and record is not None:
                self.net.set_slow(name, spec.address, None)
            elif k == "disk_full" and record is not None and self.is_on(name):
                self.run(name, ["/bin/sh", "-c", _DISK_CLEAR, "disk-clear", record["path"]])
            elif k == "clock_skew" and record is not None and self.is_on(name):
                argv = ["/bin/sh", "-c", _SSHD_DROPIN, "clock-skew", "hisops-clock-skew.conf"]
                self.run(name, argv, input="", label="removing the clock skew")
                self._wait_sshd(name)
        self.net.release_lo_if_unused()
        self._save()

    def _wait_sshd(self, name: str, timeout: float = 15.0) -> None:
        spec = self.spec(name)
        if name in self.unreachable:
            return
        time.sleep(0.05)  # sshd re-executes itself on SIGHUP; let it close the old socket
        wait_for(lambda: tcp_open(spec.address, 22, 0.2), timeout, f"sshd of {name} to reload")

    def _crash(self, name: str, service: str) -> dict[str, Any]:
        if service == "postgresql":
            script = (
                f"pid=$(head -n1 {PG_DATA}/postmaster.pid 2>/dev/null) || "
                "{ echo 'PostgreSQL is not running (no postmaster.pid)' >&2; exit 3; }; "
                'kill -9 "$pid" && echo "$pid"'
            )
        else:
            script = f"pkill -9 -x {shlex.quote(service)} && echo killed"
        done = self.run(name, ["/bin/sh", "-c", script], check=False)
        if done.returncode != 0:
            raise HostLabError(
                f"{name}: nothing to crash for {service!r}: "
                f"{done.stderr.strip() or 'no such process'}"
            )
        return {"crashed": service, "pid": done.stdout.strip()}


# Write (stdin) or, with empty stdin, remove an sshd drop-in, then make sshd reload.
_SSHD_DROPIN = r"""set -eu
mkdir -p /etc/ssh/sshd_config.d
f="/etc/ssh/sshd_config.d/$1"
cat > "$f"
[ -s "$f" ] || rm -f "$f"
kill -HUP "$(cat /run/sshd.pid)"
"""

_DISK_FULL = r"""set -eu
P="$1"; FREE="$2"; U=/run/hisops/disk-full
mkdir -p "$P" "$U"
mount --bind "$P" "$U"
used_kb=$(du -sk "$P" | cut -f1)
mode=$(stat -c %a "$P"); uid=$(stat -c %u "$P"); gid=$(stat -c %g "$P")
mount -t tmpfs -o "size=$((used_kb + 512 + FREE / 1024))k,mode=$mode,uid=$uid,gid=$gid" \
    hisops-disk-full "$P"
cp -a "$U/." "$P/"
dd if=/dev/zero of="$P/.hisops-disk-full" bs=4096 2>/dev/null || true
if [ "$FREE" -gt 0 ]; then
    size=$(stat -c %s "$P/.hisops-disk-full")
    truncate -s $((size > FREE ? size - FREE : 0)) "$P/.hisops-disk-full"
fi
"""

_DISK_CLEAR = r"""set -eu
P="$1"; U=/run/hisops/disk-full
rm -f "$P/.hisops-disk-full"
cp -a "$P/." "$U/"
umount -l "$P"
umount -l "$U"
rmdir "$U"
"""
