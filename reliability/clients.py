#!/usr/bin/env python3
"""Long-history campaign over the HIS client workflows (issue 16, plan P7).

    python reliability/clients.py --seed 7 --steps 200            # lab steps included
    python reliability/clients.py --seed 7 --steps 200 --lab-steps 0

A hospital's years of client releases, replayed from a seed: versions published good and
broken, rollouts to the test group, a department, everything or a ``--limit``, rollbacks
with and without a version, audits with remediation, workstations cut off mid-rollout and
back, powered off and on, workstations whose health check fails. Two sites share one
artifact store:

* the **temp site**: workstations as directories (``<root>/releases``, ``current``), driven
  by the collection's own code - the plan (``plan.plan_rollout``), the fleet program every
  workstation runs (``ssh_runs.run_fleet_job``: the same program, release code and health
  check as over SSH, run in this process), the ledger (``ledger.record``/``classify``) - in
  the order the playbooks use it (``TempSite`` mirrors client_update.yml, client_rollback.yml
  and client_audit.yml step by step). Most steps run here: a step costs milliseconds.
* the **lab site**: real workstations of the lab (``hisops.lab.hosts``: sshd each, a
  cgroup, their own disks) and the real playbooks run as an operator runs them; the
  lab's faults: the network cut (``set_reachable``) and the power (``power_off``/``on``),
  also in the middle of a rollout (fired when the canary batch is in the ledger).

After every step the invariants are checked on both sites (``check_site``): every
workstation's ``current`` exists and is the version the ledger says; ``previous``, when
set, is on the disk or in the store; a rollback is possible (to the previous version, and
to the known-good one); no broken build is current, and none of a stopped rollout's version
is left where it was switched; the ledger matches the disks. The first broken invariant
stops the run and prints the seed (``reliability/_common.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python reliability/clients.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reliability._common import (  # noqa: E402
    CampaignFailed,
    Figures,
    arguments,
    finish,
    importable,
    new_seed,
    run_campaign,
)

importable()

from ansible_collections.hisops.emergency.plugins.module_utils.client import (  # noqa: E402
    release,
    sample,
    ssh_runs,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import (  # noqa: E402
    ClientError,
    MissingRelease,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.ledger import (  # noqa: E402
    Ledger,
    add_run,
    classify,
    passed_on,
    record,
    set_expected,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.plan import (  # noqa: E402
    batch_verdict,
    plan_rollout,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import (  # noqa: E402
    ArtifactStore,
    file_name,
)

from hisops.lab.hosts.spec import department_group  # noqa: E402

CAMPAIGN = "clients"
PACKAGE = "his-client"
KIND = "tar"
KEEP = 5  # the roles' client_*_keep_releases default
LAB_ROOT = "/opt/his-client"
# On the temp site the fleet program is written for this root and each workstation runs it
# with its own directory in its place (the string appears nowhere in the release code).
TEMP_ROOT = "/hisops-campaign-workstation-root"
# The roles' health command (``<root>/current/bin/his-client health``), and on the temp site
# a fail flag beside the root that behaves as the lab's /etc/his-client/fail-health (empty:
# every version fails; otherwise one version a line), since that path is the machine's.
TEMP_HEALTH = (
    f"/bin/sh -c 'v=$(cat {TEMP_ROOT}/current/VERSION 2>/dev/null); f={TEMP_ROOT}-fail-health; "
    'if [ -e "$f" ] && { [ ! -s "$f" ] || grep -qxF "$v" "$f"; }; then '
    f'echo "his-client $v: UNHEALTHY ($f)"; exit 1; fi; exec {TEMP_ROOT}/current/bin/his-client health\''
)
LAB_FAIL_FLAG = sample.FAIL_FLAG
#: what a sample release holds (sample.build_tarball)
RELEASE_FILES = ("bin/his-client", "VERSION", "release.json")

DEPARTMENTS = (("pha", "pharmacy"), ("ward", "inpatient ward"), ("lis", "laboratory"))


def workstations(count: int) -> list[tuple[str, str, bool]]:
    """(name, department, in client_test) of ``count`` workstations over three departments;
    the first of pharmacy and of the ward form the test group."""
    return [
        (f"{prefix}-{n:02d}", dept, n == 1 and prefix != "lis")
        for n in range(1, count + 1)
        for prefix, dept in DEPARTMENTS
    ][:count]


# --------------------------------------------------------------------------- versions
@dataclass
class Book:
    """The versions published so far (shared store): which builds are broken."""

    store: ArtifactStore
    build_dir: Path
    versions: list[str] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)

    def publish(self, broken: bool) -> str:
        version = f"4.{len(self.versions)}.0"
        built = sample.build_tarball(version, str(self.build_dir), broken=broken)
        self.store.publish(built, PACKAGE, version, KIND)
        os.unlink(built)
        self.versions.append(version)
        if broken:
            self.broken.add(version)
        return version

    def good(self) -> list[str]:
        return [v for v in self.versions if v not in self.broken]


def inventory_groups(hosts: list[tuple[str, str, bool]]) -> dict[str, list[str]]:
    """Ansible's ``groups`` for such workstations (as the lab's inventory groups them)."""
    groups: dict[str, list[str]] = {
        "all": [h for h, _d, _t in hosts],
        "ungrouped": [],
        "workstations": [h for h, _d, _t in hosts],
        "client_test": [h for h, _d, test in hosts if test],
    }
    for host, dept, _test in hosts:
        groups.setdefault(department_group(dept), []).append(host)
    return groups


# --------------------------------------------------------------------------- sites
class PowerCut(BaseException):
    """The power of a temp-site workstation went while its program ran (nothing after it
    runs there: not an ``except`` clean-up, not the reply)."""


#: the calls that change a workstation's disk (shutil.rmtree and tempfile go through them)
MUTATIONS = ("replace", "rename", "symlink", "unlink", "rmdir")


@contextlib.contextmanager
def power_lost_at(call: int, where: list[str]) -> Any:
    """The ``call``-th disk change from now on raises :class:`PowerCut` (and every one
    after it, so no clean-up runs); ``where`` gets the changes made, in order."""
    real = {name: getattr(os, name) for name in MUTATIONS}

    def wrapped(name: str) -> Any:
        def change(*args: Any, **kwargs: Any) -> Any:
            if len(where) + 1 >= call:
                raise PowerCut(f"{name} {args[0] if args else ''}")
            where.append(name)
            return real[name](*args, **kwargs)

        return change

    for name in MUTATIONS:
        setattr(os, name, wrapped(name))
    try:
        yield where
    finally:
        for name, function in real.items():
            setattr(os, name, function)


class Site:
    """A hospital's workstations, its ledger, and the faults on them now."""

    name = "site"

    def __init__(self, hosts: list[tuple[str, str, bool]], ledger_path: Path, store: Path) -> None:
        self.specs = hosts
        self.hosts = [h for h, _d, _t in hosts]
        self.groups = inventory_groups(hosts)
        self.ledger_path = ledger_path
        self.store_root = store
        self.cut: set[str] = set()
        self.off: set[str] = set()
        self.sick: dict[str, list[str]] = {}

    def ledger(self) -> dict[str, Any]:
        return Ledger(str(self.ledger_path)).read()

    def departments(self) -> list[str]:
        return sorted(g for g in self.groups if g.startswith("ws_"))

    def answering(self, host: str) -> bool:
        return host not in self.cut and host not in self.off

    def root(self, host: str) -> Path | None:
        raise NotImplementedError

    # faults
    def set_cut(self, host: str, cut: bool) -> None:
        (self.cut.add if cut else self.cut.discard)(host)

    def set_power(self, host: str, on: bool) -> None:
        (self.off.discard if on else self.off.add)(host)

    def set_sick(self, host: str, versions: list[str] | None) -> None:
        if versions is None:
            self.sick.pop(host, None)
        else:
            self.sick[host] = versions

    def fault(self, kind: str, host: str, *args: Any) -> None:
        """``cut``/``restore``/``power_off``/``power_on`` now."""
        if kind in ("cut", "restore"):
            self.set_cut(host, kind == "cut")
        else:
            self.set_power(host, kind == "power_on")

    def update(self, run_id: str, version: str, group: str, **kw: Any) -> dict[str, Any]:
        raise NotImplementedError

    def rollback(
        self, run_id: str, version: str | None, group: str, limit: list[str] | None
    ) -> dict[str, Any]:
        raise NotImplementedError

    def audit(
        self, run_id: str, remediate: bool, group: str, limit: list[str] | None
    ) -> dict[str, Any]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def update_outcome(host: str, reply: dict[str, Any], version: str) -> dict[str, Any]:
    """This workstation's outcome of a batch, as roles/client_update/vars/main.yml has it."""
    health_rc = int((reply.get("health") or {}).get("rc", 0))
    if reply.get("unreachable"):
        result = "unreachable"
    elif reply.get("failed"):
        result = "failed"
    elif health_rc != 0:
        result = "rolled_back" if reply.get("reverted") else "failed"
    elif reply.get("changed"):
        result = "ok"
    else:
        result = "unchanged"
    if result == "unreachable":
        now = None
    elif reply.get("failed"):
        now = (reply.get("before") or {}).get("current")
    else:
        now = reply["after"]["current"]
    return {
        "host": host,
        "action": "update",
        "target": version,
        "from": reply.get("previous"),
        "version": now,
        "result": result,
        "message": reply.get("msg") or ", ".join(reply.get("actions") or []),
        "switched": bool(reply.get("changed")) and not reply.get("reverted"),
    }


