# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ways a failover fences the old primary, one registry (``FENCES``) from the name a
user gives (``fence: [ssh, switch_port, site_command]``) to its implementation.

A fence takes a ``FenceContext`` and returns an ``Attempt``: what it did, and its proof -
what it left behind that shows the old primary can no longer accept writes ('' when not
proven, with a ``reason`` code saying why). What a fence does on the controller itself
(the site's command, the switch port's cut, the probe of a port) goes through
``ControllerEffects``; its ``Rehearsal`` twin is check mode, so that no fence asks.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import (
    STOPPED,
    UNREACHABLE,
)


# ---------------------------------------------------------------------- the controller's side
def port_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port_closed(host: str, port: int, timeout: float = 5.0) -> bool:
    """True once ``host:port`` refuses or drops connections (within ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        if not port_answers(host, port, timeout=min(1.0, timeout)):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def run_site_command(argv: list[str], timeout: float = 120) -> dict[str, Any]:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"rc": None, "output": str(exc)}
    return {"rc": proc.returncode, "output": (proc.stdout + proc.stderr).strip()[-2000:]}


class ControllerEffects:
    """What the fences do on the controller: the site's command, the cut of the old
    primary's switch port (``switch_port(name, address, check)``: the netops isolation's
    result, injected by the action plugin), the probe of one of its ports."""

    def __init__(
        self,
        switch_port: Callable[[str, str, bool], dict[str, Any]],
        site_command: Callable[[list[str], float], dict[str, Any]] = run_site_command,
        port_closed: Callable[[str, int], bool] = wait_port_closed,
    ):
        self._switch_port = switch_port
        self._site_command = site_command
        self._port_closed = port_closed

    def site_command(self, argv: list[str], timeout: float) -> dict[str, Any] | None:
        """The command's ``rc`` and ``output``; None when it was not run."""
        return self._site_command(argv, timeout)

    def cut_port(self, name: str, address: str) -> dict[str, Any]:
        return self._switch_port(name, address, False)

    def port_closed(self, address: str, port: int) -> bool:
        return self._port_closed(address, port)

    def rehearsal(self) -> ControllerEffects:
        return Rehearsal(self._switch_port, self._site_command, self._port_closed)


class Rehearsal(ControllerEffects):
    """Check mode: the site's command is not run, the isolation only plans its cut, and
    no port is taken for closed (nothing was cut off, so nothing is proven)."""

    def site_command(self, argv: list[str], timeout: float) -> dict[str, Any] | None:
        return None

    def cut_port(self, name: str, address: str) -> dict[str, Any]:
        return self._switch_port(name, address, True)

    def port_closed(self, address: str, port: int) -> bool:
        return False


# ---------------------------------------------------------------------- proofs
def ssh_proof(name: str, result: dict[str, Any]) -> str:
    """The proof an ``ssh`` fence gives, or '' (the node's state after ``fence_ssh``)."""
    after = result.get("after") or {}
    state = result.get("state") or {}
    if result.get("failed") or not after:
        return ""
    if (
        state.get("role") == STOPPED
        and after.get("enabled") is False
        and after.get("standby_signal")
        and not after.get("processes")
    ):
        return (
            f"ssh: PostgreSQL on {name} is stopped, no PostgreSQL process is left, it is "
            "disabled at boot and holds standby.signal"
        )
    return ""


def site_proof(name: str, command: list[str], ran: dict[str, Any], port_closed: bool) -> str:
    if ran.get("rc") == 0 and port_closed:
        return (
            f"site command {' '.join(command)} succeeded and {name}'s PostgreSQL port no "
            "longer answers"
        )
    return ""


def already_isolated(isolation: dict[str, Any]) -> bool:
    """The isolation found the host cut off by an open record of its own, whole: it sent
    nothing and verified nothing, the record it names is the cut (a partial record, or
    none, is not)."""
    return (
        not isolation.get("failed")
        and not isolation.get("changed")
        and bool(isolation.get("isolation_id"))
        and not isolation.get("verified")
        and not isolation.get("partial")
    )


def switch_proof(name: str, isolation: dict[str, Any], port_closed: bool, ssh_closed: bool) -> str:
    verified = isolation.get("verified") or {}
    in_place = (bool(verified) and all(verified.values())) or already_isolated(isolation)
    if not isolation.get("failed") and in_place and port_closed and ssh_closed:
        where = isolation.get("located") or {}
        port = (
            f"{where.get('switch')}:{where.get('port')}" if where.get("port") else "its access port"
        )
        return (
            f"switch_port: {port} shut ({isolation.get('isolation_id')}); {name} answers "
            "neither SSH nor PostgreSQL from the controller"
        )
    return ""


