"""A host's processes: booted into their own pid, mount and UTS namespaces and cgroup,
commands run inside them (``nsenter``), killed whole.

pid 1 of a host is ``initscript.INIT_SCRIPT`` under ``unshare --pid --fork --kill-child
--mount --uts``; it mounts the host's filesystem view, starts sshd and the services of
``/etc/rc2.d`` and reaps orphans. Killing it makes the kernel kill the whole pid
namespace; the host's mounts die with its mount namespace.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from hisops.lab.hosts import rootfs
from hisops.lab.hosts.cgroups import HostCgroups
from hisops.lab.hosts.errors import HostCommandError, HostLabError, HostStartError
from hisops.lab.hosts.probes import tcp_open, wait_for
from hisops.lab.hosts.spec import HostSpec

UNSHARE = "/usr/bin/unshare"
NSENTER = "/usr/bin/nsenter"
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BOOT_TIMEOUT = 60.0

# Join the host's cgroup ($1) and, when there is one, its pids-limit cgroup ($2).
_JOIN = 'echo $$ > "$1" && { [ -z "$2" ] || echo $$ > "$2"; } && shift 2 && exec "$@"'


class HostProcesses:
    """The running hosts of a fleet.

    Host names are taken as given: the fleet checks them against its specs first.
    ``is_cut(name)`` says whether the host's network is cut (then boot does not wait
    for its sshd to answer).
    """

    def __init__(self, state_dir: Path, cgroups: HostCgroups, is_cut: Callable[[str], bool]):
        self.state_dir = state_dir
        self.cgroups = cgroups
        self._is_cut = is_cut
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._procs_lock = threading.Lock()

    def init_pid(self, name: str) -> int | None:
        """The host's pid 1 as seen from the controller, or None when it is off."""
        procs = self.cgroups.host(name) / "cgroup.procs"
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

    def boot(self, spec: HostSpec) -> None:
        """Start the host's pid 1 and wait until it has booted and its sshd answers."""
        name = spec.name
        hostdir = self.state_dir / "hosts" / name
        cgroup = self.cgroups.host(name)
        cgroup.mkdir(parents=True, exist_ok=True)
        console = open(hostdir / "console.log", "ab")  # noqa: SIM115 - child keeps it
        argv = [
            "/bin/sh",
            "-c",
            _JOIN,
            "hisops-join",
            str(cgroup / "cgroup.procs"),
            self.cgroups.pids_procs(name),
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
            str(rootfs.init_script(self.state_dir)),
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
                env=host_env(),
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
            return self._is_cut(name) or tcp_open(spec.address, 22, 0.2)

        wait_for(booted, BOOT_TIMEOUT, f"host {name} to boot (sshd on {spec.address}:22)")

    def kill(self, name: str, known: bool = True) -> None:
        """SIGKILL every process of the host and reap what is ours.

        The namespace's pid 1 goes first: the kernel then kills the whole pid namespace
        and ``unshare`` (our child) reaps it and exits, so no zombie is left for the
        machine's init. ``cgroup.kill`` then takes whatever is left (``nsenter``
        parents, an ``unshare`` whose child is already gone). ``known``: a host of the
        fleet's specs (a cgroup left by a host no longer specified has no pid 1 looked up).
        """
        cgroup = self.cgroups.host(name)
        if not cgroup.exists():
            return
        seen: set[int] = set()
        # Noted before the kill: ``unshare`` leaves cgroup.procs the moment it exits, and a
        # loaded machine may read the list only after that (it would stay a zombie).
        with contextlib.suppress(FileNotFoundError):
            seen.update(int(p) for p in (cgroup / "cgroup.procs").read_text().split())
        init = self.init_pid(name) if known else None
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
            str(self.cgroups.host(name) / "cgroup.procs"),
            self.cgroups.pids_procs(name),
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
                env=host_env(),
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


def host_env() -> dict[str, str]:
    """The environment of a host's pid 1 and of every command run inside it."""
    return {"PATH": HOST_PATH, "LANG": "C.UTF-8", "HOME": "/root", "TERM": "dumb"}


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no console output)"