class TempSite(Site):
    """Workstations as directories; the playbooks' flow in Python over the collection's code."""

    name = "temp"

    def __init__(self, base: Path, store: Path, hosts: list[tuple[str, str, bool]]) -> None:
        super().__init__(hosts, base / "ledger.json", store)
        self.base = base
        self.sends = 0
        self._lock = threading.Lock()
        # power cuts armed: host -> the disk change of its next changing program it hits
        self.armed: dict[str, int] = {}
        self.power_cuts: list[str] = []
        self.cut_log: list[str] = []  # this step's, emptied by the campaign
        for host in self.hosts:
            (base / "ws" / host).mkdir(parents=True)

    def root(self, host: str) -> Path:
        return self.base / "ws" / host

    def set_sick(self, host: str, versions: list[str] | None) -> None:
        super().set_sick(host, versions)
        flag = Path(str(self.root(host)) + "-fail-health")
        if versions is None:
            flag.unlink(missing_ok=True)
        else:
            flag.write_text("".join(v + "\n" for v in versions))

    def send(self, host: str, program: str, timeout: float) -> tuple[int, str, str]:
        """The fleet program on one workstation: as ``python3 -`` there, in this process."""
        with self._lock:
            self.sends += 1
            if not self.answering(host):
                raise ssh_runs.Unreachable(
                    f"ssh: connect to host {host} port 22: Connection timed out"
                )
            text = program.replace(TEMP_ROOT, str(self.root(host)))
            out = io.StringIO()
            changes: list[str] = []
            armed = self.armed.get(host)
            try:
                with contextlib.redirect_stdout(out), power_lost_at(armed or 10**9, changes):
                    exec(compile(text, f"<{host}: python3 ->", "exec"), {"__name__": "__main__"})  # noqa: S102
            except PowerCut as cut:
                return self._lost(
                    host, f"at change {len(changes) + 1} ({cut})", str(cut).split()[0]
                )
            finally:
                for name in [m for m in sys.modules if m.startswith("hisops_client")]:
                    del sys.modules[name]
            if armed and changes:  # fewer changes than armed for: the power goes at the end
                return self._lost(host, f"after the program's {len(changes)} changes", "end")
            return 0, out.getvalue(), ""

    def _lost(self, host: str, where: str, call: str) -> tuple[int, str, str]:
        """The power went: the host is off, the controller sees the connection drop."""
        del self.armed[host]
        self.off.add(host)
        self.power_cuts.append(call)
        self.cut_log.append(f"{host} {where}")
        raise ssh_runs.Unreachable(
            f"Connection to {host} closed by remote host (power cut {where})"
        )

    def fault(self, kind: str, host: str, *args: Any) -> None:
        """As for any site, and ``power_cut``: armed for the host's next program that
        changes its disk, at the ``args[0]``-th change."""
        if kind == "power_cut":
            self.armed[host] = int(args[0]) if args else 1
        else:
            super().fault(kind, host)

    def _job(self, hosts: list[str], args: dict[str, Any], **kw: Any) -> dict[str, Any]:
        """What the client_fleet action does: its options' defaults, then the fleet job."""
        full = {k: spec["default"] for k, spec in release.RELEASE_SPEC.items() if "default" in spec}
        full.update(args, check_mode=False)
        return ssh_runs.run_fleet_job(hosts, self.send, full, workers=4, timeout=60, **kw)

    def _ledger(
        self, records: list[dict[str, Any]], run: dict[str, Any] | None, run_id: str, **kw: Any
    ) -> list[str]:
        """What the client_ledger module does with records, expected and run."""
        stamp = {"operator": "campaign", "run_id": run_id, "at": time.strftime("%FT%TZ")}
        with Ledger(str(self.ledger_path)).update() as data:
            recorded = record(data, records, stamp)
            recorded += [
                h for h in set_expected(data, kw.get("expected") or {}) if h not in recorded
            ]
            if run and (recorded or run.get("always")):
                add_run(data, dict(run, **stamp))
        return recorded

    def probe(self) -> Any:
        return ssh_runs.reachability_probe(self.send, self.hosts)

    def _plan(self, version: str, group: str, limit: list[str] | None, **kw: Any) -> dict:
        """The playbooks' plan step (client_plan) for this site's store, ledger and groups."""
        return plan_rollout(
            store_root=str(self.store_root),
            package=PACKAGE,
            version=version,
            kind=KIND,
            group=group,
            groups=self.groups,
            ledger=self.ledger(),
            limit_hosts=limit,
            **kw,
        )

    # client_update.yml ---------------------------------------------------------------
    def update(self, run_id: str, version: str, group: str, **kw: Any) -> dict[str, Any]:
        limit: list[str] | None = kw.get("limit")
        midrun: tuple[str, str] | None = kw.get("midrun")
        try:
            plan = self._plan(
                version,
                group,
                limit,
                skip_test_gate=bool(kw.get("skip_gate")),
                skip_test_gate_reason="campaign: vendor hotfix" if kw.get("skip_gate") else "",
                batch_size=int(kw.get("batch_size", 5)),
                max_fail_percent=float(kw.get("max_fail_percent", 20)),
                probe=self.probe(),
            )
        except ClientError as exc:
            if midrun:
                self.fault(*midrun)
            return {"outcome": "refused", "why": str(exc)[:200], "midrun_fired": "after"}
        artifact = plan["artifact"]
        args = {
            "version": version,
            "package": f"{TEMP_ROOT}/packages/{plan['file']}",
            "sha256": artifact["sha256"],
            "mode": "release",
            "name": PACKAGE,
            "root": TEMP_ROOT,
            "keep": KEEP,
            "health_command": TEMP_HEALTH,
            "revert_unhealthy": True,
        }
        outcomes: dict[str, dict[str, Any]] = {}
        halted, reason, fired = False, "", "after"
        batches = [(plan["canary"], True)] + [(b, False) for b in plan["batches"]]
        for number, (batch, canary) in enumerate(batches):
            if halted or not batch:
                continue
            if midrun and number >= 1 and fired == "after":
                self.fault(*midrun)
                fired = "during"
            job = self._job(batch, args, package_src=artifact["path"])
            found = [update_outcome(h, job["hosts"][h], version) for h in batch]
            outcomes.update((o["host"], o) for o in found)
            self._ledger(found, None, run_id)
            verdict = batch_verdict(found, float(plan["max_fail_percent"]), canary)
            if verdict["halt"]:
                halted = True
                reason = f"{'canary' if canary else 'batch'} failed on {verdict['failed']}"
        if midrun and fired == "after":
            self.fault(*midrun)
        play = plan["canary"] + plan["rest"] + list(plan["deferred"])
        back = [
            h
            for h in play
            if halted
            and h in outcomes
            and outcomes[h]["switched"]
            and outcomes[h]["result"] in ("ok", "failed")
            and outcomes[h]["from"]
        ]
        reverts = {}
        if back:
            reverts = self._job(
                back,
                {
                    "state": "rolled_back",
                    "mode": "release",
                    "name": PACKAGE,
                    "root": TEMP_ROOT,
                    "keep": KEEP,
                },
                store=str(self.store_root),
                record_action="revert",
            )["hosts"]
        finals: dict[str, dict[str, Any]] = {}
        for host in play:
            if host in reverts:
                reply = reverts[host]
                finals[host] = dict(
                    outcomes[host],
                    action="revert",
                    result=reply["result"]
                    if reply["result"] in ("unreachable", "failed")
                    else "reverted",
                    version=reply.get("version"),
                    message=f"rollout stopped ({reason})",
                )
            elif host in outcomes:
                finals[host] = outcomes[host]
            elif host in plan["deferred"]:
                finals[host] = {"host": host, "action": "update", "result": "isolated"}
            else:
                finals[host] = {"host": host, "action": "update", "result": "skipped"}
        results = {h: f["result"] for h, f in finals.items()}
        self._ledger(
            [f for f in finals.values() if f["action"] == "revert" or f["result"] == "isolated"],
            {
                "playbook": "client_update",
                "version": version,
                "group": group,
                "outcome": "halted" if halted else "completed",
                "halt_reason": reason,
                "canary": plan["canary"],
                "results": results,
                "always": halted or any(r != "unchanged" for r in results.values()),
                "fleet_expected": version
                if not halted and group == "workstations" and limit is None
                else "",
            },
            run_id,
            expected={} if halted else dict.fromkeys(play, version),
        )
        return {
            "outcome": "halted" if halted else "completed",
            "results": results,
            "midrun_fired": fired,
        }

    # client_rollback.yml -------------------------------------------------------------
    def rollback(
        self, run_id: str, version: str | None, group: str, limit: list[str] | None
    ) -> dict[str, Any]:
        try:
            plan = self._plan(version or "", group, limit, purpose="rollback")
        except ClientError as exc:
            return {"outcome": "refused", "why": str(exc)[:200]}
        hosts = plan["hosts"]
        args: dict[str, Any] = {
            "state": "rolled_back",
            "mode": "release",
            "name": PACKAGE,
            "root": TEMP_ROOT,
            "health_command": TEMP_HEALTH,
        }
        earlier = None
        if version:
            artifact = plan["artifact"]
            args.update(package=f"{TEMP_ROOT}/packages/{plan['file']}", sha256=artifact["sha256"])
            args["version"] = version
            earlier = {h: self._copy(h, artifact["path"]) for h in hosts}
        job = self._job(
            hosts,
            args,
            record_action="rollback",
            record_target=version or "previous",
            earlier=earlier,
            store=str(self.store_root),
        )
        self._ledger(
            job["records"],
            {
                "playbook": "client_rollback",
                "version": version or "previous",
                "group": group,
                "outcome": "rolled_back",
                "results": job["outcomes"],
            },
            run_id,
        )
        return {"outcome": "done", "results": job["outcomes"]}

    def _copy(self, host: str, src: str) -> dict[str, Any]:
        """ansible.builtin.copy of a package into ``<root>/packages/`` (registered result)."""
        if not self.answering(host):
            return {"unreachable": True, "msg": "Failed to connect to the host via ssh"}
        packages = self.root(host) / "packages"
        packages.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, packages / os.path.basename(src))
        return {"changed": True}

    # client_audit.yml ----------------------------------------------------------------
    def audit(
        self, run_id: str, remediate: bool, group: str, limit: list[str] | None
    ) -> dict[str, Any]:
        try:
            plan = self._plan("", group, limit, purpose="audit")
        except ClientError as exc:
            return {"outcome": "refused", "why": str(exc)[:200]}
        hosts = plan["hosts"]
        query = self._job(
            hosts,
            {
                "state": "query",
                "mode": "release",
                "name": PACKAGE,
                "root": TEMP_ROOT,
                "health_command": TEMP_HEALTH,
            },
        )["hosts"]
        rows = {
            h: {
                "host": h,
                "actual": query[h].get("version"),
                "reachable": not query[h].get("unreachable"),
                "healthy": (query[h]["health"]["rc"] == 0) if "health" in query[h] else None,
            }
            for h in hosts
        }
        data = self.ledger()
        verdicts = {
            h: classify(data, h, r["actual"], r["reachable"], r["healthy"]) for h, r in rows.items()
        }
        records = []
        if remediate:
            for host, verdict in verdicts.items():
                if verdict["remediation"] != "update":
                    continue
                records.append(self._remediate(host, verdict, rows[host]))
        self._ledger(
            records,
            {
                "playbook": "client_audit",
                "group": group,
                "outcome": "remediated" if remediate else "audited",
                "remediated": {
                    h: v["reason"]
                    for h, v in verdicts.items()
                    if remediate and v["remediation"] == "update"
                },
                "always": remediate
                and any(v["remediation"] == "attention" for v in verdicts.values()),
            },
            run_id,
        )
        after = self.ledger()
        final = {
            h: classify(after, h, r["actual"], r["reachable"], r["healthy"])["state"]
            for h, r in rows.items()
        }
        return {
            "outcome": "remediated" if remediate else "audited",
            "before": {h: v["state"] for h, v in verdicts.items()},
            "remediation": {h: v["remediation"] for h, v in verdicts.items()},
            "results": {r["host"]: r["result"] for r in records},
            "after": final,
        }

    def _remediate(self, host: str, verdict: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
        """client_plan (artifact), copy, client_release switched, the health command."""
        expected = verdict["expected"]
        entry = {
            "host": host,
            "action": "reconcile",
            "target": expected,
            "from": verdict["actual"],
            "version": verdict["actual"],
            "message": verdict["remediation_reason"],
        }
        try:
            artifact = ArtifactStore(str(self.store_root)).resolve(PACKAGE, expected, KIND)
        except ClientError as exc:
            return dict(entry, result="failed", message=str(exc))
        copied = self._copy(host, artifact.path)
        if copied.get("unreachable"):
            return dict(entry, result="unreachable")
        root = str(self.root(host))
        try:
            fix = release.apply(
                root,
                "switched",
                version=expected,
                package=f"{root}/packages/{file_name(PACKAGE, expected, KIND)}",
                sha256=artifact.sha256,
                keep=KEEP,
            )
        except (ClientError, OSError) as exc:
            return dict(entry, result="failed", message=str(exc))
        row["actual"] = fix["after"]["current"]
        health = release.run_health(TEMP_HEALTH.replace(TEMP_ROOT, root))
        row["healthy"] = health["rc"] == 0
        return dict(
            entry, version=fix["after"]["current"], result="ok" if health["rc"] == 0 else "failed"
        )


class LabSite(Site):
    """The lab's real workstations and the real playbooks, run as an operator runs them."""

    name = "lab"

    def __init__(self, base: Path, store: Path, count: int) -> None:
        from lab_helpers import free_octet  # type: ignore[import-not-found]  # tests/lab

        from hisops.lab.hosts import HostFleet, HostSpec

        hosts = workstations(count)
        super().__init__(hosts, base / "ledger.json", store)
        self.base = base
        self.octet = octet = free_octet()
        specs = [
            HostSpec(
                name,
                "workstation",
                f"127.{octet}.10.{i + 1}",
                dept,
                groups=("client_test",) if test else (),
            )
            for i, (name, dept, test) in enumerate(hosts)
        ]
        self.fleet = HostFleet(base / "fleet", specs)
        self.fleet.up(fresh=True)
        self.playbooks = 0
        self.playbook_seconds = 0.0

    def close(self) -> None:
        from lab_helpers import release_octet  # tests/lab

        try:
            self.fleet.down()
        finally:
            release_octet(self.octet)

    def root(self, host: str) -> Path | None:
        if host in self.off:
            return None
        return self.fleet.path(host, LAB_ROOT)

    def set_cut(self, host: str, cut: bool) -> None:
        super().set_cut(host, cut)
        self.fleet.set_reachable(host, not cut)

    def set_power(self, host: str, on: bool) -> None:
        super().set_power(host, on)
        if on:
            self.fleet.power_on(host)
        else:
            self.fleet.power_off(host)

    def set_sick(self, host: str, versions: list[str] | None) -> None:
        super().set_sick(host, versions)
        flag = self.fleet.path(host, LAB_FAIL_FLAG)
        if versions is None:
            flag.unlink(missing_ok=True)
        else:
            flag.write_text("".join(v + "\n" for v in versions))

    def run(
        self, playbook: str, run_id: str, limit: list[str] | None = None, **extravars: Any
    ) -> Any:
        # the integration tests' runner: ansible-playbook as an operator runs it, its run
        # record read back (imported by name: the tests are not type-checked)
        run_playbook = importlib.import_module("tests.integration.playbooks").run_playbook

        env = {
            "HISOPS_ARTIFACT_DIR": str(self.store_root),
            "HISOPS_CLIENT_LEDGER": str(self.ledger_path),
            "HISOPS_RUN_ID": run_id,
            "HISOPS_OPERATOR": "campaign",
        }
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        started = time.monotonic()
        try:
            return run_playbook(
                playbook,
                self.fleet.inventory_file,
                self.base / "work",
                extravars or None,
                limit=",".join(limit) if limit else None,
            )
        finally:
            self.playbooks += 1
            self.playbook_seconds += time.monotonic() - started
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _run_results(self, run_id: str) -> dict[str, Any] | None:
        runs = [r for r in self.ledger().get("runs", []) if r.get("run_id") == run_id]
        return runs[-1] if runs else None

    def update(self, run_id: str, version: str, group: str, **kw: Any) -> dict[str, Any]:
        midrun: tuple[str, str] | None = kw.get("midrun")
        extravars: dict[str, Any] = {
            "version": version,
            "group": group,
            "batch_size": int(kw.get("batch_size", 5)),
            "max_fail_percent": float(kw.get("max_fail_percent", 20)),
        }
        if kw.get("skip_gate"):
            extravars.update(skip_test_gate=True, skip_test_gate_reason="campaign: vendor hotfix")
        fired = ["after"]
        stop = threading.Event()
        watcher = None
        if midrun:
            watch = (
                self._power_cut_at_switch if midrun[0] == "power_cut" else self._fault_after_canary
            )
            watcher = threading.Thread(
                target=watch, args=(run_id, version, midrun, stop, fired), daemon=True
            )
            watcher.start()
        try:
            done = self.run("client_update", run_id, kw.get("limit"), **extravars)
        finally:
            stop.set()
            if watcher is not None:
                watcher.join()
        if midrun and fired[0] == "after":
            self.fault(*midrun)
        run = self._run_results(run_id)
        if run is None:  # nothing recorded: refused, or every workstation unchanged
            refused = "refused before any workstation was touched" in done.stdout
            return {
                "outcome": "refused" if refused else "completed" if done.rc == 0 else "error",
                "rc": done.rc,
                "why": _tail(done.stdout),
                "midrun_fired": fired[0],
            }
        return {
            "outcome": run["outcome"],
            "rc": done.rc,
            "results": run.get("results"),
            "midrun_fired": fired[0],
        }

    def fault(self, kind: str, host: str, *args: Any) -> None:
        """As for any site; ``power_cut`` outside a rollout is a power off."""
        super().fault("power_off" if kind == "power_cut" else kind, host)

    def _power_cut_at_switch(
        self,
        run_id: str,
        version: str,
        midrun: tuple[str, str],
        stop: threading.Event,
        fired: list[str],
    ) -> None:
        """Pull the plug on the workstation the moment its ``current`` moves to ``version``:
        between the switch and its health verdict (and the revert of an unhealthy build)."""
        host = midrun[1]
        link = self.fleet.path(host, LAB_ROOT + "/current")
        while not stop.wait(0.002):
            try:
                now = os.readlink(link).rsplit("/", 1)[-1]
            except OSError:
                continue
            if now == version:
                self.fault("power_off", host)
                fired[0] = "during"
                return

    def _fault_after_canary(
        self,
        run_id: str,
        version: str,
        midrun: tuple[str, str],
        stop: threading.Event,
        fired: list[str],
    ) -> None:
        """Fire ``midrun`` once the canary batch of ``run_id`` is in the ledger."""
        while not stop.wait(0.1):
            try:
                data = self.ledger()
            except ClientError:
                continue
            if any(
                item.get("run") == run_id
                for entry in data["hosts"].values()
                for item in entry.get("history", [])
            ):
                self.fault(*midrun)
                fired[0] = "during"
                return

    def rollback(
        self, run_id: str, version: str | None, group: str, limit: list[str] | None
    ) -> dict[str, Any]:
        extravars: dict[str, Any] = {"group": group}
        if version:
            extravars["version"] = version
        done = self.run("client_rollback", run_id, limit, **extravars)
        run = self._run_results(run_id)
        if run is None:
            return {"outcome": "refused", "rc": done.rc, "why": _tail(done.stdout)}
        return {"outcome": "done", "rc": done.rc, "results": run.get("results")}

    def audit(
        self, run_id: str, remediate: bool, group: str, limit: list[str] | None
    ) -> dict[str, Any]:
        (self.base / "work" / "reports" / "client-audit.json").unlink(missing_ok=True)
        done = self.run("client_audit", run_id, limit, group=group, remediate=remediate)
        try:
            report = done.report("client-audit.json")
        except (OSError, ValueError):
            return {"outcome": "error", "rc": done.rc, "why": _tail(done.stdout)}
        results: dict[str, str] = {}
        ledger = self.ledger()
        for host in self.hosts:
            history = ledger["hosts"].get(host, {}).get("history", [])
            if history and history[-1].get("run") == run_id:
                results[host] = history[-1]["result"]
        return {
            "outcome": "remediated" if remediate else "audited",
            "rc": done.rc,
            "after": {a["host"]: a["state"] for a in report["workstations"]},
            "results": results,
        }


def _tail(text: str, lines: int = 3) -> str:
    """The lines of a playbook's output that say why it failed."""
    found = [
        line.strip()
        for line in text.splitlines()
        if "fatal:" in line or "FAILED!" in line or "refused" in line or '"msg"' in line
    ]
    return " | ".join(found[-lines:] or text.strip().splitlines()[-lines:])[-600:]


# --------------------------------------------------------------------------- invariants
def disk_view(root: Path) -> dict[str, Any]:
    """What a workstation's disk says: current, its release, the state file, releases."""
    link = root / "current"
    current = os.readlink(link).rstrip("/").rsplit("/", 1)[-1] if link.is_symlink() else None
    state_file = root / release.STATE_FILE
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    releases_dir = root / "releases"
    releases = (
        sorted(p.name for p in releases_dir.iterdir() if not p.name.startswith("."))
        if releases_dir.is_dir()
        else []
    )
    info = None
    if current is not None:
        try:
            info = json.loads((root / "releases" / current / "release.json").read_text())
        except (OSError, ValueError):
            info = None
    return {"current": current, "release": info, "state": state, "releases": releases}


def check_site(
    site: Site,
    book: Book,
    last: dict[str, Any] | None,
    before: dict[str, tuple[str | None, bool]],
) -> list[str]:
    """The invariants on every workstation of ``site`` that is powered on (its disk seen)."""
    problems: list[str] = []
    ledger = site.ledger()
    store = ArtifactStore(str(site.store_root))
    in_store = set(store.versions(PACKAGE, KIND))
    for host in site.hosts:
        root = site.root(host)
        if root is None:
            continue  # powered off: seen again when it is back
        where = f"{site.name}/{host}"
        disk = disk_view(root)
        current = disk["current"]
        entry = ledger["hosts"].get(host) or {}
        history = entry.get("history") or []
        unknown = bool(history) and history[-1].get("result") == "unreachable"
        # current exists, and is what it says it is
        if current is not None:
            if disk["release"] is None:
                problems.append(f"{where}: current -> releases/{current}, which is not on disk")
            elif disk["release"].get("version") != current:
                problems.append(
                    f"{where}: current -> releases/{current} holds {disk['release'].get('version')}"
                )
        # the ledger matches the disk (a workstation last recorded unreachable: unknown)
        if entry.get("current") != current and not unknown:
            problems.append(
                f"{where}: the ledger says current {entry.get('current')}, the disk {current} "
                f"(last entry {history[-1] if history else None})"
            )
        # previous, when set, is on the disk or in the store
        state = disk["state"]
        for key in ("previous", "rolled_back_from"):
            value = state.get(key)
            if value and value not in disk["releases"] and value not in in_store:
                problems.append(f"{where}: {key} {value} is neither on disk nor in the store")
        # a rollback is possible: to the previous version (or it is a documented no-op) ...
        if current is not None and (state.get("previous") or state.get("rolled_back_from")):
            try:
                release.apply(str(root), "rolled_back", check_mode=True, keep=KEEP)
            except MissingRelease as exc:
                if exc.version not in in_store:
                    problems.append(f"{where}: rollback impossible: {exc}")
            except ClientError as exc:
                problems.append(f"{where}: rollback to previous refused: {exc}")
        # ... and to the last known-good version, which is a good build in the store
        good = entry.get("known_good")
        if good:
            if good in book.broken:
                problems.append(f"{where}: known-good {good} is a broken build")
            try:
                store.resolve(PACKAGE, good, KIND)
            except ClientError as exc:
                problems.append(f"{where}: known-good {good} cannot be brought back: {exc}")
        # no broken build is current (unless the last thing known is that it went away)
        if disk["release"] and disk["release"].get("broken") and not unknown:
            problems.append(f"{where}: runs {current}, a broken build (last entry {history[-1:]})")
        # every release on disk is whole: the code takes any listed release as installed
        for name in disk["releases"]:
            missing = [f for f in RELEASE_FILES if not (root / "releases" / name / f).is_file()]
            if missing:
                problems.append(f"{where}: release {name} is not whole (missing {missing})")
        if len(disk["releases"]) > KEEP + (1 if unknown else 0):  # power lost before the prune
            problems.append(f"{where}: {len(disk['releases'])} releases kept, more than {KEEP}")
        # a stopped rollout leaves its version nowhere it was switched to (but where the
        # workstation could not be reached to put it back: its state is unknown)
        if (
            last
            and last.get("site") == site.name
            and last.get("action", "").startswith("update")
            and last.get("outcome") == "halted"
            and current == last.get("version")
            and before.get(host, (None, False))[0] != current
            # from a version never verified the put-back goes to the one verified before
            and not before.get(host, (None, False))[1]
            and (last.get("results") or {}).get(host) != "unreachable"
        ):
            problems.append(
                f"{where}: the rollout of {current} stopped, and {host} still runs it "
                f"(result {(last.get('results') or {}).get(host)})"
            )
    # an audit that remediates leaves no answering workstation behind: it is brought up, or
    # its failure is recorded (failed), or it waits for a person (rolled back, attention)
    if last and last.get("site") == site.name and last.get("action") == "audit_remediate":
        for host, state in (last.get("after") or {}).items():
            if state == "behind":
                problems.append(f"{site.name}/{host}: still behind after an audit that remediates")
    return problems


# --------------------------------------------------------------------------- the history
class Campaign:
    """The sites, the versions, and one step of the history at a time."""

    def __init__(
        self,
        workdir: Path,
        steps: int,
        lab_steps: int,
        lab_hosts: int,
        versions: int,
        temp_hosts: int = 10,
    ) -> None:
        self.workdir = workdir
        store = workdir / "artifacts"
        build = workdir / "build"
        build.mkdir(parents=True)
        self.book = Book(ArtifactStore(str(store)), build)
        self.target_versions = versions
        self.steps = steps
        self.sites: dict[str, Site] = {
            "temp": TempSite(workdir / "temp", store, workstations(temp_hosts))
        }
        self.lab_at: set[int] = set()
        if lab_steps and lab_hosts:
            self.sites["lab"] = LabSite(workdir / "lab", store, lab_hosts)
            every = max(1, steps // lab_steps)
            self.lab_at = {every - 1 + i * every for i in range(lab_steps)} & set(range(steps))
        self.counts: Counter[str] = Counter()
        self.lab_midrun: set[str] = set()
        self.last: dict[str, Any] | None = None
        self.before: dict[str, dict[str, tuple[str | None, bool]]] = {}

    def close(self) -> None:
        for site in self.sites.values():
            try:
                site.close()
            except Exception as exc:  # noqa: BLE001 - tear down the other sites too
                print(f"closing {site.name}: {exc}", file=sys.stderr)

    def currents(self, site: Site) -> dict[str, tuple[str | None, bool]]:
        """Per workstation: current, and whether it was never verified (its switch lost
        power before the health verdict)."""
        out: dict[str, tuple[str | None, bool]] = {}
        for host in site.hosts:
            root = site.root(host)
            disk = disk_view(root) if root is not None else {"current": None, "state": {}}
            current = disk["current"]
            out[host] = (
                current,
                current is not None and disk["state"].get("unverified") == current,
            )
        return out

    def check(self, index: int) -> list[str]:
        problems = []
        if self.last and self.last.get("outcome") == "error":  # neither refused nor recorded
            problems.append(f"{self.last['site']}: the playbook failed: {self.last.get('why')}")
        for site in self.sites.values():
            problems += check_site(site, self.book, self.last, self.before.get(site.name, {}))
        return problems

    # choosing what happens next -------------------------------------------------------
    def step(self, index: int, rng: random.Random) -> dict[str, Any]:
        site = self.sites["lab" if index in self.lab_at else "temp"]
        self.before = {s.name: self.currents(s) for s in self.sites.values()}
        action, params = self.choose(site, index, rng)
        run_id = f"campaign-{index:04d}-{site.name}"
        done: dict[str, Any] = {"site": site.name, "action": action, **params}
        done.update(self.act(site, action, params, run_id, index))
        if "midrun" not in done:
            done.pop("midrun_fired", None)
        if isinstance(site, TempSite) and site.cut_log:
            done["power_cut"] = list(site.cut_log)
            site.cut_log.clear()
        self.last = done
        self.counts[f"{site.name}:{action}:{done.get('outcome', '-')}"] += 1
        return done

    def choose(self, site: Site, index: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
        book = self.book
        ledger = site.ledger()
        if not book.versions:
            return "publish", {"broken": False}
        test_hosts = site.groups["client_test"]
        newest = book.versions[-1]
        if ledger.get("fleet_expected") is None:
            if site.name == "lab":  # the lab's first install: its test gate is tested later
                return "update_all", {
                    "version": book.good()[-1],
                    "group": "workstations",
                    "skip_gate": True,
                }
            passed = passed_on(ledger, test_hosts, book.good()[-1])
            if not all(passed.values()):
                return "update_test", {"version": book.good()[-1], "group": "client_test"}
            return "update_all", {"version": book.good()[-1], "group": "workstations"}
        # a fault now and then, never more than two workstations away at once
        away = site.cut | site.off
        if away and rng.random() < 0.3:
            host = rng.choice(sorted(away))
            return ("restore" if host in site.cut else "power_on"), {"host": host}
        # lab steps are few: each lab fault in the middle of a rollout comes first, once
        untried = [k for k in ("power_off", "cut", "power_cut") if k not in self.lab_midrun]
        others = [v for v in book.good() if v != ledger.get("fleet_expected")]
        # a version to switch to (else the rollout changes nothing and the fault comes after)
        ready = book.broken if untried[:1] == ["power_cut"] else others
        if site.name == "lab" and untried and not away and ready:
            self.lab_midrun.add(untried[0])
            canaries = [site.groups[d][0] for d in site.departments()]
            if untried[0] == "power_cut":  # a canary, as a broken build switches there
                version, victim = sorted(book.broken)[-1], rng.choice(canaries)
            else:
                version = others[-1]
                victim = rng.choice([h for h in site.hosts if h not in canaries])
            return "update_midrun", {
                "version": version,
                "group": "workstations",
                "skip_gate": True,
                "batch_size": 3,
                "max_fail_percent": 50,
                "midrun": [untried[0], victim],
            }
        steps_left = self.steps - index
        versions_left = self.target_versions - len(book.versions)
        weights = {
            # publishing needs no lab: the lab's few steps go to its workflows
            "publish": 0.0
            if site.name == "lab"
            else 0.5
            if versions_left * 12 >= steps_left
            else 0.07,
            "update_test": 0.12,
            "update_group": 0.1,
            "update_all": 0.1,
            "update_limit": 0.07,
            "update_midrun": 0.1,
            "rollback_previous": 0.08,
            "rollback_version": 0.07,
            "audit": 0.04,
            "audit_remediate": 0.1,
            "fault": 0.08 if len(away) < 2 else 0.0,
            "sicken": 0.04,
        }
        action = rng.choices(list(weights), list(weights.values()))[0]
        group = rng.choice(["workstations", *site.departments()])
        limit = sorted(rng.sample(site.hosts, rng.randint(1, 3))) if rng.random() < 0.25 else None
        sizes = {"batch_size": rng.choice([2, 3]), "max_fail_percent": rng.choice([20, 34, 50])}
        untested = [v for v in book.versions if not all(passed_on(ledger, test_hosts, v).values())]
        tested = [v for v in book.good() if v not in untested]
        if action == "publish":
            return action, {"broken": rng.random() < 0.3}
        if action == "update_test":
            version = (
                untested[-1] if untested and rng.random() < 0.8 else rng.choice(book.versions[-4:])
            )
            return action, {"version": version, "group": "client_test", **sizes}
        if action in ("update_group", "update_all", "update_limit", "update_midrun"):
            skip = rng.random() < 0.15
            pool = book.versions[-3:] if skip or not tested else tested[-3:]
            version = pool[-1] if rng.random() < 0.6 else rng.choice(pool)
            if action == "update_group":
                group = rng.choice(site.departments())
            if action in ("update_all", "update_midrun"):
                group = "workstations"
            params: dict[str, Any] = {
                "version": version,
                "group": group,
                "skip_gate": skip,
                **sizes,
            }
            if action == "update_limit":
                params["limit"] = limit or sorted(rng.sample(site.hosts, 2))
            if action == "update_midrun":
                firsts = {site.groups[d][0] for d in site.departments()}
                later = [h for h in site.hosts if site.answering(h) and h not in firsts]
                kinds = ["cut", "power_off", "power_cut"] + (
                    ["power_cut"] if site.name == "temp" else []
                )
                kind = rng.choice(kinds)
                host = rng.choice(later or [h for h in site.hosts if site.answering(h)])
                params["midrun"] = [kind, host] + (
                    [rng.randint(1, 12)] if kind == "power_cut" else []
                )
            return action, params
        if action == "rollback_previous":
            return action, {"group": group, "limit": limit}
        if action == "rollback_version":
            version = rng.choice(book.good()[-6:])
            return action, {"version": version, "group": group, "limit": limit}
        if action in ("audit", "audit_remediate"):
            return action, {
                "group": group if rng.random() < 0.3 else "workstations",
                "limit": limit if rng.random() < 0.3 else None,
            }
        if action == "fault":
            present = [h for h in site.hosts if site.answering(h)]
            kind = rng.choice(["cut", "power_off"] + (["power_cut"] if site.name == "temp" else []))
            params = {"kind": kind, "host": rng.choice(present)}
            if kind == "power_cut":  # at a disk change of the next program that changes it
                params["at"] = rng.randint(1, 12)
            return action, params
        # sicken: one workstation's health check fails (a version, or every version) - or heals
        host = rng.choice([h for h in site.hosts if h not in site.off])
        if host in site.sick:
            return "heal", {"host": host}
        versions = [] if rng.random() < 0.2 else [rng.choice(book.versions[-3:] + [newest])]
        return "sicken", {"host": host, "versions": versions}

    def act(
        self, site: Site, action: str, params: dict[str, Any], run_id: str, index: int
    ) -> dict[str, Any]:
        if action == "publish":
            version = self.book.publish(params["broken"])
            return {"version": version, "outcome": "published"}
        if action.startswith("update"):
            kw = {k: v for k, v in params.items() if k not in ("version", "group")}
            if "midrun" in kw:
                kw["midrun"] = tuple(kw["midrun"])
                self.counts[f"fault:midrun_{kw['midrun'][0]}"] += 1
            return site.update(run_id, params["version"], params["group"], **kw)
        if action.startswith("rollback"):
            return site.rollback(run_id, params.get("version"), params["group"], params["limit"])
        if action.startswith("audit"):
            return site.audit(run_id, action == "audit_remediate", params["group"], params["limit"])
        if action in ("fault", "restore", "power_on"):
            kind = params.get("kind", action)
            site.fault(kind, params["host"], *([params["at"]] if "at" in params else []))
            self.counts[f"fault:{kind}"] += 1
            return {"outcome": kind}
        if action == "sicken":
            site.set_sick(params["host"], params["versions"])
            self.counts["fault:sicken"] += 1
            return {"outcome": "sick"}
        if action == "heal":
            site.set_sick(params["host"], None)
            return {"outcome": "healed"}
        raise ValueError(action)

    def settle(self) -> dict[str, Any]:
        """After the history: every fault cleared, one audit with remediation per site, and
        then the strict end state - every workstation answers, runs a good build and its
        audit state is current or needs a person (a failure of the expected version)."""
        out: dict[str, Any] = {}
        for site in self.sites.values():
            for host in sorted(site.off):
                site.fault("power_on", host)
            for host in sorted(site.cut):
                site.fault("restore", host)
            for host in sorted(site.sick):
                site.set_sick(host, None)
            result = site.audit(f"campaign-settle-{site.name}", True, "workstations", None)
            out[site.name] = Counter((result.get("after") or {}).values())
            self.last = None
            for host, state in (result.get("after") or {}).items():
                if state not in ("current", "failed", "rolled_back"):
                    out.setdefault("problems", []).append(
                        f"{site.name}/{host}: {state} after settling"
                    )
        return out


def campaign(
    seed: int,
    steps: int,
    lab_steps: int = 0,
    lab_hosts: int = 6,
    versions: int = 12,
    temp_hosts: int = 10,
    workdir: Path | None = None,
    verbose: bool = False,
) -> Figures:
    """One history; raises :class:`CampaignFailed` (seed named) on a broken invariant."""
    own = workdir is None
    base = Path(tempfile.mkdtemp(prefix="hisops-clients-")) if own else Path(workdir)  # type: ignore[arg-type]
    history = Campaign(base, steps, lab_steps, lab_hosts, versions, temp_hosts)
    figures = Figures(CAMPAIGN, seed)
    try:
        run_campaign(CAMPAIGN, seed, steps, history.step, history.check, figures, verbose)
        settled = history.settle()
        problems = settled.pop("problems", []) + history.check(steps)
        figures.checks += 1
        if problems:
            raise CampaignFailed(CAMPAIGN, seed, steps, "settle", problems)
        lab = history.sites.get("lab")
        figures.counts = history.counts
        figures.extra = {
            "versions": len(history.book.versions),
            "broken_versions": len(history.book.broken),
            "lab_steps": sum(1 for entry in figures.log if entry["site"] == "lab"),
            "lab_workstations": len(lab.hosts) if lab else 0,
            "temp_workstations": len(history.sites["temp"].hosts),
            "playbook_runs": lab.playbooks if isinstance(lab, LabSite) else 0,
            "playbook_seconds": round(lab.playbook_seconds, 1) if isinstance(lab, LabSite) else 0,
            "faults_injected": sum(
                v
                for k, v in history.counts.items()
                if k.startswith("fault:") and k not in ("fault:power_on", "fault:restore")
            ),
            "faults_cleared": history.counts["fault:power_on"] + history.counts["fault:restore"],
            "power_cuts_at": Counter(getattr(history.sites["temp"], "power_cuts", [])),
            "midrun_fired": Counter(
                str(e.get("midrun_fired")) for e in figures.log if "midrun" in e
            ),
            "outcomes": Counter(
                f"{e['action'].split('_')[0]}:{e.get('outcome')}" for e in figures.log
            ),
            "settled": settled,
        }
        return figures
    finally:
        history.close()
        if own:
            shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else CAMPAIGN, steps=200)
    parser.add_argument(
        "--lab-steps", type=int, default=40, help="steps on the lab (default %(default)s)"
    )
    parser.add_argument(
        "--lab-hosts", type=int, default=6, help="lab workstations (default %(default)s)"
    )
    parser.add_argument("--versions", type=int, default=12, help="versions to publish at least")
    parser.add_argument("--temp-hosts", type=int, default=10, help="temp-root workstations")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else new_seed()
    print(
        f"clients campaign: seed {seed}, {args.steps} steps, {args.lab_steps} on the lab",
        flush=True,
    )
    try:
        figures = campaign(
            seed,
            args.steps,
            args.lab_steps,
            args.lab_hosts,
            args.versions,
            args.temp_hosts,
            verbose=args.verbose,
        )
    except CampaignFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    finish(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
