"""``hisops drill``: boot the lab and rehearse the emergency plan against it (plan P9.2).

A drill is a list of scenarios, each a playbook run through ansible-runner (so each
leaves a run record and artifacts) with what the plan expects of it. Every capability
adds its scenario here, so the drill grows with the project.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hisops import runner


@dataclass(frozen=True)
class LabStep:
    """What happens to the lab around a scenario: a fault, a technician's hands, a check.

    ``power-off DEVICE``, ``recable FAILED SPARE``, ``reach SRC DST`` (must reach the HIS
    database port), ``cut SRC DST`` (must not reach), ``reset`` (the whole lab back to its
    startup state and cabling), ``forget-host-vars DEVICE`` (drop the inventory
    override a spare swap wrote beside the lab's inventory) and ``wait SECONDS`` (time
    passes, as it does for the people on duty).
    """

    action: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        return " ".join((self.action, *self.args))


class LabStepFailed(RuntimeError):
    """A lab step did not do, or did not find, what the scenario needs."""


def run_lab_step(step: LabStep, client: Any, inventory: Path) -> str:
    """Do one step against the running lab; returns what it saw, raises LabStepFailed."""
    if step.action == "power-off":
        client.fault(step.args[0], "power-off")
        return f"{step.args[0]} powered off"
    if step.action == "recable":
        moved = client.recable(step.args[0], step.args[1])
        return f"{step.args[0]}'s cables moved to {step.args[1]}: {len(moved['moved'])}"
    if step.action in ("reach", "cut"):
        src, dst = step.args
        answer = client.reach(src, dst, protocol="tcp", port=5432)
        want = step.action == "reach"
        if bool(answer.get("reachable")) != want:
            seen = "reaches"
            if not answer.get("reachable"):
                seen = f"does not reach ({answer.get('reason')})"
            raise LabStepFailed(f"{src} {seen} {dst}:5432; the scenario needs the opposite")
        path = " > ".join(hop["device"] for hop in answer.get("path") or [])
        return f"{src} {'reaches' if want else 'cannot reach'} {dst}:5432 {path}".rstrip()
    if step.action == "fault":
        client.fault(step.args[0], step.args[1])
        return f"{step.args[0]}: fault {step.args[1]}"
    if step.action == "clear":
        client.clear(step.args[0])
        return f"{step.args[0]}: faults cleared"
    if step.action == "reset":
        client.reset()
        return "lab reset to its startup state and cabling"
    if step.action == "wait":
        time.sleep(float(step.args[0]))
        return f"waited {step.args[0]} s"
    if step.action == "forget-host-vars":
        override = inventory.parent / "host_vars" / f"{step.args[0]}.yml"
        override.unlink(missing_ok=True)
        return f"{override} removed"
    raise LabStepFailed(f"unknown lab step {step}")


@dataclass(frozen=True)
class Scenario:
    name: str
    plan_item: str
    title: str
    playbook: str
    extravars: dict[str, Any] = field(default_factory=dict)
    check: bool = False
    expect_ok: bool = True  # a scenario may rehearse a refusal
    expect_text: str = ""  # what the playbook's output must say (a refusal's reason)
    before: tuple[LabStep, ...] = ()  # done to the lab first; a failure skips the playbook
    after: tuple[LabStep, ...] = ()  # hands and checks after the playbook, when it behaved
    cleanup: tuple[LabStep, ...] = ()  # always, last: the lab as later scenarios need it


SCENARIOS: list[Scenario] = [
    Scenario(
        name="hostkeys-compare",
        plan_item="P4.3",
        title="Every switch and host answers with the SSH host key on record (check mode)",
        playbook="hostkeys_enrol",
        check=True,
    ),
    Scenario(
        name="hostkey-changed-refused",
        plan_item="P5.2",
        title="A switch answering with another host key is refused, named, before any password",
        playbook="network_check",
        expect_ok=False,
        expect_text="host key of AGG-3",
        before=(LabStep("fault", ("AGG-3", "hostkey")),),
        cleanup=(LabStep("clear", ("AGG-3",)),),
    ),
    Scenario(
        name="network-check",
        plan_item="P4.3",
        title="Daily network check: read every switch (model, firmware, serial, VLANs)",
        playbook="network_check",
    ),
    Scenario(
        name="switch-backup",
        plan_item="P4.1",
        title="Back every switch up into the versioned store (secrets masked)",
        playbook="switch_backup",
    ),
    Scenario(
        name="deploy-preview",
        plan_item="P4.4",
        title="Preview the VLAN plan deployment (check mode: nothing is sent)",
        playbook="switch_deploy",
        check=True,
    ),
    Scenario(
        name="deploy",
        plan_item="P4.1",
        title="Deploy the VLAN plan with the platforms' safety nets armed",
        playbook="switch_deploy",
    ),
    Scenario(
        name="compliance",
        plan_item="P4.3",
        title="Scheduled compliance check: fail on any drift (JSON + HTML report)",
        playbook="switch_compliance",
        extravars={"fail_on_drift": True},
    ),
    Scenario(
        name="switch-backup-after",
        plan_item="P4.1",
        title="Back up again: the deploy's changes are one commit in the store",
        playbook="switch_backup",
    ),
    Scenario(
        name="db-standby-build",
        plan_item="P6.6",
        title="Database hot standby: streaming replication, slot, wal_log_hints",
        playbook="db_standby_build",
    ),
    Scenario(
        name="db-status",
        plan_item="P6.4",
        title="Daily database check: roles, lag, slots, go/no-go for switchover and failover",
        playbook="db_status",
        extravars={"db_status_require": "switchover"},
    ),
    Scenario(
        name="db-switchover",
        plan_item="P6.6",
        title="Planned database switchover (zero committed transactions lost)",
        playbook="db_switchover",
    ),
    Scenario(
        name="db-primary-crash",
        plan_item="P6.6",
        title="The database primary's PostgreSQL dies (kill -9)",
        playbook="db_drill_crash",
    ),
    Scenario(
        name="db-failover-refused",
        plan_item="P6.6",
        title="Failover refused: the data lost is unknown and not accepted",
        playbook="db_failover",
        expect_ok=False,
    ),
    Scenario(
        name="db-failover",
        plan_item="P6.6",
        title="Failover: old primary fenced over SSH, data loss accepted, standby promoted",
        playbook="db_failover",
        extravars={"accept_data_loss": True},
    ),
    Scenario(
        name="db-rejoin",
        plan_item="P6.6",
        title="Rejoin the old primary as a standby (CHECKPOINT, pg_rewind, streaming)",
        playbook="db_rejoin",
    ),
    Scenario(
        name="db-primary-crash-again",
        plan_item="P6.6",
        title="The database primary's PostgreSQL dies again (his-db-1, kill -9)",
        playbook="db_drill_crash",
    ),
    Scenario(
        name="db-failover-switch-port",
        plan_item="P6.6",
        title="Failover fencing the old primary by shutting its switch port (an isolation)",
        playbook="db_failover",
        extravars={"accept_data_loss": True, "fence": ["switch_port"]},
    ),
    Scenario(
        name="db-reconnect-old-primary-refused",
        plan_item="P5.6",
        title="Reconnecting the fenced old primary's port by hand is refused (split brain)",
        playbook="reconnect",
        extravars={
            "host": "10.10.100.11",
            "cleanup_by": "dba",
            "cleanup_scan": "old primary down, to be rejoined",
        },
        expect_ok=False,
    ),
    Scenario(
        name="db-rejoin-again",
        plan_item="P6.6",
        title="Rejoin the port-fenced old primary: port up for SSH only, PostgreSQL fenced, "
        "then reconnected and rewound",
        playbook="db_rejoin",
    ),
    Scenario(
        name="db-standby-crash",
        plan_item="P6.6",
        title="The database standby's PostgreSQL dies (kill -9)",
        playbook="db_drill_crash",
        extravars={"drill_crash": "standby"},
    ),
    Scenario(
        name="db-standby-rejoin",
        plan_item="P6.6",
        title="Rejoin the crashed standby: restarted as a standby, it catches up (no rewind)",
        playbook="db_rejoin",
    ),
    Scenario(
        name="db-standby-build-sync",
        plan_item="P6.6",
        title="The pair in synchronous mode: a commit returns once the standby has it",
        playbook="db_standby_build",
        extravars={"db_standby_build_sync_mode": "sync"},
    ),
    Scenario(
        name="db-sync-standby-crash",
        plan_item="P6.6",
        title="The synchronous standby's PostgreSQL dies (kill -9); the sync-degrade service "
        "releases the waiting commits after 5 s",
        playbook="db_drill_crash",
        extravars={"drill_crash": "standby"},
        after=(LabStep("wait", ("7",)),),
    ),
    Scenario(
        name="db-status-degraded",
        plan_item="P6.4",
        title="Daily database check: the pair DEGRADED to async, said with a warning",
        playbook="db_status",
    ),
    Scenario(
        name="db-sync-standby-rejoin",
        plan_item="P6.6",
        title="Rejoin the standby: it streams again and the pair is synchronous once more",
        playbook="db_rejoin",
    ),
    Scenario(
        name="db-standby-build-async",
        plan_item="P6.6",
        title="Back to asynchronous mode (a reload, no restart)",
        playbook="db_standby_build",
    ),
    Scenario(
        name="backup-month-end",
        plan_item="P6.1-P6.3",
        title="Month end: the daily backup from the standby and the off-site copy on backup-1; "
        "the removable drive is not plugged in: alert, recorded, the rest done",
        playbook="backup_run",
        extravars={"date": "2027-02-28"},
        expect_text="removable drive is not plugged in",
    ),
    Scenario(
        name="backup-restore-drill",
        plan_item="P6.5",
        title="Monthly restore drill: the month-end off-site copy restored onto a scratch "
        "PostgreSQL on backup-1 (port 5499), pg_amcheck --heapallindexed, row counts and "
        "checksums as recorded at the copy, RPO and RTO, removed, recorded (JSON + HTML)",
        playbook="backup_drill",
        extravars={"date": "2027-02-28"},
        expect_text="PASSED",
    ),
    Scenario(
        name="client-publish",
        plan_item="P7.1",
        title="Publish the sample HIS client 5.0.0 into the artifact store (checksum recorded)",
        playbook="client_publish",
        extravars={"version": "5.0.0", "sample": True},
    ),
    Scenario(
        name="client-publish-bad",
        plan_item="P7.1",
        title="Publish 5.1.0, an update whose health check fails on every workstation",
        playbook="client_publish",
        extravars={"version": "5.1.0", "sample": True, "broken": True},
    ),
    Scenario(
        name="client-test-gate",
        plan_item="P7.2",
        title="Client 5.0.0 on the client_test workstations first (the test gate)",
        playbook="client_update",
        extravars={"version": "5.0.0", "group": "client_test"},
    ),
    Scenario(
        name="client-update",
        plan_item="P7.2",
        title="Client 5.0.0 to every workstation: canary per department, then batches",
        playbook="client_update",
        extravars={"version": "5.0.0", "batch_size": 10},
    ),
    Scenario(
        name="client-bad-update",
        plan_item="P7.2",
        title="A bad update (5.1.0) fails at the canary: stopped, canaries put back at once",
        playbook="client_update",
        extravars={
            "version": "5.1.0",
            "skip_test_gate": True,
            "skip_test_gate_reason": "drill: vendor hotfix pushed without testing",
        },
        expect_ok=False,
    ),
    Scenario(
        name="client-audit",
        plan_item="P7.3",
        title="Audit after the bad update: every workstation on 5.0.0 and healthy",
        playbook="client_audit",
        extravars={"fail_on_stragglers": True},
    ),
    Scenario(
        name="isolate-preview",
        plan_item="P5.1",
        title="Blast radius of isolating the outpatient VLAN (check mode: nothing is sent)",
        playbook="isolate",
        extravars={"segment": "OUTPATIENT"},
        check=True,
    ),
    Scenario(
        name="isolate-protected-refused",
        plan_item="P5.1",
        title="Isolating the nurse VLAN is refused: ICU monitors are protected endpoints",
        playbook="isolate",
        extravars={"segment": "NURSE", "reason": "drill"},
        expect_ok=False,
    ),
    Scenario(
        name="isolate-segment",
        plan_item="P5.1",
        title="Isolate the outpatient VLAN at the core; the rest of the hospital keeps working",
        playbook="isolate",
        extravars={
            "segment": "OUTPATIENT",
            "reason": "drill: ransomware on outpatient workstations",
        },
    ),
    Scenario(
        name="isolate-host",
        plan_item="P5.2",
        title="Isolate one doctor workstation by IP: located two trunk hops away, port shut, IP blocked",
        playbook="isolate",
        extravars={"host": "10.10.50.104", "reason": "drill: beaconing workstation"},
    ),
    Scenario(
        name="isolation-status",
        plan_item="P5.3",
        title="List the open isolations (who, when, why, where)",
        playbook="isolation_status",
    ),
    Scenario(
        name="reconnect-refused",
        plan_item="P5.6",
        title="Reconnecting without a clean-up confirmation is refused",
        playbook="reconnect",
        extravars={"segment": "OUTPATIENT"},
        expect_ok=False,
    ),
    Scenario(
        name="reconnect-segment",
        plan_item="P5.6",
        title="Reconnect the outpatient VLAN first, while the doctor workstation's later isolation "
        "on the same core stays in force",
        playbook="reconnect",
        extravars={
            "segment": "OUTPATIENT",
            "cleanup_by": "drill",
            "cleanup_scan": "8/8 workstations reimaged and scanned: clean",
        },
        after=(
            LabStep("reach", ("opd-reg-01", "his-db-1")),
            LabStep("cut", ("doc-04", "his-db-1")),
        ),
    ),
    Scenario(
        name="reconnect-host",
        plan_item="P5.6",
        title="Reconnect the workstation after the clean-up: configurations equal the recorded ones",
        playbook="reconnect",
        extravars={
            "host": "10.10.50.104",
            "cleanup_by": "drill",
            "cleanup_scan": "AV full scan: clean",
        },
        after=(LabStep("reach", ("doc-04", "his-db-1")),),
    ),
    Scenario(
        name="isolate-host-partial",
        plan_item="P5.2",
        title="AGG-2 is flooded and does not answer: the nurse station is blocked at the core, "
        "recorded as partial (its port left open, and why)",
        playbook="isolate",
        extravars={"host": "10.10.40.101", "reason": "drill: worm on a nurse station"},
        before=(LabStep("fault", ("AGG-2", "unreachable")),),
        after=(LabStep("cut", ("nurse-01", "his-db-1")),),
        cleanup=(LabStep("clear", ("AGG-2",)),),
    ),
    Scenario(
        name="isolate-host-complete",
        plan_item="P5.2",
        title="AGG-2 answers again: the same isolation is completed (the access port shut)",
        playbook="isolate",
        extravars={"host": "10.10.40.101", "reason": "drill: worm on a nurse station"},
    ),
    Scenario(
        name="reconnect-host-completed",
        plan_item="P5.6",
        title="Reconnect the nurse station: core and AGG-2 back to their recorded configurations",
        playbook="reconnect",
        extravars={
            "host": "10.10.40.101",
            "cleanup_by": "drill",
            "cleanup_scan": "reimaged: clean",
        },
        after=(LabStep("reach", ("nurse-01", "his-db-1")),),
    ),
    Scenario(
        name="vendor-access",
        plan_item="P4.5",
        title="Vendor access to AGG-1 for 30 minutes: the switch's own time range closes it",
        playbook="vendor_access",
        extravars={
            "device": "AGG-1",
            "vendor_ip": "10.10.100.10",
            "minutes": 30,
            "approved_by": "drill: head of IT",
        },
    ),
    Scenario(
        name="vendor-access-close",
        plan_item="P4.5",
        title="Close the vendor's window early (rule, time range and VTY ACL removed)",
        playbook="vendor_access_close",
        extravars={"device": "AGG-1", "vendor_ip": "10.10.100.10"},
    ),
    Scenario(
        name="spare-readiness",
        plan_item="P4.1",
        title="Every production switch has a spare of its model and firmware and a fresh backup",
        playbook="spare_readiness",
    ),
    Scenario(
        name="spare-swap-refused",
        plan_item="P4.1",
        title="A spare of another model is refused, each difference named, nothing changed",
        playbook="spare_swap",
        extravars={"failed": "AGG-3", "spare": "SPARE-S5735"},
        expect_ok=False,
    ),
    Scenario(
        name="spare-swap-preview",
        plan_item="P4.1",
        title="Preview AGG-1's replacement by SPARE-S5735 from its last backup (check mode)",
        playbook="spare_swap",
        extravars={"failed": "AGG-1", "spare": "SPARE-S5735"},
        check=True,
    ),
    Scenario(
        name="daily-inspection",
        plan_item="P4.3",
        title="Daily inspection with ACC-3 down: a critical finding, the run goes on to the "
        "sheet, JSON, textfile and the Nagios line",
        playbook="daily_inspection",
        extravars={"daily_inspection_language": "en"},
        expect_text="INSPECTION CRITICAL - ",
        before=(LabStep("fault", ("ACC-3", "unreachable")),),
        cleanup=(LabStep("clear", ("ACC-3",)),),
    ),
]


# The real spare swap (AGG-1 powered off, SPARE-S5735 takes its configuration and its
# cables) while an infected pharmacy workstation on AGG-1 is isolated: the swap carries the
# isolation onto the spare, and the reconnection undoes it there. Last in the drill: the
# reconnection's clean-up resets the whole lab to its startup state.
ISOLATE_BEFORE_SWAP = Scenario(
    name="isolate-host-before-swap",
    plan_item="P5.2",
    title="A pharmacy workstation on AGG-1 is isolated (virus); AGG-1 will die with it isolated",
    playbook="isolate",
    extravars={"host": "10.10.30.101", "reason": "drill: virus on pharm-01"},
    after=(LabStep("cut", ("pharm-01", "his-db-1")),),
)
SPARE_SWAP = Scenario(
    name="spare-swap",
    plan_item="P4.1",
    title="AGG-1 dies: SPARE-S5735 takes its configuration and pharm-01's open isolation, is "
    "re-cabled, its wards are back and pharm-01 stays cut off",
    playbook="spare_swap",
    extravars={"failed": "AGG-1", "spare": "SPARE-S5735"},
    before=(
        LabStep("power-off", ("AGG-1",)),
        LabStep("cut", ("opd-reg-01", "his-db-1")),
    ),
    after=(
        LabStep("recable", ("AGG-1", "SPARE-S5735")),
        LabStep("reach", ("opd-reg-01", "his-db-1")),
        LabStep("reach", ("pharm-02", "his-db-1")),
        LabStep(
            "cut", ("pharm-01", "pharm-02")
        ),  # its port on the spare is shut, not only the core's block
    ),
)
RECONNECT_AFTER_SWAP = Scenario(
    name="reconnect-after-swap",
    plan_item="P5.6",
    title="pharm-01 is clean: its isolation is undone on the spare, proved line for line",
    playbook="reconnect",
    extravars={"host": "10.10.30.101", "cleanup_by": "drill", "cleanup_scan": "reimaged: clean"},
    after=(LabStep("reach", ("pharm-01", "his-db-1")), LabStep("reach", ("pharm-01", "pharm-02"))),
    cleanup=(LabStep("reset"), LabStep("forget-host-vars", ("AGG-1",))),
)

SCENARIOS.extend([ISOLATE_BEFORE_SWAP, SPARE_SWAP, RECONNECT_AFTER_SWAP])

# Scenarios that run only when named with --only (none at present).
OPTIONAL_SCENARIOS: list[Scenario] = []


@dataclass
class Outcome:
    scenario: Scenario
    result: runner.RunResult | None
    seconds: float
    error: str = ""
    steps: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        if self.result is None or self.error:
            return False
        return self.result.ok == self.scenario.expect_ok

    def output(self) -> str:
        """What the playbook printed (ansible-runner keeps it beside the run's record)."""
        if self.result is None:
            return ""
        try:
            return (self.result.artifacts / "stdout").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def run_drill(
    inventory: Path, scenarios: list[Scenario], *, quiet: bool = True, progress: Any = None
) -> list[Outcome]:
    """``progress`` (hisops.incident.drills.DrillProgress): told of each scenario as it
    starts and ends, so the drill shows where it is and scores each against the clocks."""
    outcomes = []
    for index, scenario in enumerate(scenarios, 1):
        if progress:
            progress.start(index, scenario)
        outcomes.append(run_scenario(inventory, scenario, quiet=quiet))
        if progress:
            progress.finish(outcomes[-1])
    return outcomes


def run_scenario(inventory: Path, scenario: Scenario, *, quiet: bool = True) -> Outcome:
    """The scenario's lab steps around its playbook; every failure lands in the outcome."""
    start = time.monotonic()
    outcome = Outcome(scenario, None, 0.0)
    client = None
    if scenario.before or scenario.after or scenario.cleanup:
        from hisops.lab.client import LabClient

        client = LabClient(_lab_state_dir(inventory))

    def steps(which: tuple[LabStep, ...]) -> None:
        for step in which:
            outcome.steps.append(run_lab_step(step, client, inventory))

    try:
        steps(scenario.before)
        outcome.result = runner.run_playbook(
            scenario.playbook,
            inventory=inventory,
            extravars=dict(scenario.extravars),
            check=scenario.check,
            quiet=quiet,
        )
        if outcome.result.ok == scenario.expect_ok:
            if scenario.expect_text and scenario.expect_text not in outcome.output():
                outcome.error = f"the run did not say {scenario.expect_text!r}"
            else:
                steps(scenario.after)
    except Exception as exc:  # noqa: BLE001 - a drill reports every scenario
        outcome.error = str(exc)
    finally:
        try:
            steps(scenario.cleanup)
        except Exception as exc:  # noqa: BLE001
            outcome.error = outcome.error or f"clean-up: {exc}"
        outcome.seconds = time.monotonic() - start
    return outcome


def _lab_state_dir(inventory: Path) -> Path:
    """The running lab's state directory: the lab writes its inventory there."""
    return inventory.parent


def write_summary(outcomes: list[Outcome], directory: Path, progress: Any = None) -> Path:
    """The drill's JSON summary; with ``progress`` (DrillProgress, closed) also the drill
    incident's number and each scenario's score against the clock (P9.2)."""
    directory.mkdir(parents=True, exist_ok=True)
    scores = {s.name: s for s in (progress.scores if progress else [])}
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"drill-{stamp}.json"
    data = {
        "operator": runner.operator_name(),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(),
        "passed": all(o.passed for o in outcomes),
        "incident": progress.incident if progress else None,
        "scenarios": [
            {
                "name": o.scenario.name,
                "plan_item": o.scenario.plan_item,
                "title": o.scenario.title,
                "passed": o.passed,
                "seconds": round(o.seconds, 2),
                "error": o.error,
                "lab_steps": o.steps,
                "run": o.result.to_dict() if o.result else None,
                "clock": (
                    {
                        "threshold_seconds": scores[o.scenario.name].threshold.total_seconds(),
                        "within": scores[o.scenario.name].within,
                    }
                    if o.scenario.name in scores
                    else None
                ),
            }
            for o in outcomes
        ],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def print_outcomes(outcomes: list[Outcome]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="hisops emergency drill")
    for column in ("scenario", "plan", "result", "seconds", "run record"):
        table.add_column(column)
    for o in outcomes:
        verdict = "[green]PASS[/]" if o.passed else "[red]FAIL[/]"
        record = str(o.result.record) if o.result and o.result.record else o.error
        table.add_row(o.scenario.name, o.scenario.plan_item, verdict, f"{o.seconds:.1f}", record)
    console = Console()
    console.print(table)
    for o in outcomes:
        if o.steps:
            console.print(f"{o.scenario.name} (lab): " + "; ".join(o.steps))


def cmd_drill(args: argparse.Namespace) -> int:
    from hisops import labctl as control

    if args.only:
        wanted = [s for s in SCENARIOS + OPTIONAL_SCENARIOS if s.name in args.only]
    else:
        wanted = list(SCENARIOS)
    if args.only and len(wanted) != len(set(args.only)):
        known = ", ".join(s.name for s in SCENARIOS + OPTIONAL_SCENARIOS)
        print(f"hisops drill: unknown scenario in {args.only}; known: {known}")
        return 2
    try:
        inventory, started_here = control.ensure_lab(topology=args.topology)
    except control.LabUnavailable as exc:  # e.g. another lab holds the addresses: no traceback
        print(f"hisops drill: {exc}", file=sys.stderr)
        return 1
    from hisops.incident.drills import DrillProgress

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    progress = DrillProgress(
        len(wanted), runner.REPO_ROOT / "var" / "drills" / f"drill-{stamp}.log"
    )
    try:
        print(f"lab inventory: {inventory}")
        outcomes = run_drill(inventory, wanted, quiet=not args.verbose, progress=progress)
    finally:
        if started_here and not args.keep_lab:
            control.stop_lab()
    progress.close()
    print_outcomes(outcomes)
    summary = write_summary(outcomes, runner.REPO_ROOT / "var" / "drills", progress)
    print(f"drill summary: {summary}")
    return 0 if all(o.passed for o in outcomes) else 1


def register(sub: argparse._SubParsersAction) -> None:
    drill = sub.add_parser(
        "drill",
        help="boot the lab and rehearse the emergency plan against it",
        description="Boots the lab (unless it is up) and runs every drill scenario; "
        "each leaves a run record. Exit 0 only when every scenario behaved as the plan says.",
    )
    drill.add_argument("--only", action="append", metavar="SCENARIO", help="run only these")
    drill.add_argument("--topology", help="lab topology file (default: the hospital)")
    drill.add_argument("--keep-lab", action="store_true", help="leave the lab running")
    drill.add_argument("-v", "--verbose", action="store_true", help="show playbook output")
    drill.set_defaults(func=cmd_drill)