# ---------------------------------------------------------------------- the fences
@dataclass
class FenceContext:
    """The old primary as the fences reach it."""

    name: str
    address: str  # where the controller reaches it (ansible_host)
    pg_port: int
    ssh_port: int
    timeout: float
    fence_command: list[str]
    fence_step: Callable[[], dict[str, Any]]  # db_failover_step fence on it, over SSH
    effects: ControllerEffects


@dataclass
class Attempt:
    """One fence method's attempt. ``reason`` (when not proven): ``unreachable``,
    ``failed``, ``incomplete`` (it ran, the marks of a fence are not all there),
    ``port_answers`` or ``not_run`` (check mode)."""

    method: str
    proof: str = ""
    reason: str = ""
    result: dict[str, Any] | None = None
    commands: list[str] = field(default_factory=list)
    changed: bool = False
    state: dict[str, Any] | None = None  # ssh: the old primary's state afterwards

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method}
        if self.result is not None:
            out["result"] = self.result
        out["proof"] = self.proof
        if not self.proof:
            out["reason"] = self.reason
        return out


def _unproven(result: dict[str, Any], closed: bool) -> str:
    if result.get("unreachable"):
        return "unreachable"
    if result.get("failed"):
        return "failed"
    return "incomplete" if closed else "port_answers"


def fence_ssh(ctx: FenceContext) -> Attempt:
    """From the inside: ``db_failover_step`` ``step=fence`` on the old primary."""
    fenced = ctx.fence_step()
    kept = ("msg", "before", "after", "unreachable")
    proof = ssh_proof(ctx.name, fenced)
    return Attempt(
        "ssh",
        proof=proof,
        reason="" if proof else _unproven(fenced, True),
        result={k: fenced[k] for k in kept if k in fenced},
        commands=[f"{ctx.name}: {c}" for c in fenced.get("commands", [])],
        changed=bool(fenced.get("changed")),
        state=fenced.get("state") or None,
    )


def fence_site_command(ctx: FenceContext) -> Attempt:
    """The site's command on the controller (power off, ...), proven when the old primary's
    PostgreSQL port stops answering."""
    line = f"controller: {' '.join(ctx.fence_command)}"
    ran = ctx.effects.site_command(ctx.fence_command, ctx.timeout)
    if ran is None:
        return Attempt("site_command", reason="not_run", commands=[line])
    closed = ran.get("rc") == 0 and ctx.effects.port_closed(ctx.address, ctx.pg_port)
    proof = site_proof(ctx.name, ctx.fence_command, ran, closed)
    reason = "" if proof else ("failed" if ran.get("rc") != 0 else "port_answers")
    return Attempt(
        "site_command", proof=proof, reason=reason, result=ran, commands=[line], changed=True
    )


def fence_switch_port(ctx: FenceContext) -> Attempt:
    """Its access port shut through the isolation, proven when neither its SSH nor its
    PostgreSQL port answers from the controller."""
    cut = ctx.effects.cut_port(ctx.name, ctx.address)
    closed = (
        not cut.get("failed")
        and ctx.effects.port_closed(ctx.address, ctx.pg_port)
        and ctx.effects.port_closed(ctx.address, ctx.ssh_port)
    )
    proof = switch_proof(ctx.name, cut, closed, closed)
    return Attempt(
        "switch_port",
        proof=proof,
        reason="" if proof else _unproven(cut, closed),
        result=cut,
        changed=bool(cut.get("changed")),
        commands=[f"{sw}: {c}" for sw, lines in (cut.get("commands") or {}).items() for c in lines],
    )


FENCES: dict[str, Callable[[FenceContext], Attempt]] = {
    "ssh": fence_ssh,
    "switch_port": fence_switch_port,
    "site_command": fence_site_command,
}


@dataclass
class Fenced:
    """The fences tried; the proofs joined; the old primary's state afterwards."""

    proof: str = ""
    state: dict[str, Any] | None = None
    methods: list[dict[str, Any]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    changed: bool = False


def fence(
    ctx: FenceContext, methods: list[str], fence_all: bool, timings: dict[str, float], t0: float
) -> Fenced:
    """The methods in order until one is proven (with ``fence_all``, every one of them);
    the time each ended at, from ``t0``, in ``timings``."""
    done = Fenced()
    for method in methods:
        attempt = FENCES[method](ctx)
        timings[f"fence_{method}_s"] = round(time.monotonic() - t0, 3)
        done.methods.append(attempt.as_dict())
        done.commands += attempt.commands
        done.changed |= attempt.changed
        if attempt.state:
            done.state = attempt.state
        if attempt.proof:
            done.proof = "; ".join(p for p in (done.proof, attempt.proof) if p)
            if not fence_all:
                break
    if done.state is None:  # unreachable over SSH: its last state is not known
        done.state = {"name": ctx.name, "role": UNREACHABLE, "error": "not read after fencing"}
    return done
