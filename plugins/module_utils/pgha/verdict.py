# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go/no-go for a switchover and for a failover, in plain language, from node states.

Pure logic: ``assess(states, ...)`` takes the ``NodeState`` of every database node (an
unreachable node included) and says who is primary, how far each standby lags, and
whether a planned switchover or an unplanned failover may go ahead, with the reasons.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.pgha import lsn
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.config import slot_name
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.files import write_atomic
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import (
    PRIMARY,
    ROLES,
    STANDBY,
    STOPPED,
    UNREACHABLE,
    NodeState,
    clean_shutdown,
)


@dataclass
class Decision:
    go: bool
    reasons: list[str] = field(default_factory=list)  # why not (empty when go)
    summary: str = ""


@dataclass
class Verdict:
    primary: str | None
    standbys: list[str]
    candidate: str | None
    lag: dict[str, dict[str, Any]]  # per standby: bytes and seconds behind the primary
    switchover: Decision
    failover: Decision
    gap_bytes: int | None  # failover: WAL the candidate would lose (None: unknown)
    needs_accept_data_loss: bool
    nodes: list[dict[str, Any]]
    # what needs the operator before it becomes an outage (WAL held back, a degrade)
    warnings: list[str] = field(default_factory=list)
    # the primary's automatic degrade to async (degrade.py): its record, None when never
    degraded: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


WAL_WARN_PERCENT = 50


def wal_warnings(
    primary: NodeState, warn_percent: int = WAL_WARN_PERCENT, nodes: list[str] | None = None
) -> list[str]:
    """What the primary's replication slots hold back, said long before it hurts: a slot
    past ``warn_percent`` of its bound, one past the bound (``unreserved``), one whose
    WAL is gone (``lost``: its standby must be cloned again), and a slot without bound."""
    out = []
    bound = primary.wal_bound_bytes
    for slot in primary.slots:
        name, kept = slot.get("name"), slot.get("retained_bytes")
        status = slot.get("wal_status")
        standby = next(
            (n for n in nodes or [] if slot_name(n) == name), f"the standby of slot {name}"
        )
        if status == "lost":
            out.append(
                f"slot {name} on {primary.name} is LOST: the WAL {standby} needs is gone; "
                f"{standby} must be cloned again (db_rejoin does it)"
            )
        elif status == "unreserved":
            out.append(
                f"slot {name} on {primary.name} holds {lsn.human_bytes(kept)}, past its bound "
                f"of {lsn.human_bytes(bound)}: the next checkpoint removes WAL {standby} needs "
                f"and it will have to be cloned again; run db_rejoin now"
            )
        elif kept is not None and bound is not None and bound > 0:
            if kept * 100 >= bound * warn_percent:
                out.append(
                    f"slot {name} on {primary.name} holds {lsn.human_bytes(kept)} of WAL, "
                    f"{kept * 100 // bound}% of its bound of {lsn.human_bytes(bound)} "
                    f"(max_slot_wal_keep_size): bring {standby} back (db_rejoin) before "
                    "it is reached, or it will have to be cloned again"
                )
        elif bound == -1 and not slot.get("active"):
            out.append(
                f"slot {name} on {primary.name} is inactive and holds "
                f"{lsn.human_bytes(kept)} WITHOUT BOUND (max_slot_wal_keep_size = -1): the "
                "primary stops when its disk is full; run db_standby_build to set a bound"
            )
    return out


DEGRADE_STALE_S = 30  # the service writes its record at least every 5 s


def degrade_warnings(primary: NodeState) -> list[str]:
    """The primary's automatic degrade, said: degraded now, or its service not running."""
    record = primary.degrade or {}
    out = []
    if record.get("state") == "degraded":
        out.append(
            f"DEGRADED: {primary.name} runs async since {record.get('since', '?')} "
            f"({record.get('reason') or 'its sync standby was gone'}); commits are not on a "
            "standby until it streams again, and a failover now may lose them"
        )
    if record.get("state") == "stalled":
        out.append(
            f"STALLED: {primary.name} is in strict sync mode and {record.get('reason')}; "
            "bring the standby back (db_rejoin), or release the writes with "
            "db_standby_build -e db_standby_build_sync_mode=async"
        )
    if record and record.get("mode") != "async" and (record.get("age_s") or 0) > DEGRADE_STALE_S:
        out.append(
            f"the sync-degrade service of {primary.name} has not written its record for "
            f"{record['age_s']:.0f} s: it is not running (writes stall for as long as the "
            "sync standby is gone); start hisops-sync-degrade or run db_standby_build"
        )
    return out


