"""The lab's database servers, workstations and backup target as real SSH hosts.

Every host is a real OpenSSH ``sshd`` on its own loopback address, inside the host's own
pid, mount and UTS namespaces and its own cgroup (v2):

* its filesystem view is the machine's, copy-on-write (overlayfs over ``/etc``, ``/usr``,
  ``/var``, ``/opt``, ``/srv``, ``/home``), with private, initially empty ``/root``,
  ``/var/log``, ``/var/lib/postgresql``, ``/etc/postgresql``, ``/etc/his-client``,
  ``/opt/his-client``, ``/srv/backup`` and fresh ``/run`` and ``/tmp``: playbooks use
  the real paths and one host never sees what another writes;
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
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from hisops.lab.hosts import initscript
from hisops.lab.hosts.errors import (
    HostCommandError,
    HostLabError,
    HostPrerequisiteError,
    HostSpecError,
    HostStartError,
    UnknownHostError,
)
from hisops.lab.hosts.netctl import ACCESS_STATES, HostNetwork
from hisops.lab.hosts.spec import HostSpec, department_group, validate_specs

UNSHARE = "/usr/bin/unshare"
NSENTER = "/usr/bin/nsenter"
SSHD = "/usr/sbin/sshd"
PG_VERSION = "15"
PG_CLUSTER = "main"
PG_DATA = f"/var/lib/postgresql/{PG_VERSION}/{PG_CLUSTER}"
PG_CONF = f"/etc/postgresql/{PG_VERSION}/{PG_CLUSTER}"
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SYSTEMCTL_SHIM = Path(__file__).with_name("systemctl_shim.py")
FAULT_KINDS = ("unreachable", "slow", "disk_full", "crash", "clock_skew")
BOOT_TIMEOUT = 60.0

# Join the host's cgroup ($1) and, when there is one, its pids-limit cgroup ($2).
_JOIN = 'echo $$ > "$1" && { [ -z "$2" ] || echo $$ > "$2"; } && shift 2 && exec "$@"'


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.02
) -> None:
    """Poll ``condition`` until true; raise :class:`HostLabError` naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise HostLabError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)
        interval = min(interval * 1.5, 0.25)


