"""The lab's database servers, workstations and backup target as real SSH hosts.

Every host is a real OpenSSH ``sshd`` on its own loopback address, inside the host's own
pid, mount and UTS namespaces and its own cgroup (v2):

* its filesystem view is the machine's, copy-on-write (overlayfs over ``/etc``, ``/usr``,
  ``/var``, ``/opt``, ``/srv``, ``/home``), with private, initially empty ``/root``,
  ``/var/log``, ``/var/lib/postgresql``, ``/etc/postgresql``, ``/etc/his-client``,
  ``/opt/his-client``, ``/srv/backup`` and fresh ``/run`` and ``/tmp``: playbooks use
  the real paths and one host never sees what another writes;
* what it writes (overlay upper layers, private dirs) lands on its own disk, an ext4
  image in its state dir (``rootfs.disk_image``) that the ``disk_full`` fault can fill;
* it boots like a Debian server: sshd, then the services enabled in ``/etc/rc2.d``;
  services are controlled with ``systemctl`` (a lab shim, ``systemctl_shim.py``, over
  Debian's own init scripts, ``pg_ctlcluster`` and ``update-rc.d``), so
  ``ansible.builtin.service``/``systemd_service`` work as on a production host;
* its traffic leaves from its own address (nftables SNAT by cgroup) and can be cut
  (nftables drop), reduced to its SSH (``set_access(name, "ssh")``: only its sshd's
  TCP 22 passes) or throttled (tc HTB on ``lo``), see ``netctl.py``;
* killing its namespace's pid 1 (then its cgroup) kills every process it has; its
  mounts die with its mount namespace.

The lab daemon drives a fleet through :class:`HostFleet`; everything needed to find the
hosts again (from another process, for ``down``) is in the state directory.

This module holds the fleet's state (specs, faults, network access; ``hosts.json``),
``up``/``down`` and the one public API; each concern lives in its own module:
``rootfs`` and ``sshkeys`` (a host's disk and SSH trust, before boot), ``cgroups``,
``namespaces`` (boot, run inside, kill), ``netctl`` (nftables, tc), ``postgres``,
``faults`` and ``inventory`` (inventory, status).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from hisops.lab.hosts import cgroups, initscript, inspection, postgres, rootfs, sshkeys
from hisops.lab.hosts.cgroups import HostCgroups, cgroup2_mount
from hisops.lab.hosts.drives import DrivesMixin
from hisops.lab.hosts.errors import (
    HostLabError,
    HostPrerequisiteError,
    HostSpecError,
    HostStartError,
    UnknownHostError,
)
from hisops.lab.hosts.faults import FaultsMixin
from hisops.lab.hosts.inventory import InventoryMixin
from hisops.lab.hosts.namespaces import NSENTER, UNSHARE, HostProcesses
from hisops.lab.hosts.netctl import ACCESS_STATES, HostNetwork
from hisops.lab.hosts.postgres import PG_VERSION, PostgresMixin
from hisops.lab.hosts.spec import HostSpec, validate_specs

SSHD = "/usr/sbin/sshd"


class HostFleet(PostgresMixin, FaultsMixin, InventoryMixin, DrivesMixin):
    """A fleet of lab hosts kept in ``state_dir``.

    ``HostFleet(state_dir, specs)`` describes a new fleet; ``HostFleet(state_dir)``
    reopens the fleet saved there (for ``down`` or ``status`` from another process).
    """

    MAX_PIDS = cgroups.MAX_PIDS

    def __init__(self, state_dir: str | os.PathLike[str], specs: Iterable[HostSpec] | None = None):
        self.state_dir = Path(state_dir).resolve()
        self.fleet_id = hashlib.sha1(str(self.state_dir).encode()).hexdigest()[:8]
        self._file = self.state_dir / "hosts.json"
        self._lock = threading.RLock()
        saved = self._load()
        if specs is None:
            if not saved:
                raise HostSpecError(
                    f"no host fleet saved in {self.state_dir}: give the host specs "
                    "(HostFleet(state_dir, specs))"
                )
            specs = [
                HostSpec.from_dict(d, f"{self._file}: hosts[{i}]")
                for i, d in enumerate(saved["hosts"])
            ]
        self.specs: dict[str, HostSpec] = {s.name: s for s in validate_specs(specs)}
        self.faults: dict[str, dict[str, dict[str, Any]]] = saved.get("faults", {}) if saved else {}
        self.unreachable: set[str] = set(saved.get("unreachable", [])) if saved else set()
        self.ssh_only: set[str] = set(saved.get("ssh_only", [])) if saved else set()
        self._cgroups = HostCgroups(self.fleet_id)
        self._hosts = HostProcesses(
            self.state_dir, self._cgroups, lambda name: name in self.unreachable
        )
        self._net: HostNetwork | None = None

    # ------------------------------------------------------------------ paths, state
    @property
    def ssh_key(self) -> Path:
        """The controller's private key for every lab host."""
        return sshkeys.controller_key(self.state_dir)

    @property
    def known_hosts(self) -> Path:
        return sshkeys.known_hosts_file(self.state_dir)

    @property
    def credentials_file(self) -> Path:
        return self.state_dir / "credentials.json"

    @property
    def inventory_file(self) -> Path:
        return self.state_dir / "hosts-inventory.yml"

    def host_dir(self, name: str) -> Path:
        return self.state_dir / "hosts" / self.spec(name).name

    def spec(self, name: str) -> HostSpec:
        try:
            return self.specs[name]
        except KeyError:
            raise UnknownHostError(
                f"no lab host named {name!r} (known: {', '.join(sorted(self.specs))})"
            ) from None

    def index(self, name: str) -> int:
        return list(self.specs).index(self.spec(name).name)

    def _load(self) -> dict[str, Any]:
        try:
            return json.loads(self._file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise HostLabError(f"{self._file} is corrupt ({exc}): remove it and run up") from exc

    def _save(self) -> None:
        data = {
            "fleet_id": self.fleet_id,
            "hosts": [s.to_dict() for s in self.specs.values()],
            "faults": self.faults,
            "unreachable": sorted(self.unreachable),
            "ssh_only": sorted(self.ssh_only),
        }
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        tmp.replace(self._file)

    @property
    def cgroup_root(self) -> Path:
        return self._cgroups.root

    def cgroup(self, name: str) -> Path:
        return self._cgroups.host(self.spec(name).name)

    @property
    def pids_root(self) -> Path | None:
        return self._cgroups.pids_root

    @property
    def net(self) -> HostNetwork:
        if self._net is None:
            self._net = HostNetwork(self.fleet_id, self._cgroups.nft_prefix())
        return self._net

    # ------------------------------------------------------------------ prerequisites
    @staticmethod
    def check_prerequisites() -> None:
        """Raise :class:`HostPrerequisiteError` saying what to install or fix."""
        if os.geteuid() != 0:
            raise HostPrerequisiteError("the lab hosts need root (namespaces, mounts, nftables)")
        missing = [
            pkg
            for path, pkg in (
                (SSHD, "openssh-server"),
                (UNSHARE, "util-linux"),
                (NSENTER, "util-linux"),
                ("/usr/sbin/nft", "nftables"),
                ("/usr/sbin/tc", "iproute2"),
                ("/usr/sbin/mkfs.ext4", "e2fsprogs"),  # each host's disk
                ("/usr/bin/fallocate", "util-linux"),  # the disk_full fault
                ("/usr/bin/findmnt", "util-linux"),
                ("/usr/bin/pg_createcluster", "postgresql-common postgresql-15"),
                (f"/usr/lib/postgresql/{PG_VERSION}/bin/postgres", f"postgresql-{PG_VERSION}"),
            )
            if not os.path.exists(path)
        ]
        if missing:
            raise HostPrerequisiteError(
                f"missing packages for the lab hosts: apt-get install -y {' '.join(missing)}"
            )
        if not os.path.exists("/dev/loop-control"):
            raise HostPrerequisiteError(
                "the lab hosts' disks need loop devices: modprobe loop "
                "(in a container: run it privileged, with /dev/loop-control)"
            )
        cgroup2_mount()

    # ------------------------------------------------------------------ up / down
    def up(
        self,
        fresh: bool = False,
        his_patients: int = 2000,
        workers: int = 16,
        provision: bool = True,
    ) -> dict[str, Any]:
        """Start every host (in parallel), provision the DB hosts, write the inventory.

        Hosts keep their disks (state dir) across ``down``/``up`` unless ``fresh``.
        ``provision=False`` boots the disks as they are (a snapshot's, ``snapshot.py``):
        no cluster made or started, no password set, no HIS data loaded.
        On failure everything started is brought down again before the error is raised.
        Returns timings in seconds.
        """
        self.check_prerequisites()
        started = time.monotonic()
        with self._lock:
            if fresh:
                self.down()
                shutil.rmtree(self.state_dir / "hosts", ignore_errors=True)
                self.faults, self.unreachable, self.ssh_only = {}, set(), set()
            self.state_dir.mkdir(parents=True, exist_ok=True)
            os.chmod(self.state_dir, 0o700)
            sshkeys.prepare_controller_key(self.state_dir)
            postgres.prepare_credentials(self.credentials_file)
            rootfs.write_init(self.state_dir)
            self.cgroup_root.mkdir(exist_ok=True)
            self._cgroups.make_pids_limits(self.specs, self.MAX_PIDS)
            for name in self.specs:
                self.cgroup(name).mkdir(exist_ok=True)
                rootfs.prepare_host(self.state_dir, self.specs[name])
                sshkeys.write_known_hosts(self.state_dir, self.specs.values())
            self.net.create((i, s.name, s.address) for i, s in enumerate(self.specs.values()))
            for name in self.specs:
                if self.access(name) != "open":
                    self.net.set_access(self.specs[name].address, self.access(name))
            self._save()
        prepared = time.monotonic()
        try:
            self._parallel(
                [n for n in self.specs if not self.is_on(n)], self._boot, workers, "start"
            )
            booted = time.monotonic()
            db_hosts = [s.name for s in self.specs.values() if s.kind == "db_server"]
            if not provision:
                db_hosts, his_patients = [], 0
            self._parallel(db_hosts, self._provision_postgres, workers, "provision PostgreSQL on")
            loaded = self._load_his_data(his_patients)
        except BaseException:
            self.down()  # a half-started fleet would leave processes and rules behind
            raise
        self.write_inventory()
        done = time.monotonic()
        return {
            "hosts": len(self.specs),
            "prepare_s": round(prepared - started, 2),
            "boot_s": round(booted - prepared, 2),
            "postgres_s": round(done - booted, 2),
            "total_s": round(done - started, 2),
            "his_data": loaded,
        }

    def down(self) -> None:
        """Kill every host, remove cgroups, nftables table and tc qdisc. Idempotent."""
        names = set(self.specs)
        root = self.cgroup_root
        if root.exists():
            names |= {p.name for p in root.iterdir() if p.is_dir()}
        self._parallel(sorted(names), self._kill_cgroup, 16, "stop")
        self._release_disks()
        with self._lock:
            self._cgroups.remove()
            self.net.delete()
            inspection.remove_egress_tables(self.fleet_id)  # workstation_harden's, per host
            for host, faults in self.faults.items():
                if "slow" in faults and host in self.specs:
                    self.net.set_slow(host, self.specs[host].address, None)
            self.net.release_lo_if_unused()
            for faults in self.faults.values():
                faults.pop("slow", None)  # a full disk stays full: its filler is on it
            if self._file.exists():
                self._save()

    def _release_disks(self, timeout: float = 10.0) -> None:
        """Wait until no loop device holds a host's disk any more, then detach what is left.

        A disk's loop device goes by itself when the last mount of it does (``mount -o
        loop`` sets autoclear), normally with its host's mount namespace; something
        holding a file open on it (a shell in ``/proc/<pid>/root/...``) delays that.
        """
        hosts = self.state_dir / "hosts"
        images = (
            [*hosts.glob("*/disk.img"), *hosts.glob("*/removable.img")] if hosts.is_dir() else []
        )
        if not images:
            return
        deadline = time.monotonic() + timeout
        while (left := rootfs.attached_loops(images)) and time.monotonic() < deadline:
            time.sleep(0.05)
        for device in left:
            # still used (a mount elsewhere): detached when its last user goes
            subprocess.run(["losetup", "-d", device], capture_output=True, check=False)

    def _parallel(
        self, names: Sequence[str], action: Callable[[str], Any], workers: int, verb: str
    ) -> None:
        if not names:
            return
        errors: list[str] = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(action, n): n for n in names}
            for future in concurrent.futures.as_completed(futures):
                exc = future.exception()
                if exc is not None:
                    errors.append(f"{futures[future]}: {exc}")
        if errors:
            raise HostStartError(
                f"could not {verb} {len(errors)} host(s):\n" + "\n".join(sorted(errors))
            )

    # ------------------------------------------------------------------ power
    def init_pid(self, name: str) -> int | None:
        """The host's pid 1 as seen from the controller, or None when it is off."""
        return self._hosts.init_pid(self.spec(name).name)

    def is_on(self, name: str) -> bool:
        return self.init_pid(name) is not None

    def _boot(self, name: str) -> None:
        self._hosts.boot(self.spec(name))
        self._boot_drive(name)  # a backup host's removable drive left plugged in
        if self.spec(name).kind == "workstation":
            inspection.antivirus_on_boot(self, name)  # ClamAV's files, fresh and clean

    def _kill_cgroup(self, name: str) -> None:
        """SIGKILL every process of the host (or of a cgroup left by a host no longer
        specified) and reap what is ours."""
        self._hosts.kill(name, known=name in self.specs)

    def power_off(self, name: str) -> None:
        """Pull the plug: every process of the host is killed at once (SIGKILL)."""
        self.spec(name)
        self._kill_cgroup(name)
        self._save()

    def power_on(self, name: str) -> None:
        """Boot the host: sshd and the services enabled in its /etc/rc2.d."""
        self.spec(name)
        if self.is_on(name):
            return
        self._boot(name)

    def reboot(self, name: str, shutdown_timeout: float = 60.0) -> None:
        """Clean reboot: stop services (/etc/rc6.d/K*), kill the rest, boot again."""
        if self.is_on(name):
            self.run(
                name,
                ["/bin/sh", "-c", initscript.SHUTDOWN_SCRIPT],
                timeout=shutdown_timeout,
                check=False,
            )
        self.power_off(name)
        self.power_on(name)

    # ------------------------------------------------------------------ run inside
    def run(
        self,
        name: str,
        argv: Sequence[str],
        input: str | None = None,
        timeout: float = 120.0,
        check: bool = True,
        label: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside the host (its namespaces and cgroup) as root.

        ``label`` names the command in errors (instead of the whole argv).
        """
        return self._hosts.run(self.spec(name).name, argv, input, timeout, check, label)

    def path(self, name: str, path: str) -> Path:
        """``path`` as the running host sees it, readable from the controller."""
        return self._hosts.path(self.spec(name).name, path)

    # ------------------------------------------------------------------ network
    def set_reachable(self, name: str, reachable: bool) -> None:
        """Cut (False) or restore (True) the host's network: SSH, PostgreSQL, its own traffic."""
        self.set_access(name, "open" if reachable else "cut")

    def set_access(self, name: str, access: str) -> None:
        """The host's network: ``open`` (everything), ``ssh`` or ``cut`` (nothing).

        ``ssh``: only TCP port 22 of the host's own sshd passes (connections to it and its
        replies); PostgreSQL, every other port and every connection the host opens itself
        are dropped as for a cut host, as behind an ACL that lets only its SSH replies
        through. Persisted in the state dir like a cut and shown by ``status()``.
        """
        spec = self.spec(name)
        if access not in ACCESS_STATES:
            raise HostSpecError(
                f"access of {name} must be one of {', '.join(ACCESS_STATES)}, not {access!r}"
            )
        with self._lock:
            self.net.set_access(spec.address, access)
            self.unreachable.discard(name)
            self.ssh_only.discard(name)
            if access == "cut":
                self.unreachable.add(name)
            elif access == "ssh":
                self.ssh_only.add(name)
            self._save()

    def access(self, name: str) -> str:
        """``open``, ``ssh`` or ``cut`` (see :meth:`set_access`)."""
        self.spec(name)
        if name in self.unreachable:
            return "cut"
        return "ssh" if name in self.ssh_only else "open"

    def is_reachable(self, name: str) -> bool:
        """Fully reachable (``access(name) == "open"``)."""
        return self.access(name) == "open"