def _validate(states: list[NodeState], candidate: str | None, max_lag_bytes: int) -> None:
    if len(states) < 2:
        raise InputError("states", f"need the state of both database nodes, got {len(states)}")
    names = [s.name for s in states]
    if len(set(names)) != len(names):
        raise InputError("states", f"a node appears twice: {names}")
    for s in states:
        if s.role not in ROLES:
            raise InputError(f"states[{s.name}].role", f"unknown role {s.role!r}")
    if candidate is not None and candidate not in names:
        raise InputError("candidate", f"{candidate!r} is not one of the database nodes {names}")
    if max_lag_bytes < 0:
        raise InputError("max_lag_bytes", "must be 0 or more")


def standby_lag(primary: NodeState | None, standby: NodeState) -> dict[str, Any]:
    """Bytes and seconds the standby's replay is behind the primary (None: unknown)."""
    lag_bytes = None
    lag_s = standby.replay_age_s
    if primary is not None and primary.role == PRIMARY:
        row = next((r for r in primary.replicas if r.get("name") == standby.name), None)
        if row is not None:
            lag_bytes = row.get("lag_bytes")
            if row.get("lag_s") is not None:
                lag_s = row["lag_s"]
        else:
            written, replayed = lsn.parse(primary.lsn), lsn.parse(standby.replay_lsn)
            if written is not None and replayed is not None:
                lag_bytes = max(0, written - replayed)
    return {"bytes": lag_bytes, "seconds": lag_s, "human": lsn.human_bytes(lag_bytes)}


def failover_gap(old_primary: NodeState | None, candidate: NodeState) -> int | None:
    """WAL bytes the old primary has that the candidate never received (None: unknown).

    Known only when the old primary is down after a clean shutdown (its last checkpoint
    is then the end of its WAL); a crashed or unreachable primary may have written more.
    """
    if old_primary is None or not clean_shutdown(old_primary) or not candidate.receive_lsn:
        return None
    end = lsn.parse(old_primary.checkpoint_lsn)
    received = lsn.parse(candidate.receive_lsn)
    if end is None or received is None:
        return None
    # the shutdown checkpoint record itself starts at `end`; received past it = nothing lost
    return 0 if received > end else end - received


def assess(
    states: list[NodeState],
    candidate: str | None = None,
    max_lag_bytes: int = 16 * 1024 * 1024,
    wal_warn_percent: int = WAL_WARN_PERCENT,
) -> Verdict:
    _validate(states, candidate, max_lag_bytes)
    if not 1 <= wal_warn_percent <= 100:
        raise InputError("wal_warn_percent", "must be from 1 to 100")
    by_name = {s.name: s for s in states}
    primaries = [s for s in states if s.role == PRIMARY]
    standbys = [s for s in states if s.role == STANDBY]
    primary = primaries[0] if len(primaries) == 1 else None
    lag = {s.name: standby_lag(primary, s) for s in standbys}

    if candidate is None:
        cand = standbys[0] if len(standbys) == 1 else None
    else:
        cand = by_name[candidate]

    sw = _switchover(states, primaries, cand, lag, max_lag_bytes)
    old = None
    if cand is not None:
        others = [s for s in states if s.name != cand.name]
        old = others[0] if len(others) == 1 else None
    gap = failover_gap(old, cand) if cand is not None and cand.role == STANDBY else None
    degraded = _degrade_record(old, primaries)
    fo = _failover(states, primaries, cand, old, gap, degraded)
    names = [s.name for s in states]
    warnings = [w for p in primaries for w in wal_warnings(p, wal_warn_percent, names)]
    if primary is not None:
        warnings[:0] = degrade_warnings(primary)
    return Verdict(
        primary=primary.name if primary else None,
        standbys=[s.name for s in standbys],
        candidate=cand.name if cand else None,
        lag=lag,
        switchover=sw,
        failover=fo,
        gap_bytes=gap,
        needs_accept_data_loss=gap != 0,
        nodes=[s.as_dict() for s in states],
        warnings=warnings,
        degraded=degraded,
    )


def _degrade_record(old: NodeState | None, primaries: list[NodeState]) -> dict[str, Any] | None:
    """The degrade record that matters: the running primary's, else the old primary's (a
    failover reads it from the crashed node's disk when its host still answers)."""
    for node in [*primaries, old]:
        if node is not None and node.degrade:
            return {"node": node.name, **node.degrade}
    return None