def tcp_open(address: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def _cgroup2_mount() -> Path:
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            left, _, right = line.partition(" - ")
            if right.split()[0] == "cgroup2":
                return Path(left.split()[4])
    raise HostPrerequisiteError(
        "no cgroup v2 hierarchy is mounted: mount -t cgroup2 none /sys/fs/cgroup/unified"
    )


class HostFleet:
    """A fleet of lab hosts kept in ``state_dir``.

    ``HostFleet(state_dir, specs)`` describes a new fleet; ``HostFleet(state_dir)``
    reopens the fleet saved there (for ``down`` or ``status`` from another process).
    """

    def __init__(self, state_dir: str | os.PathLike[str], specs: Iterable[HostSpec] | None = None):
        self.state_dir = Path(state_dir).resolve()
        self.fleet_id = hashlib.sha1(str(self.state_dir).encode()).hexdigest()[:8]
        self._file = self.state_dir / "hosts.json"
        self._lock = threading.RLock()
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._procs_lock = threading.Lock()
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
        self._cg_root: Path | None = None
        self._net: HostNetwork | None = None

    # ------------------------------------------------------------------ paths, state
    @property
    def ssh_key(self) -> Path:
        """The controller's private key for every lab host."""
        return self.state_dir / "ssh" / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.state_dir / "ssh" / "known_hosts"

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
        if self._cg_root is None:
            self._cg_root = _cgroup2_mount() / f"hisops-{self.fleet_id}"
        return self._cg_root

    def cgroup(self, name: str) -> Path:
        return self.cgroup_root / self.spec(name).name

    # A fork bomb in one host must not take the machine down: each host gets a pids
    # limit where the kernel offers one (cgroup v1 "pids" hierarchy, as on this machine;
    # on a pure cgroup v2 machine the limit is skipped).
    MAX_PIDS = 2048

    @property
    def pids_root(self) -> Path | None:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            for line in handle:
                left, _, right = line.partition(" - ")
                fields = right.split()
                if fields and fields[0] == "cgroup" and "pids" in fields[-1].split(","):
                    return Path(left.split()[4]) / f"hisops-{self.fleet_id}"
        return None

    def _pids_procs(self, name: str) -> str:
        root = self.pids_root
        return str(root / name / "cgroup.procs") if root and (root / name).exists() else ""

    def _make_pids_limits(self) -> None:
        root = self.pids_root
        if root is None:
            return
        for name in self.specs:
            (root / name).mkdir(parents=True, exist_ok=True)
            (root / name / "pids.max").write_text(str(self.MAX_PIDS))

    def _remove_pids_limits(self) -> None:
        root = self.pids_root
        if root is None or not root.exists():
            return
        for child in root.iterdir():
            if child.is_dir():
                with contextlib.suppress(OSError):
                    child.rmdir()
        with contextlib.suppress(OSError):
            root.rmdir()

    @property
    def net(self) -> HostNetwork:
        if self._net is None:
            mount = _cgroup2_mount()
            prefix: str | None = None
            base = Path("/sys/fs/cgroup")
            if mount == base or base in mount.parents:
                rel = mount.relative_to(base).as_posix()
                prefix = (
                    f"hisops-{self.fleet_id}" if rel == "." else f"{rel}/hisops-{self.fleet_id}"
                )
            self._net = HostNetwork(self.fleet_id, prefix)
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
                ("/usr/bin/pg_createcluster", "postgresql-common postgresql-15"),
                (f"/usr/lib/postgresql/{PG_VERSION}/bin/postgres", f"postgresql-{PG_VERSION}"),
            )
            if not os.path.exists(path)
        ]
        if missing:
            raise HostPrerequisiteError(
                f"missing packages for the lab hosts: apt-get install -y {' '.join(missing)}"
            )
        _cgroup2_mount()

    # ------------------------------------------------------------------ up / down
    def up(
        self, fresh: bool = False, his_patients: int = 2000, workers: int = 16
    ) -> dict[str, Any]:
        """Start every host (in parallel), provision the DB hosts, write the inventory.

        Hosts keep their disks (state dir) across ``down``/``up`` unless ``fresh``.
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
            self._prepare_keys()
            self._write_init()
            self.cgroup_root.mkdir(exist_ok=True)
            self._make_pids_limits()
            for name in self.specs:
                self.cgroup(name).mkdir(exist_ok=True)
                self._prepare_host(self.specs[name])
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
        with self._lock:
            if root.exists():
                for child in root.iterdir():
                    if child.is_dir():
                        child.rmdir()
                root.rmdir()
            self._remove_pids_limits()
            self.net.delete()
            for host, faults in self.faults.items():
                if "slow" in faults and host in self.specs:
                    self.net.set_slow(host, self.specs[host].address, None)
            self.net.release_lo_if_unused()
            for faults in self.faults.values():
                faults.pop("slow", None)
                faults.pop("disk_full", None)
            if self._file.exists():
                self._save()

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

    # ------------------------------------------------------------------ preparation
    def _prepare_keys(self) -> None:
        ssh_dir = self.state_dir / "ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        if not self.ssh_key.exists():
            private, public = _ed25519_pair("hisops-lab-controller")
            self.ssh_key.write_bytes(private)
            os.chmod(self.ssh_key, 0o600)
            self.ssh_key.with_suffix(".pub").write_text(public + "\n", encoding="utf-8")
        creds = {
            "database": "his",
            "postgres": {"user": "postgres", "password": secrets.token_hex(16)},
            "his_app": {"user": "his_app", "password": secrets.token_hex(16)},
            # the DB pair's replication user (created by playbooks/db_standby_build.yml)
            "replication": {"user": "hisops_replicator", "password": secrets.token_hex(16)},
        }
        if self.credentials_file.exists():
            # A state directory from an older lab keeps its passwords and gains the entries
            # added since (the replication user's, say).
            kept = json.loads(self.credentials_file.read_text(encoding="utf-8"))
            if set(creds) <= set(kept):
                return
            creds.update(kept)
            self.credentials_file.unlink()
        fd = os.open(self.credentials_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(creds, handle, indent=1)

    def _write_init(self) -> None:
        bin_dir = self.state_dir / "bin"
        bin_dir.mkdir(exist_ok=True)
        path = bin_dir / "hisops-host-init"
        path.write_text(initscript.INIT_SCRIPT, encoding="utf-8")
        path.chmod(0o755)

    def _prepare_host(self, spec: HostSpec) -> None:
        hostdir = self.state_dir / "hosts" / spec.name
        upper_etc = hostdir / "fs" / "upper" / "etc"
        ssh_etc = upper_etc / "ssh"
        ssh_etc.mkdir(parents=True, exist_ok=True)
        host_key = ssh_etc / "ssh_host_ed25519_key"
        if not host_key.exists():
            private, public = _ed25519_pair(f"root@{spec.name}")
            host_key.write_bytes(private)
            host_key.chmod(0o600)
            host_key.with_suffix(".pub").write_text(public + "\n", encoding="utf-8")
        (ssh_etc / "sshd_config").write_text(
            initscript.SSHD_CONFIG.format(name=spec.name, address=spec.address), encoding="utf-8"
        )
        (upper_etc / "hostname").write_text(spec.name + "\n", encoding="utf-8")
        # /sbin/init is systemd's on the controller; a lab host is a sysvinit host.
        lib = hostdir / "fs" / "upper" / "usr" / "lib" / "hisops-lab"
        lib.mkdir(parents=True, exist_ok=True)
        (lib / "init").write_text(initscript.INIT_SCRIPT, encoding="utf-8")
        (lib / "init").chmod(0o755)
        # No systemd on a lab host: a systemctl with the same interface drives the init
        # scripts, so playbooks control services as on a production Debian server.
        systemctl = hostdir / "fs" / "upper" / "usr" / "bin" / "systemctl"
        systemctl.parent.mkdir(parents=True, exist_ok=True)
        systemctl.write_text(SYSTEMCTL_SHIM.read_text(encoding="utf-8"), encoding="utf-8")
        systemctl.chmod(0o755)
        sbin_init = hostdir / "fs" / "upper" / "usr" / "sbin" / "init"
        sbin_init.parent.mkdir(parents=True, exist_ok=True)
        if not sbin_init.is_symlink():
            sbin_init.symlink_to("/usr/lib/hisops-lab/init")
        root_home = hostdir / "fs" / "private" / "root"
        (root_home / ".ssh").mkdir(parents=True, exist_ok=True)
        root_home.chmod(0o700)
        (root_home / ".ssh").chmod(0o700)
        auth = root_home / ".ssh" / "authorized_keys"
        auth.write_text(self.ssh_key.with_suffix(".pub").read_text(encoding="utf-8"))
        auth.chmod(0o600)
        no_rc = list(initscript.NOT_ON_HOSTS)
        if spec.kind != "db_server":
            no_rc.append("postgresql")
        env = {
            "HISOPS_HOST": spec.name,
            "HISOPS_ADDR": spec.address,
            "HISOPS_STATE_DIR": str(self.state_dir),
            "HISOPS_OVERLAY": " ".join(initscript.OVERLAY_DIRS),
            "HISOPS_PRIVATE": " ".join(initscript.PRIVATE_DIRS),
            "HISOPS_NO_RC": " ".join(no_rc),
        }
        (hostdir / "host.env").write_text(
            "".join(f"{k}={shlex.quote(v)}\n" for k, v in env.items()), encoding="utf-8"
        )
        lines = []
        for other in self.specs.values():
            pub = (
                self.state_dir / "hosts" / other.name / "fs/upper/etc/ssh/ssh_host_ed25519_key.pub"
            )
            if pub.exists():
                lines.append(f"{other.address} {' '.join(pub.read_text().split()[:2])}\n")
        self.known_hosts.write_text("".join(lines), encoding="utf-8")

    # ------------------------------------------------------------------ power
    def init_pid(self, name: str) -> int | None:
        """The host's pid 1 as seen from the controller, or None when it is off."""
        procs = self.cgroup(name) / "cgroup.procs"
        try:
            pids = procs.read_text().split()
        except FileNotFoundError:
            return None
        for pid in pids:
            try:
                with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
                    for line in handle:
                        if line.startswith("NSpid:"):
                            fields = line.split()
                            if len(fields) == 3 and fields[2] == "1":
                                return int(pid)
                            break
            except FileNotFoundError:
                continue
        return None

    def is_on(self, name: str) -> bool:
        return self.init_pid(name) is not None

    def _boot(self, name: str) -> None:
        spec = self.spec(name)
        hostdir = self.state_dir / "hosts" / name
        cgroup = self.cgroup(name)
        cgroup.mkdir(parents=True, exist_ok=True)
        console = open(hostdir / "console.log", "ab")  # noqa: SIM115 - child keeps it
        argv = [
            "/bin/sh",
            "-c",
            _JOIN,
            "hisops-join",
            str(cgroup / "cgroup.procs"),
            self._pids_procs(name),
            UNSHARE,
            "--pid",
            "--fork",
            "--kill-child",
            "--mount",
            "--uts",
            "--propagation",
            "private",
            "--mount-proc",
            "/bin/sh",
            str(self.state_dir / "bin" / "hisops-host-init"),
            str(hostdir),
        ]
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                env=_host_env(),
            )
        finally:
            console.close()
        with self._procs_lock:
            self._procs[name] = proc

        def booted() -> bool:
            if proc.poll() is not None:
                raise HostStartError(
                    f"host {name} stopped while booting (exit {proc.returncode}); "
                    f"console {hostdir / 'console.log'}:\n{_tail(hostdir / 'console.log')}"
                )
            pid = self.init_pid(name)
            if pid is None or not os.path.exists(f"/proc/{pid}/root/run/hisops/booted"):
                return False
            return name in self.unreachable or tcp_open(spec.address, 22, 0.2)

        wait_for(booted, BOOT_TIMEOUT, f"host {name} to boot (sshd on {spec.address}:22)")

    def _kill_cgroup(self, name: str) -> None:
        """SIGKILL every process of the host and reap what is ours.

        The namespace's pid 1 goes first: the kernel then kills the whole pid namespace
        and ``unshare`` (our child) reaps it and exits, so no zombie is left for the
        machine's init. ``cgroup.kill`` then takes whatever is left (``nsenter``
        parents, an ``unshare`` whose child is already gone).
        """
        cgroup = self.cgroup_root / name
        if not cgroup.exists():
            return
        seen: set[int] = set()
        init = self.init_pid(name) if name in self.specs else None
        if init is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(init, signal.SIGKILL)
        deadline = time.monotonic() + 1.0

        def empty() -> bool:
            try:
                pids = [int(p) for p in (cgroup / "cgroup.procs").read_text().split()]
            except FileNotFoundError:
                return True
            seen.update(pids)
            if pids and time.monotonic() > deadline:
                if (cgroup / "cgroup.kill").exists():
                    (cgroup / "cgroup.kill").write_text("1")
                else:
                    for pid in pids:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
            return not pids

        wait_for(empty, 15, f"every process of host {name} to die")
        with self._procs_lock:
            proc = self._procs.pop(name, None)
        if proc is not None:
            proc.wait(timeout=10)
        # Reap our own children even when another HostFleet object started them: all
        # are dead, so a blocking wait returns at once (ECHILD when not ours).
        for pid in seen:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, 0)

    def power_off(self, name: str) -> None:
        """Pull the plug: every process of the host is killed at once (SIGKILL)."""
        self.spec(name)
        self._kill_cgroup(name)
        self.faults.get(name, {}).pop("disk_full", None)
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
        what = label or shlex.join(argv)[:200]
        pid = self.init_pid(name)
        if pid is None:
            raise HostLabError(f"host {name} is powered off: power_on({name!r}) first")
        wrapped = [
            "/bin/sh",
            "-c",
            _JOIN,
            "hisops-exec",
            str(self.cgroup(name) / "cgroup.procs"),
            self._pids_procs(name),
            NSENTER,
            "-t",
            str(pid),
            "-m",
            "-u",
            "-p",
            "--",
            *argv,
        ]
        try:
            done = subprocess.run(
                wrapped,
                input=input,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=_host_env(),
                check=False,
                cwd="/",
            )
        except subprocess.TimeoutExpired as exc:
            raise HostCommandError(f"{name}: {what} did not finish in {timeout:.0f}s") from exc
        if check and done.returncode != 0:
            raise HostCommandError(
                f"{name}: {what} failed (exit {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-1500:]}"
            )
        return done

    def path(self, name: str, path: str) -> Path:
        """``path`` as the running host sees it, readable from the controller."""
        pid = self.init_pid(name)
        if pid is None:
            raise HostLabError(f"host {name} is powered off: power_on({name!r}) first")
        return Path(f"/proc/{pid}/root") / path.lstrip("/")

    # ------------------------------------------------------------------ PostgreSQL
    def credentials(self) -> dict[str, Any]:
        """Lab database credentials (``postgres`` superuser, ``his_app``), from the state dir."""
        return json.loads(self.credentials_file.read_text(encoding="utf-8"))

    def conninfo(self, name: str, user: str = "his_app", dbname: str | None = None) -> str:
        """A libpq connection string to the DB host ``name`` at its own address."""
        spec = self.spec(name)
        creds = self.credentials()
        password = creds[user]["password"] if user in creds else ""
        db = dbname or (creds["database"] if user == "his_app" else "postgres")
        return (
            f"host={spec.address} port=5432 dbname={db} user={user} "
            f"password={password} connect_timeout=5"
        )

    def _provision_postgres(self, name: str) -> None:
        spec = self.spec(name)
        self.run(
            name,
            ["/bin/sh", "-c", _PG_CREATE, "pg-create", spec.address],
            timeout=180,
            label="creating and starting the PostgreSQL cluster",
        )
        if self._in_recovery(name):
            # A hot standby (left so by a drill's failover or rejoin) is read-only: its roles
            # and passwords come from its primary by replication.
            return
        creds = self.credentials()
        sql = _PG_ROLES.format(
            postgres=creds["postgres"]["password"], his_app=creds["his_app"]["password"]
        )
        self.run(
            name,
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                "postgres",
            ],
            input=sql,
            timeout=60,
            label="setting the lab roles' passwords",
        )

    def _in_recovery(self, name: str) -> bool:
        """Whether the host's PostgreSQL runs as a hot standby."""
        done = self.run(
            name,
            ["runuser", "-u", "postgres", "--", "psql", "-X", "-Atq", "-d", "postgres",
             "-c", "SELECT pg_is_in_recovery()"],
            timeout=60, check=False, label="reading whether PostgreSQL is a standby",
        )
        return done.returncode == 0 and done.stdout.strip() == "t"

    def pg_running(self, name: str) -> bool:
        """Whether the host's PostgreSQL postmaster is running."""
        pid = self.init_pid(name)
        if pid is None:
            return False
        return (
            self.run(
                name,
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    "pg_ctlcluster",
                    PG_VERSION,
                    PG_CLUSTER,
                    "status",
                ],
                check=False,
                timeout=30,
            ).returncode
            == 0
        )

    def his_data_host(self) -> str | None:
        db_hosts = [s for s in self.specs.values() if s.kind == "db_server"]
        marked = [s for s in db_hosts if s.his_data]
        chosen = marked or db_hosts[:1]
        return chosen[0].name if chosen else None

    def _load_his_data(self, patients: int) -> dict[str, Any] | None:
        name = self.his_data_host()
        if name is None or patients <= 0:
            return None
        import psycopg

        from hisops.lab.hosts import hisdata

        with psycopg.connect(self.conninfo(name)) as conn:
            if hisdata.is_loaded(conn):
                return {"host": name, **hisdata.summary(conn)}
            hisdata.load(conn, patients=patients)
            return {"host": name, **hisdata.summary(conn)}

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

    # ------------------------------------------------------------------ faults
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

    # ------------------------------------------------------------------ views
    def status(self) -> list[dict[str, Any]]:
        """Every host: spec, power, reachability, faults, sshd listening, PostgreSQL."""
        rows = []
        for spec in self.specs.values():
            on = self.is_on(spec.name)
            row: dict[str, Any] = {
                **spec.to_dict(),
                "power": "on" if on else "off",
                "reachable": self.is_reachable(spec.name),
                "access": self.access(spec.name),
                "faults": self.faults.get(spec.name, {}),
                "ssh": on and spec.name not in self.unreachable and tcp_open(spec.address, 22),
            }
            if spec.kind == "db_server":
                row["postgresql"] = "running" if on and self._pg_alive(spec.name) else "stopped"
            rows.append(row)
        return rows

    def _pg_alive(self, name: str) -> bool:
        try:
            pids = (self.cgroup(name) / "cgroup.procs").read_text().split()
        except FileNotFoundError:
            return False
        for pid in pids:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except FileNotFoundError:
                continue
            if cmdline and cmdline[0].endswith(b"/postgres") and b"-D" in cmdline:
                return True
        return False

    def processes(self) -> dict[str, list[int]]:
        """Controller-side pids of every process of every host (for checks and memory)."""
        out: dict[str, list[int]] = {}
        for name in self.specs:
            try:
                out[name] = [
                    int(p) for p in (self.cgroup(name) / "cgroup.procs").read_text().split()
                ]
            except FileNotFoundError:
                out[name] = []
        return out

    def inventory(self) -> dict[str, Any]:
        """The Ansible inventory fragment (YAML-ready dict) for the lab hosts."""
        common_args = (
            f"-o UserKnownHostsFile={self.known_hosts} -o StrictHostKeyChecking=yes "
            "-o IdentitiesOnly=yes -o ConnectTimeout=10"
        )
        groups: dict[str, dict[str, Any]] = {
            "db_servers": {"hosts": {}},
            "workstations": {"children": {}},
            "client_test": {"hosts": {}},
            "backup_targets": {"hosts": {}},
        }
        extra: dict[str, dict[str, Any]] = {}
        for spec in self.specs.values():
            hostvars: dict[str, Any] = {
                "ansible_host": spec.address,
                "hisops_lab_kind": spec.kind,
                "hisops_department": spec.department,
            }
            if spec.kind == "db_server":
                hostvars.update(hisops_pg_version=PG_VERSION, hisops_pg_cluster=PG_CLUSTER)
                groups["db_servers"]["hosts"][spec.name] = hostvars
            elif spec.kind == "workstation":
                dept = department_group(spec.department)
                children = groups["workstations"]["children"]
                children.setdefault(dept, {"hosts": {}})["hosts"][spec.name] = hostvars
            elif spec.kind == "backup_target":
                groups["backup_targets"]["hosts"][spec.name] = hostvars
            else:
                extra.setdefault("lab_servers", {"hosts": {}})["hosts"][spec.name] = hostvars
            for group in spec.groups:
                target = groups.get(group) or extra.setdefault(group, {"hosts": {}})
                target.setdefault("hosts", {})[spec.name] = {}
        return {
            "all": {
                "children": {
                    "lab_hosts": {
                        "vars": {
                            "ansible_user": "root",
                            "ansible_ssh_private_key_file": str(self.ssh_key),
                            "ansible_ssh_common_args": common_args,
                            "ansible_python_interpreter": "/usr/bin/python3",
                            "hisops_lab_credentials_file": str(self.credentials_file),
                        },
                        "children": {**groups, **extra},
                    }
                }
            }
        }

    def write_inventory(self, path: str | os.PathLike[str] | None = None) -> Path:
        target = Path(path) if path else self.inventory_file
        target.write_text(
            "# hisops lab hosts - generated by HostFleet.write_inventory()\n"
            + yaml.safe_dump(self.inventory(), sort_keys=False, default_flow_style=False),
            encoding="utf-8",
        )
        return target


