"""Faults injected into lab hosts: unreachable, slow, disk_full, crash, clock_skew.

A fault is recorded in the fleet's state (``hosts.json``: ``faults``) until cleared;
``down`` forgets ``slow`` (its tc class is gone). A full disk stays full across power
cycles and ``down``/``up``, as a real one does: its filler is on the disk.
"""

from __future__ import annotations

import os
import shlex
import time
from typing import TYPE_CHECKING, Any

from hisops.lab.hosts import inspection
from hisops.lab.hosts.errors import HostLabError, HostPrerequisiteError, HostSpecError
from hisops.lab.hosts.initscript import DISK, DISK_FILLER
from hisops.lab.hosts.postgres import PG_DATA
from hisops.lab.hosts.probes import tcp_open, wait_for

FAULT_KINDS: tuple[str, ...] = (
    "unreachable",
    "slow",
    "disk_full",
    "crash",
    "clock_skew",
    "drive_unplugged",
)
# what the daily inspection reads: antivirus, USB, egress, insurance gateway, UPS
FAULT_KINDS += inspection.FAULTS
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
        * ``disk_full`` (``path=None``, ``free_bytes=0``) - the host's own disk (where
          everything it writes outside ``/run`` and ``/tmp`` lives) is filled up to
          ``free_bytes`` by a filler file at the disk's root, out of the host's sight:
          files stay readable and writable in place, writes needing new space fail with
          ``ENOSPC``; ``path``, when given, must lie on that disk (it is made if
          missing, as a directory). The disk stays full across power cycles until
          :meth:`clear_fault`, which deletes the filler;
        * ``crash`` (``service="postgresql"`` or a process name) - ``kill -9`` of the
          PostgreSQL postmaster or of every process with that name;
        * ``drive_unplugged`` - a backup host's removable drive pulled out (``drives.py``);
          clearing it plugs the drive in (``hisops lab host plug NAME``);
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
        if kind in inspection.FAULTS:
            done = inspection.fault(self, name, kind, args)
            self.faults.setdefault(name, {})[kind] = done
            self._save()
            return done
        if kind == "drive_unplugged":
            unplugged = self.unplug_drive(name)
            self.faults.setdefault(name, {})[kind] = unplugged
            self._save()
            return unplugged
        record: dict[str, Any]
        if kind == "slow":
            rate = int(args.get("rate_kbit", 32))
            if rate <= 0:
                raise HostSpecError("slow: rate_kbit must be a positive number of kbit/s")
            self.net.set_slow(name, spec.address, rate)
            record = {"rate_kbit": rate}
        elif kind == "disk_full":
            record = self._fill_disk(name, str(args.get("path") or ""), args.get("free_bytes"))
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
            if k in inspection.FAULTS:
                if record is not None or kind == k:
                    inspection.clear(self, name, k)
                continue
            if k == "slow" and record is not None:
                self.net.set_slow(name, spec.address, None)
            elif k == "disk_full" and record is not None:
                self._empty_disk(name)
            elif k == "drive_unplugged" and (record is not None or kind == k):
                self.plug_drive(name)
            elif k == "clock_skew" and record is not None and self.is_on(name):
                argv = ["/bin/sh", "-c", _SSHD_DROPIN, "clock-skew", "hisops-clock-skew.conf"]
                self.run(name, argv, input="", label="removing the clock skew")
                self._wait_sshd(name)
        self.net.release_lo_if_unused()
        self._save()

    def _fill_disk(self, name: str, path: str, free_bytes: Any) -> dict[str, Any]:
        if path and not path.startswith("/"):
            raise HostSpecError("disk_full: give path=/an/absolute/directory on the host's disk")
        try:
            free = int(free_bytes or 0)
        except (TypeError, ValueError):
            raise HostSpecError(f"disk_full: free_bytes={free_bytes!r} is not a number") from None
        if free < 0:
            raise HostSpecError("disk_full: free_bytes must be 0 or more")
        if "disk_full" in self.faults.get(name, {}):
            raise HostLabError(f"{name} already has a disk_full fault: clear it first")
        argv = ["/bin/sh", "-c", _DISK_FULL, "disk-full", path, str(free), f"hisops-{name}"]
        done = self.run(name, argv, check=False, label="filling the disk")
        if done.returncode == 3:
            raise HostSpecError(f"disk_full on {name}: {done.stderr.strip()}")
        if done.returncode != 0:
            raise HostLabError(
                f"{name}: filling the disk failed (exit {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-1500:]}"
            )
        size, left = (int(v) for v in done.stdout.split())
        record = {"path": path or None, "free_bytes": free, "disk_bytes": size, "left_bytes": left}
        if left > free + 65536:
            self._empty_disk(name)
            raise HostLabError(
                f"{name}: could not fill the disk ({left} bytes left, wanted {free})"
            )
        return record

    def _empty_disk(self, name: str) -> None:
        """Delete the filler; on a host that is off, at its next boot (the init does)."""
        if self.is_on(name):
            self.run(name, ["rm", "-f", DISK_FILLER], label="emptying the disk")
        else:
            marker = self.host_dir(name) / "disk-full.clear"
            marker.write_text("the disk_full fault was cleared while the host was off\n")

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

# Fill the host's disk (mounted at DISK) up to FREE bytes with a filler file at its root.
# fallocate reserves the blocks without writing them (instant, and the machine's disk
# does not grow: the image stays sparse); the loop tops up what the first call left.
_DISK_FULL = r"""set -eu
P="$1"; FREE="$2"; OVERLAY="$3"; DISK=__DISK__; F=__FILLER__
if ! mountpoint -q "$DISK"; then
    echo "this host has no disk of its own (booted by an older lab): power-cycle it" >&2
    exit 3
fi
if [ -n "$P" ]; then
    mkdir -p "$P" 2>/dev/null || true
    [ -d "$P" ] || { echo "$P is not a directory on the host" >&2; exit 3; }
    dev=$(findmnt -n -o SOURCE "$DISK")
    src=$(findmnt -n -o SOURCE -T "$P")
    case "$src" in
        "$dev" | "$dev["* | "$OVERLAY") ;;
        *) echo "$P is not on the host's disk but on $src ($(findmnt -n -o FSTYPE -T "$P")):" \
                "give a path under /etc, /usr, /var, /opt, /srv, /home or /root" >&2
           exit 3 ;;
    esac
fi
avail() { echo $(( $(stat -f -c '%a * %S' "$DISK") )); }
a=$(avail)
[ "$a" -le "$FREE" ] || fallocate -l $((a - FREE)) "$F" 2>/dev/null || true
for _ in 1 2 3 4 5 6 7 8; do
    a=$(avail)
    [ "$a" -gt "$FREE" ] || break
    size=$(stat -c %s "$F" 2>/dev/null || echo 0)
    fallocate -o "$size" -l $((a - FREE)) "$F" 2>/dev/null \
        || fallocate -o "$size" -l "$(stat -f -c %S "$DISK")" "$F" 2>/dev/null || break
done
echo "$(( $(stat -f -c '%b * %S' "$DISK") )) $(avail)"
""".replace("__DISK__", DISK).replace("__FILLER__", DISK_FILLER)
