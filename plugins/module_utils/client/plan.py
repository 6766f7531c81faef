# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a rollout request and cut it into a canary batch and the rest (plan P7.2).

Everything here runs on the controller before any workstation is touched: the version
must be in the artifact store with a good checksum, the group must exist and hold
workstations, the version must have passed on the test group first (unless the gate is
skipped with a reason), and the thresholds must make sense.
"""

from __future__ import annotations

from .errors import InputError
from .ledger import passed_on
from .store import ArtifactStore

DEPARTMENT_PREFIX = "ws_"


def department_of(host: str, groups: dict) -> str:
    for name in sorted(groups):
        if name.startswith(DEPARTMENT_PREFIX) and host in groups[name]:
            return name
    return "ungrouped"


def target_hosts(groups: dict, group: str, field: str = "group") -> list:
    if not group or group not in groups or group in ("all", "ungrouped"):
        known = sorted(
            g
            for g in groups
            if g == "workstations" or g.startswith(DEPARTMENT_PREFIX) or g == "client_test"
        )
        raise InputError(
            "unknown group %r (workstation groups in this inventory: %s)"
            % (group, ", ".join(known) or "none"),
            field=field,
        )
    hosts = list(groups[group])
    if not hosts:
        raise InputError("group %r has no hosts" % group, field=field)
    workstations = set(groups.get("workstations", []))
    strangers = [h for h in hosts if h not in workstations]
    if strangers:
        raise InputError(
            "group %r holds hosts that are not workstations: %s"
            % (group, ", ".join(strangers[:5])),
            field=field,
        )
    return hosts


def limit_to(hosts: list, group: str, limit_hosts) -> list:
    """The group's hosts that ``--limit`` lets through (``limit_hosts`` None: no limit)."""
    if limit_hosts is None:
        return hosts
    allowed = set(limit_hosts)
    kept = [h for h in hosts if h in allowed]
    if not kept:
        raise InputError("--limit leaves no host of group %r" % group, field="group")
    return kept