# ---------------------------------------------------------------------- helpers
def _host_env() -> dict[str, str]:
    return {"PATH": HOST_PATH, "LANG": "C.UTF-8", "HOME": "/root", "TERM": "dumb"}


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no console output)"


def _ed25519_pair(comment: str) -> tuple[bytes, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return private, f"{public} {comment}"


_PG_CREATE = rf"""set -eu
ADDR="$1"
if [ ! -e {PG_CONF}/postgresql.conf ]; then
    chown postgres:postgres /var/lib/postgresql /etc/postgresql
    chmod 0755 /var/lib/postgresql /etc/postgresql
    install -d -o root -g postgres -m 1775 /var/log/postgresql
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    pg_createcluster {PG_VERSION} {PG_CLUSTER} --start-conf auto -p 5432 >/dev/null
    cat > {PG_CONF}/conf.d/hisops-lab.conf <<EOF
# hisops lab host: listen on this host's own address only
listen_addresses = '$ADDR'
password_encryption = scram-sha-256
EOF
    cat >> {PG_CONF}/pg_hba.conf <<'EOF'
# hisops lab: the controller and the other lab hosts (all on 127.0.0.0/8)
host    all             all             127.0.0.0/8             scram-sha-256
host    replication     all             127.0.0.0/8             scram-sha-256
EOF
fi
if ! pg_ctlcluster {PG_VERSION} {PG_CLUSTER} status >/dev/null 2>&1; then
    systemctl start postgresql
fi
for i in $(seq 1 300); do
    pg_isready -q -h /var/run/postgresql -p 5432 && exit 0
    sleep 0.1
done
echo "PostgreSQL did not accept connections within 30 s; see /var/log/postgresql" >&2
exit 1
"""

_PG_ROLES = """\\set ON_ERROR_STOP 1
ALTER ROLE postgres PASSWORD '{postgres}';
SELECT 'CREATE ROLE his_app LOGIN' WHERE NOT EXISTS
  (SELECT 1 FROM pg_roles WHERE rolname = 'his_app') \\gexec
ALTER ROLE his_app LOGIN PASSWORD '{his_app}';
SELECT 'CREATE DATABASE his OWNER his_app' WHERE NOT EXISTS
  (SELECT 1 FROM pg_database WHERE datname = 'his') \\gexec
"""

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