def _common(primaries: list[NodeState]) -> list[str]:
    if len(primaries) > 1:
        names = " and ".join(s.name for s in primaries)
        if len({s.system_identifier for s in primaries}) > 1:
            return [
                f"{names} are two separate databases, not a pair: "
                "build the standby first (db_standby_build)"
            ]
        return [f"both {names} claim to be primary (split brain): stop, fence one, rejoin it"]
    return []


def _switchover(states, primaries, cand, lag, max_lag_bytes) -> Decision:
    reasons = _common(primaries)
    for s in states:
        if s.role == UNREACHABLE:
            reasons.append(f"{s.name} is unreachable ({s.error or 'no answer'})")
        elif s.role == STOPPED:
            reasons.append(f"{s.name}: PostgreSQL is not running")
    if not primaries:
        reasons.append("no node is primary")
    if cand is None:
        reasons.append("no standby to switch over to")
    elif cand.role != STANDBY:
        reasons.append(f"{cand.name} is not a standby (it is {cand.role})")
    elif len(primaries) == 1:
        primary = primaries[0]
        row = next((r for r in primary.replicas if r.get("name") == cand.name), None)
        if cand.receiver_status != "streaming" or row is None or row.get("state") != "streaming":
            reasons.append(f"{cand.name} is not streaming from {primary.name}")
        if (
            cand.timeline is not None
            and primary.timeline is not None
            and cand.timeline != primary.timeline
        ):
            reasons.append(
                f"{cand.name} is on timeline {cand.timeline}, {primary.name} on {primary.timeline}"
            )
        behind = lag.get(cand.name, {}).get("bytes")
        if behind is None:
            reasons.append(f"the lag of {cand.name} is unknown")
        elif behind > max_lag_bytes:
            reasons.append(
                f"{cand.name} lags {lsn.human_bytes(behind)} behind {primary.name}, "
                f"more than the limit of {lsn.human_bytes(max_lag_bytes)}"
            )
    reasons = list(dict.fromkeys(reasons))
    if reasons:
        return Decision(False, reasons, "NO-GO for switchover: " + "; ".join(reasons))
    return Decision(
        True,
        [],
        f"GO for switchover: {cand.name} is streaming from "
        f"{primaries[0].name}, {lag[cand.name]['human']} behind; "
        "no committed transaction will be lost",
    )


def _failover(states, primaries, cand, old, gap, degraded=None) -> Decision:
    reasons = _common(primaries)
    if cand is None:
        reasons.append("no standby to promote")
    elif cand.role != STANDBY:
        reasons.append(f"{cand.name} is not a standby (it is {cand.role}): nothing to promote")
    if old is not None and old.role == PRIMARY and len(primaries) == 1:
        reasons.append(
            f"{old.name} is running as primary: use a switchover, "
            "a failover would throw its latest writes away"
        )
    if reasons:
        return Decision(False, reasons, "NO-GO for failover: " + "; ".join(reasons))
    if gap is None:
        loss = (
            "the data the old primary wrote after the standby's last received WAL is "
            "UNKNOWN (it crashed or cannot be reached): accept_data_loss=true required"
        )
    elif gap == 0:
        loss = "no data is lost (the old primary stopped cleanly and the standby has all of it)"
    else:
        loss = f"{lsn.human_bytes(gap)} of WAL would be lost: accept_data_loss=true required"
    if gap != 0 and degraded and degraded.get("state") == "degraded":
        loss += (
            f"; the pair was DEGRADED to async by {degraded['node']} since "
            f"{degraded.get('since', '?')}: sync mode guarantees nothing for the commits "
            "since then"
        )
    elif gap != 0 and degraded and degraded.get("degrades"):
        loss += (
            f"; {degraded['node']} degraded to async {degraded['degrades']} time(s), "
            f"last at {degraded.get('last_degraded', '?')}"
        )
    return Decision(
        True,
        [],
        f"GO for failover to {cand.name} once {old.name if old else 'the old primary'}"
        f" is fenced; {loss}",
    )