def plan_rollout(
    *,
    store_root: str,
    package: str,
    version: str,
    kind: str,
    group: str,
    groups: dict,
    ledger: dict,
    test_group: str = "client_test",
    skip_test_gate: bool = False,
    skip_test_gate_reason: str = "",
    canary_per_department: int = 1,
    batch_size: int = 5,
    max_fail_percent: float = 20,
    limit_hosts=None,
    purpose: str = "rollout",
    isolated=None,
    probe=None,
) -> dict:
    """The rollout plan, or ``InputError`` naming the field.

    ``purpose`` ``rollback`` and ``audit`` check the group and (when given) the version
    in the store, without test gate or canary: every host is in ``rest``.

    ``isolated`` maps workstations an open isolation cut off to why (the hold): a rollout
    defers them (``deferred``, in no batch) and the audit leaves them alone; the next
    audit after the reconnection brings them up. ``probe(hosts)`` returns the reachable
    ones among ``hosts``: canaries are picked among reachable, non-isolated workstations
    (an unreachable one stays in its batch and is recorded there).
    """
    if purpose not in ("rollout", "rollback", "audit"):
        raise InputError("unknown purpose %r" % purpose, field="purpose")
    if purpose != "rollout":
        hosts = limit_to(target_hosts(groups, group), group, limit_hosts)
        artifact = ArtifactStore(store_root).resolve(package, version, kind) if version else None
        return {
            "version": version or None,
            "group": group,
            "hosts": hosts,
            "canary": [],
            "rest": hosts,
            "artifact": artifact.to_dict() if artifact else None,
            "file": artifact.path.rsplit("/", 1)[-1] if artifact else None,
            "purpose": purpose,
            "limited": limit_hosts is not None,
            "deferred": {h: isolated[h] for h in hosts if h in (isolated or {})},
        }
    if not version:
        raise InputError("give the version to roll out: -e version=X", field="version")
    if canary_per_department < 1:
        raise InputError("must be at least 1", field="canary_per_department")
    if batch_size < 1:
        raise InputError("must be at least 1", field="batch_size")
    if not 0 <= float(max_fail_percent) <= 100:
        raise InputError("must be a percentage between 0 and 100", field="max_fail_percent")
    hosts = limit_to(target_hosts(groups, group), group, limit_hosts)
    artifact = ArtifactStore(store_root).resolve(package, version, kind)

    gate = {"group": test_group, "skipped": False, "reason": "", "passed_on": []}
    # the test group itself (by -e group or by --limit) needs no earlier test
    testing = group == test_group or (
        limit_hosts is not None and set(hosts) <= set(groups.get(test_group) or [])
    )
    if skip_test_gate:
        if not str(skip_test_gate_reason or "").strip():
            raise InputError(
                "skip_test_gate=true needs a reason (who decided and why), recorded in the ledger",
                field="skip_test_gate_reason",
            )
        gate.update(skipped=True, reason=str(skip_test_gate_reason).strip())
    elif not testing:
        test_hosts = list(groups.get(test_group) or [])
        if not test_hosts:
            raise InputError(
                "the test group %r is empty or missing: put a workstation in it, or skip the "
                "gate with skip_test_gate=true and a reason" % test_group,
                field="version",
            )
        verdict = passed_on(ledger, test_hosts, version)
        missing = [h for h, ok in verdict.items() if not ok]
        if missing:
            raise InputError(
                "%s has not passed on the test group %s yet (not healthy on: %s); run "
                "client_update.yml -e version=%s -e group=%s first, or skip the gate with "
                "skip_test_gate=true and skip_test_gate_reason"
                % (version, test_group, ", ".join(missing), version, test_group),
                field="version",
            )
        gate["passed_on"] = test_hosts

    deferred = {h: isolated[h] for h in hosts if h in (isolated or {})}
    active = [h for h in hosts if h not in deferred]
    canary, unreachable = pick_canary(active, groups, canary_per_department, probe)
    rest = [h for h in active if h not in canary]
    return {
        "version": version,
        "group": group,
        "hosts": hosts,
        "canary": canary,
        "deferred": deferred,
        "unreachable": unreachable,
        "rest": rest,
        "batch_size": batch_size,
        "batches": [rest[i : i + batch_size] for i in range(0, len(rest), batch_size)],
        "max_fail_percent": float(max_fail_percent),
        "artifact": artifact.to_dict(),
        "file": artifact.path.rsplit("/", 1)[-1],
        "test_gate": gate,
        "purpose": purpose,
        "limited": limit_hosts is not None,
    }


def pick_canary(hosts: list, groups: dict, per_department: int, probe=None) -> tuple:
    """``per_department`` workstations of each department, in inventory order, among those
    ``probe`` finds reachable; returns (canary, the candidates found unreachable).

    Candidates are probed a round at a time (one per missing canary of each department),
    so a fleet where the first ones answer costs one probe per canary.
    """
    queues: dict = {}
    for host in hosts:
        queues.setdefault(department_of(host, groups), []).append(host)
    chosen: dict = {dept: [] for dept in queues}
    unreachable: list = []
    while True:
        candidates: list = []
        for dept, queue in queues.items():
            while (
                queue
                and len(chosen[dept]) + len([c for c in candidates if c[0] == dept])
                < per_department
            ):
                candidates.append((dept, queue.pop(0)))
        if not candidates:
            break
        answered = set(probe([h for _d, h in candidates])) if probe else None
        for dept, host in candidates:
            if answered is None or host in answered:
                chosen[dept].append(host)
            else:
                unreachable.append(host)
    picked = {h for hs in chosen.values() for h in hs}
    return [h for h in hosts if h in picked], unreachable


def batch_verdict(outcomes: list, max_fail_percent: float, canary: bool) -> dict:
    """Whether a batch's failures pass the threshold (the canary tolerates none)."""
    counted = [o for o in outcomes if o.get("result") != "skipped"]
    failed = [
        o["host"] for o in counted if o.get("result") in ("failed", "rolled_back", "unreachable")
    ]
    total = len(counted)
    percent = (100.0 * len(failed) / total) if total else 0.0
    limit = 0.0 if canary else float(max_fail_percent)
    return {
        "failed": failed,
        "total": total,
        "percent": round(percent, 1),
        "halt": bool(failed) and percent > limit,
    }
