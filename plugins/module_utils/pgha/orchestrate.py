# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover across the two database servers, run from the controller as one task.

Plain Python behind a small hosts interface (``Hosts``: a module on an inventory host, a
JSON file written there, the host's variables), so that it is unit-tested without a lab;
the ``db_failover`` action plugin only wires Ansible to it (``plugin_utils/db_hosts.py``)
and injects the switch-port cut. Without returning to Ansible between the steps:

1. ``begin`` on both nodes at once: each node's state; the standby named (or found) as
   the candidate takes the pair's lock in the same call (a lock of a run of this
   controller whose process ended is broken);
2. the verdict (``verdict.assess``): refused before anything is touched;
3. the fences of ``fences.FENCES`` in the order given, until one is proven, while the
   promotion step already waits on the candidate for the controller's word;
4. the promotion: the gap, refused unless zero or accepted; the lock released by it, or
   by this module when it stops before.

Decisions are taken on the steps' ``reason`` codes, never on their messages' words.
Check mode is read in one place: the run is a ``_Rehearsal`` instead of a ``_Live`` one.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import PgHaError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.failover import (
    default_owner,
    gone_holder,
    validate,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.fences import (
    ControllerEffects,
    FenceContext,
    Fenced,
    fence,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import (
    PRIMARY,
    STOPPED,
    UNREACHABLE,
    NodeState,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.verdict import (
    assess,
    node_state_from_result,
)

STEP = "hisops.emergency.db_failover_step"
STEP_USER = "postgres"  # peer authentication on the Unix socket


class Hosts(Protocol):
    """How the failover reaches the database servers (``plugin_utils.db_hosts.HostModules``)."""

    def variables(self, host: str) -> dict[str, Any]: ...

    def run(
        self, host: str, module: str, args: Mapping[str, Any], become_user: str | None = None
    ) -> dict[str, Any]: ...

    def run_each(
        self, calls: list[tuple[str, str, Mapping[str, Any], str | None]]
    ) -> list[dict[str, Any]]: ...

    def write_json(
        self, host: str, path: str, data: Any, become_user: str | None = None
    ) -> bool: ...


class FailoverFailed(PgHaError):
    """The failover stopped: ``code`` says why (``lock_held``, ``no_go``, ``data_loss``,
    ``not_locked``, or the promotion step's ``reason``), ``result`` what was done."""

    def __init__(self, message: str, code: str, result: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.result = dict(result or {})


@dataclass(frozen=True)
class Request:
    """The db_failover task's arguments, the pair's two servers and the task's modes."""

    group: list[str]
    candidate: str = ""
    fence: list[str] = field(default_factory=lambda: ["ssh"])
    fence_command: list[str] = field(default_factory=list)
    fence_all: bool = False
    accept_data_loss: bool = False
    owner: str = ""
    break_stale_s: int = 0
    timeout: int = 60
    check: bool = False
    diff: bool = False

    @classmethod
    def from_args(
        cls, args: Mapping[str, Any], group: list[str], check: bool, diff: bool
    ) -> Request:
        known = {
            k: args[k]
            for k in (
                "candidate",
                "fence",
                "fence_command",
                "fence_all",
                "accept_data_loss",
                "owner",
                "break_stale_s",
                "timeout",
            )
        }
        return cls(group=list(group), check=check, diff=diff, **known)


class _Steps:
    """``db_failover_step`` on the pair's nodes, each call naming the other as its peer."""

    def __init__(self, hosts: Hosts, group: list[str], owner: str):
        self.hosts, self.group, self.owner = hosts, group, owner

    def peer(self, name: str) -> str:
        return next(n for n in self.group if n != name)

    def call(self, name: str, **extra: Any) -> tuple[str, str, dict[str, Any], str]:
        peer = self.peer(name)
        mine, theirs = self.hosts.variables(name), self.hosts.variables(peer)
        return (
            name,
            STEP,
            {
                "name": name,
                "peer": peer,
                "peer_host": theirs.get("ansible_host", peer),
                "pg_version": str(mine.get("hisops_pg_version", "15")),
                "pg_cluster": str(mine.get("hisops_pg_cluster", "main")),
                "peer_port": int(theirs.get("hisops_pg_port", 5432)),
                **extra,
            },
            STEP_USER,
        )

    def run(self, name: str, **extra: Any) -> dict[str, Any]:
        return self.hosts.run(*self.call(name, **extra))


def _degraded_note(verdict: dict[str, Any]) -> str:
    """A sync pair that dropped to async (the sync-degrade service) is not zero-loss."""
    record = verdict.get("degraded") or {}
    if record.get("state") == "degraded":
        return (
            f" (the pair was DEGRADED to async by {record.get('node')} since "
            f"{record.get('since', '?')}: sync mode guarantees nothing for the commits since)"
        )
    return ""


def failover(hosts: Hosts, request: Request, effects: ControllerEffects) -> dict[str, Any]:
    """Fail the pair over to its standby; the task's result, or ``FailoverFailed``."""
    validate(request.candidate, request.group, request.fence, request.fence_command)
    t0 = time.monotonic()
    owner = request.owner or default_owner()
    steps = _Steps(hosts, request.group, owner)
    begun = _begin(steps, request)
    timings = {"read_s": round(time.monotonic() - t0, 3)}
    locked = [n for n, r in begun.items() if r.get("locked")]
    run: _Live = (
        _Rehearsal(steps, request, effects) if request.check else _Live(steps, request, effects)
    )
    promoted = False
    try:
        held = [r["msg"] for r in begun.values() if r.get("reason") == "lock_held"]
        if held:
            raise FailoverFailed(held[0], "lock_held")
        states = [
            NodeState.from_dict(node_state_from_result({**r, "item": n})) for n, r in begun.items()
        ]
        candidate = request.candidate
        if candidate and _already_done(states, candidate):
            return {
                "changed": False,
                "msg": f"{candidate} already is the only primary; nothing changed",
                "nodes": _roles(states),
            }
        verdict = assess(states, candidate or None).as_dict()
        if not verdict["failover"]["go"]:
            raise FailoverFailed(verdict["failover"]["summary"] + "; nothing changed", "no_go")
        new = verdict["candidate"]
        old = steps.peer(new)
        if verdict["needs_accept_data_loss"] and not request.accept_data_loss:
            gap = verdict["gap_bytes"]
            raise FailoverFailed(
                f"refused: the data a failover to {new} would lose is "
                f"{'unknown' if gap is None else f'{gap} bytes of WAL'}"
                f"{_degraded_note(verdict)}; set "
                "accept_data_loss=true to fail over anyway (nothing was touched)",
                "data_loss",
            )
        run.require_lock(new, begun[new], locked)
        fenced, promote, t1 = run.fence_then_promote(old, new, timings, t0)
        promoted = True  # the promotion step releases the lock itself, whatever it did
        timings["promote_s"] = round(time.monotonic() - t1, 3)
        timings["total_s"] = round(time.monotonic() - t0, 3)
        return _outcome(run, old, new, fenced, promote, verdict, timings)
    finally:
        if not promoted:
            for name in locked:
                steps.run(name, step="release", owner=owner)


def _begin(steps: _Steps, request: Request) -> dict[str, dict[str, Any]]:
    """Both nodes read at once, the candidate's lock taken in the same call; a lock left by
    a run of this controller that died is broken (one more call on that node)."""
    candidate = request.candidate
    calls = {
        name: steps.call(
            name,
            step="begin",
            owner=steps.owner,
            lock=not candidate or candidate == name,
            break_stale_s=request.break_stale_s,
        )
        for name in steps.group
    }
    begun = dict(zip(calls, steps.hosts.run_each(list(calls.values())), strict=True))
    for name, r in begun.items():
        if r.get("reason") == "lock_held" and gone_holder(r.get("holder")):
            host, module, args, user = calls[name]
            begun[name] = steps.hosts.run(
                host, module, {**args, "break_owner": r["holder"]["owner"]}, user
            )
    return begun


class _Live:
    """A failover that acts: the promotion step is started on the candidate first and
    waits there for the controller's word (the fence proof, or why not to promote), so
    that its Python start and imports overlap the fence."""

    def __init__(self, steps: _Steps, request: Request, effects: ControllerEffects):
        self.steps, self.request, self.effects = steps, request, effects

    def require_lock(self, new: str, begun: dict[str, Any], locked: list[str]) -> None:
        if new not in locked:
            raise FailoverFailed(
                f"{new}: the failover lock was not taken ({begun.get('msg', 'not a standby')})",
                "not_locked",
            )

    def fences(self, old: str) -> FenceContext:
        variables = self.steps.hosts.variables(old)
        return FenceContext(
            name=old,
            address=str(variables.get("ansible_host", old)),
            pg_port=int(variables.get("hisops_pg_port", 5432)),
            ssh_port=int(variables.get("ansible_port", 22)),
            timeout=self.request.timeout,
            fence_command=list(self.request.fence_command),
            effects=self.effects,
            fence_step=lambda: self.steps.run(old, step="fence", timeout=self.request.timeout),
        )

    def fence(self, old: str, timings: dict[str, float], t0: float) -> Fenced:
        return fence(self.fences(old), self.request.fence, self.request.fence_all, timings, t0)

    def fence_then_promote(
        self, old: str, new: str, timings: dict[str, float], t0: float
    ) -> tuple[Fenced, dict[str, Any], float]:
        hosts, request = self.steps.hosts, self.request
        word_path = f"/var/lib/postgresql/.hisops-failover-{secrets.token_hex(8)}.json"
        budget = request.timeout * (len(request.fence) + 1) + 60
        with ThreadPoolExecutor(max_workers=1) as early:
            pending = early.submit(
                self.steps.run,
                new,
                step="promote",
                owner=self.steps.owner,
                accept_data_loss=request.accept_data_loss,
                timeout=request.timeout,
                await_file=word_path,
                await_s=budget,
            )
            try:
                fenced = self.fence(old, timings, t0)
            except BaseException as exc:
                hosts.write_json(
                    new, word_path, {"abort": f"the fence of {old} failed: {exc}"}, STEP_USER
                )
                pending.result()
                raise
            t1 = time.monotonic()
            word = (
                {"fence_proof": fenced.proof, "old_primary": fenced.state}
                if fenced.proof
                else {"abort": f"{old} is not proven fenced"}
            )
            # Not passed on (the candidate's SSH failed right now): the step gives up
            # unpromoted after its budget, and says so.
            any(hosts.write_json(new, word_path, word, STEP_USER) for _try in range(3))
            return fenced, pending.result(), t1

    def summary(self, out: dict[str, Any], fenced: Fenced) -> str:
        old, new = out["old"], out["new"]
        return (
            f"{new} is primary on timeline {out['timeline']} (promotion "
            f"{out['promote_s']} s, failover task {out['timings']['total_s']} s); "
            f"data lost: {out['gap']}; {old} is fenced ({fenced.proof}); bring it back "
            "with playbooks/db_rejoin.yml"
        )


class _Rehearsal(_Live):
    """Check mode: no lock is taken (the nodes' steps run in check mode), the fences ask
    the controller's effects' rehearsal, the promotion step says what it would do."""

    def __init__(self, steps: _Steps, request: Request, effects: ControllerEffects):
        super().__init__(steps, request, effects.rehearsal())

    def require_lock(self, new: str, begun: dict[str, Any], locked: list[str]) -> None:
        return None

    def fence_then_promote(
        self, old: str, new: str, timings: dict[str, float], t0: float
    ) -> tuple[Fenced, dict[str, Any], float]:
        fenced = self.fence(old, timings, t0)
        t1 = time.monotonic()
        promote = self.steps.run(
            new,
            step="promote",
            owner=self.steps.owner,
            old_primary=fenced.state,
            fence_proof=f"check mode: {', '.join(self.request.fence)} would fence {old}",
            accept_data_loss=self.request.accept_data_loss,
            timeout=self.request.timeout,
        )
        return fenced, promote, t1

    def summary(self, out: dict[str, Any], fenced: Fenced) -> str:
        return (
            f"check mode: would fence {out['old']} ({', '.join(self.request.fence)}) and "
            f"promote {out['new']}; data lost: {out['gap']}"
        )


def _outcome(
    run: _Live,
    old: str,
    new: str,
    fenced: Fenced,
    promote: dict[str, Any],
    verdict: dict[str, Any],
    timings: dict[str, float],
) -> dict[str, Any]:
    out = {
        "changed": bool(promote.get("changed")) or fenced.changed,
        "old": old,
        "new": new,
        "fence": fenced.methods,
        "fence_proof": fenced.proof,
        "old_primary": fenced.state,
        "gap": promote.get("gap", "unknown"),
        "gap_bytes": promote.get("gap_bytes"),
        "timeline": promote.get("timeline"),
        "promote_s": promote.get("promote_s"),
        "timings": timings,
        "verdict": verdict,
        "commands": fenced.commands + [f"{new}: {c}" for c in promote.get("commands", [])],
    }
    if promote.get("failed"):
        code = promote.get("reason") or ("unreachable" if promote.get("unreachable") else "failed")
        msg = str(promote.get("msg", "the promotion failed"))
        if code == "not_fenced":  # the step does not know the old primary's name
            msg = f"refused: {old} is not proven fenced (fence_proof is empty)"
        raise FailoverFailed(msg, code, result=out)
    out["msg"] = run.summary(out, fenced)
    proven = [a["method"] for a in fenced.methods if a.get("proof")]
    if proven == ["site_command"]:
        # A power-off holds only while the power stays off: powered on, the old
        # primary's PostgreSQL starts as a primary (it was never fenced from inside).
        out["warnings"] = [
            f"{old} is fenced by the site command only: keep it powered off until "
            "playbooks/db_rejoin.yml, or it comes back as a second primary; "
            "fence_all with [switch_port, site_command] also cuts its port so that it "
            "comes back cut off"
        ]
    if run.request.diff:
        out["diff"] = {
            "before": {old: PRIMARY, new: "standby"},
            "after": {old: "fenced", new: PRIMARY},
        }
    return out


def _already_done(states: list[NodeState], candidate: str) -> bool:
    mine = next(s for s in states if s.name == candidate)
    others = [s for s in states if s.name != candidate]
    return (
        mine.role == PRIMARY
        and not mine.standby_signal
        and all(s.role in (STOPPED, UNREACHABLE) for s in others)
    )


def _roles(states: list[NodeState]) -> dict[str, str]:
    return {s.name: s.role for s in states}