def verdict_result(params: Mapping[str, Any], check: bool = False) -> dict[str, Any]:
    """The result of a ``db_ha_verdict`` task from its checked parameters (``states``,
    ``candidate``, ``max_lag_bytes``, ``wal_warn_percent``, ``require``, ``report``): the
    verdict, written as the status report unless in check mode; ``failed`` and ``msg`` when
    the required operation is a no-go or the report cannot be written. A state that is not
    one raises ``InputError`` naming it (``states[i]``)."""
    states = []
    for i, item in enumerate(params["states"]):
        try:
            states.append(NodeState.from_dict(item))
        except (TypeError, ValueError) as exc:
            raise InputError(f"states[{i}]", str(exc)) from exc
    out = assess(
        states,
        params.get("candidate"),
        params.get("max_lag_bytes", 16 * 1024 * 1024),
        params.get("wal_warn_percent", WAL_WARN_PERCENT),
    ).as_dict()
    result: dict[str, Any] = {"changed": False, "verdict": out}
    report = params.get("report")
    if report and not check:
        # as to_nice_json writes it; a report, not a change to the pair: changed stays false
        text = json.dumps(out, indent=4, sort_keys=True, separators=(",", ": ")) + "\n"
        try:
            os.makedirs(os.path.dirname(report) or ".", mode=0o750, exist_ok=True)
            write_atomic(report, text, 0o640)
        except OSError as exc:
            return {**result, "failed": True, "msg": f"report: cannot write {report}: {exc}"}
        result["report"] = report
    require = params.get("require") or "none"
    if require != "none" and not out[require]["go"]:
        return {**result, "failed": True, "msg": out[require]["summary"]}
    return result


def describe(verdict: dict[str, Any]) -> list[str]:
    """The verdict as lines an operator reads (one per node, then the two decisions)."""
    lines = []
    for node in verdict.get("nodes", []):
        role = node.get("role")
        text = f"{node['name']}: {role}"
        if node.get("timeline") is not None:
            text += f", timeline {node['timeline']}"
        if role == "primary":
            reps = node.get("replicas") or []
            text += ", WAL at " + str(node.get("lsn"))
            text += "; standbys: " + (
                ", ".join(f"{r['name']} {r['state']} ({r['sync_state']})" for r in reps) or "none"
            )
        elif role == "standby":
            lag = verdict.get("lag", {}).get(node["name"], {})
            sec = lag.get("seconds")
            text += (
                f", {node.get('receiver_status') or 'not streaming'} from "
                f"{node.get('upstream') or '?'}, {lag.get('human', 'unknown')} behind"
                f"{'' if sec is None else f' ({sec:.1f} s)'}"
            )
        elif role == "stopped":
            text += f" ({node.get('cluster_state')}, last checkpoint {node.get('checkpoint_lsn')})"
        else:
            text += f" ({node.get('error') or 'no answer'})"
        slots = node.get("slots") or []
        if slots:
            text += "; slots: " + ", ".join(_slot_text(s) for s in slots)
        if node.get("wal_bytes") is not None:
            bound = node.get("wal_bound_bytes")
            text += f"; pg_wal {lsn.human_bytes(node['wal_bytes'])}, slot bound " + (
                "NONE" if bound in (None, -1) else lsn.human_bytes(bound)
            )
        record = node.get("degrade") or {}
        if record.get("state") == "degraded":
            text += f"; DEGRADED to async since {record.get('since', '?')}"
        elif record.get("state") == "sync":
            text += "; sync (automatic degrade armed)"
        elif record.get("state") == "strict":
            text += "; sync, strict (writes stall while the standby is gone)"
        elif record.get("state") == "stalled":
            text += f"; STALLED since {record.get('since', '?')} (strict sync, standby gone)"
        if node.get("service_enabled") is False:
            text += "; service disabled (fenced)"
        if node.get("config_errors"):
            # what the server refused: it runs on older values and may not start again
            text += "; CONFIGURATION REFUSED by the server: " + "; ".join(node["config_errors"])
        lines.append(text)
    lines.extend(f"WARNING: {w}" for w in verdict.get("warnings") or [])
    lines.append(verdict["switchover"]["summary"])
    lines.append(verdict["failover"]["summary"])
    return lines


def _slot_text(slot: dict[str, Any]) -> str:
    text = f"{slot['name']} {'active' if slot['active'] else 'inactive'}"
    if slot.get("retained_bytes") is not None:
        text += f" holding {lsn.human_bytes(slot['retained_bytes'])}"
    if slot.get("wal_status"):
        text += f" ({slot['wal_status']})"
    return text


def node_state_from_result(result: dict[str, Any]) -> dict[str, Any]:
    """A ``db_node_info`` task result (possibly unreachable or failed) as a node state."""
    if isinstance(result.get("state"), dict):
        return result["state"]
    name = result.get("item") or result.get("_ansible_delegated_vars", {}).get("ansible_host", "?")
    why = result.get("msg") or ("unreachable" if result.get("unreachable") else "no answer")
    return {"name": name, "role": UNREACHABLE, "error": str(why).strip()[:300]}
