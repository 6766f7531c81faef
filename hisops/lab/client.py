"""Python side of the lab: start/stop the daemon and talk to its control socket.

from hisops.lab.client import LabClient
lab = LabClient()                      # the lab in $HISOPS_LAB_DIR or var/lab
lab.fault("AGG-2", "slow", ms=300)
lab.reach("opd-reg-01", "his-db-1")    # {"reachable": ..., "reason": ...}
netmiko.ConnectHandler(**lab.connection("CORE-1"))
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hisops.lab.paths import StateDir


class LabError(RuntimeError):
    """The lab is not in the state asked for, or refused a request; the message says why."""


class LabClient:
    def __init__(self, state_dir: str | Path | None = None, timeout: float = 30.0) -> None:
        self.state = StateDir.of(state_dir)
        self.timeout = timeout

    # -- control socket ------------------------------------------------------------------
    def call(self, op: str, **params: Any) -> Any:
        request = json.dumps({"op": op, **params}).encode() + b"\n"
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(self.timeout)
                sock.connect(str(self.state.socket))
                sock.sendall(request)
                data = b""
                while not data.endswith(b"\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise LabError(
                f"no lab is running in {self.state.root} (start one with: hisops lab up)"
            ) from exc
        except OSError as exc:
            raise LabError(f"the lab in {self.state.root} does not answer: {exc}") from exc
        if not data:
            raise LabError(f"the lab in {self.state.root} closed the control connection")
        answer = json.loads(data)
        if not answer.get("ok"):
            raise LabError(answer.get("error", "unknown error"))
        return answer.get("result")

    def is_up(self) -> bool:
        try:
            self.call("ping")
        except LabError:
            return False
        return True

    def endpoints(self) -> list[dict[str, Any]]:
        return list(self.call("endpoints"))

    def status(self) -> dict[str, Any]:
        return dict(self.call("status"))

    def devices(self) -> list[dict[str, Any]]:
        return list(self.status()["devices"])

    def fault(self, device: str, kind: str, **options: Any) -> dict[str, Any]:
        return dict(self.call("fault", device=device, kind=kind, options=options))

    def clear(self, device: str) -> dict[str, Any]:
        return dict(self.call("clear", device=device))

    def reset(self, device: str | None = None) -> list[str]:
        """Devices back to their startup state; without ``device`` also every cut link."""
        return list(self.call("reset", device=device))

    def cut_link(self, a: str, b: str) -> Any:
        return self.call("link", action="cut", a=a, b=b)

    def restore_link(self, a: str, b: str) -> Any:
        return self.call("link", action="restore", a=a, b=b)

    def recable(
        self, failed: str, spare: str, port_map: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Move every cable and endpoint of ``failed`` to ``spare`` (same port names unless
        ``port_map`` says otherwise); ``reset()`` puts the topology's cabling back."""
        return dict(self.call("recable", failed=failed, spare=spare, port_map=port_map))

    def clock(self, advance: float = 0.0) -> dict[str, Any]:
        """The lab's time; ``advance`` seconds moves every device's clock forward first."""
        return dict(self.call("clock", advance=advance))

    def reach(
        self, src: str, dst: str, protocol: str = "ip", port: int | None = None
    ) -> dict[str, Any]:
        return dict(self.call("reach", src=src, dst=dst, protocol=protocol, port=port))

    def config(self, device: str, which: str = "running") -> str:
        return str(self.call("config", device=device, which=which))

    def mac_table(self, device: str) -> list[dict[str, Any]]:
        return list(self.call("mac_table", device=device))

    def arp_table(self, device: str) -> list[dict[str, Any]]:
        return list(self.call("arp_table", device=device))

    def hosts(self) -> list[dict[str, Any]]:
        return list(self.call("hosts"))

    def host_fault(self, host: str, kind: str, **options: Any) -> dict[str, Any]:
        return dict(self.call("host_fault", host=host, kind=kind, options=options))

    def host_clear(self, host: str, kind: str | None = None) -> Any:
        return self.call("host_clear", host=host, kind=kind)

    def host_power(self, host: str, action: str) -> Any:
        return self.call("host_power", host=host, action=action)

    def connection(self, device: str, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for ``netmiko.ConnectHandler`` for one lab device."""
        for entry in self.devices():
            if entry["name"] == device:
                return connection_params(entry, **extra)
        raise LabError(f"no device {device!r} in the lab")

    # -- lifecycle -------------------------------------------------------------------------
    def up(
        self,
        topology: str | Path | None = None,
        relocate: int | None = None,
        timeout: float = 300.0,
        hosts: bool = False,
        boot_seconds: float | None = None,
    ) -> dict[str, Any]:
        """Start the daemon and wait until every device listens; returns ``ping``."""
        if self.is_up():
            raise LabError(f"a lab is already running in {self.state.root} (hisops lab down first)")
        stale = self.state.read_pid()
        if stale is not None and _alive(stale):
            raise LabError(
                f"a lab daemon (pid {stale}) owns {self.state.root} but does not answer; "
                f"stop it (kill {stale}) or use another --state-dir"
            )
        self.state.root.mkdir(parents=True, exist_ok=True)
        for leftover in (self.state.pid, self.state.socket):
            leftover.unlink(missing_ok=True)
        command = [sys.executable, "-m", "hisops.lab.daemon", "--state-dir", str(self.state.root)]
        if topology:
            command += ["--topology", str(Path(topology).resolve())]
        if relocate is not None:
            command += ["--relocate", str(relocate)]
        if hosts:
            command.append("--hosts")
        if boot_seconds is not None:
            command += ["--boot-seconds", str(boot_seconds)]
        with open(self.state.root / "daemon.err", "w") as stderr:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
                env=dict(os.environ),
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = process.poll()
            if code is not None:
                error = (self.state.root / "daemon.err").read_text().strip()
                raise LabError(
                    error or f"the lab daemon exited with status {code}; see {self.state.log}"
                )
            if self.state.socket.exists() and self.is_up():
                return dict(self.call("ping"))
            time.sleep(0.02)
        process.kill()
        raise LabError(f"the lab did not come up within {timeout:.0f} s; see {self.state.log}")

    def up_on_a_free_block(
        self, topology: str | Path | None = None, attempts: int = 6, **options: Any
    ) -> int:
        """``up`` relocated to a random loopback block (``relocate``, 150-249) that no other
        lab holds: a block whose addresses are taken ("cannot listen") is passed over, up
        to ``attempts`` blocks. ``options`` go to ``up``. Returns the block's octet."""
        last: Exception | None = None
        for octet in random.sample(range(150, 250), attempts):
            try:
                self.up(topology, relocate=octet, **options)
                return octet
            except LabError as exc:
                if "cannot listen" not in str(exc):
                    raise
                last = exc
        raise LabError(f"no free loopback block for the lab: {last}")

    def down(self, timeout: float = 120.0, keep_state: bool = False) -> bool:
        """Stop the daemon, wait for its exit, remove the state directory. False if none ran."""
        pid = self.state.read_pid()
        was_up = False
        try:
            self.call("shutdown")
            was_up = True
        except LabError:
            if pid is not None and _alive(pid):
                os.kill(pid, signal.SIGTERM)
                was_up = True
        if pid is not None:
            deadline = time.monotonic() + timeout
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 5
                while _alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.02)
        self._stop_leftover_hosts()
        if not keep_state:
            self.state.remove()
        return was_up

    def _stop_leftover_hosts(self) -> None:
        """If the daemon died without stopping its hosts, stop them from here (idempotent)."""
        hosts_dir = self.state.root / "hosts"
        if not (hosts_dir / "hosts.json").exists():
            return
        try:
            from hisops.lab.hosts import HostFleet

            fleet = HostFleet(hosts_dir)
            if any(fleet.processes().values()):
                fleet.down()
        except Exception as exc:  # the switches are down; say what is left
            raise LabError(
                f"the lab is down but its hosts may still run ({exc}); "
                f'stop them with: python -c "from hisops.lab.hosts import HostFleet; '
                f"HostFleet('{hosts_dir}').down()\""
            ) from exc


def connection_params(entry: dict[str, Any], **extra: Any) -> dict[str, Any]:
    params = {
        "device_type": entry["platform"],
        "host": entry["host"],
        "port": entry["port"],
        "username": entry["username"],
        "password": entry["password"],
        "secret": entry.get("secret", entry["password"]),
        "fast_cli": True,
        "conn_timeout": 10,
        "banner_timeout": 15,
        "auth_timeout": 15,
    }
    params.update(extra)
    return params


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
