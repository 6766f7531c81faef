"""The database pair campaign (issue 16): many cycles on the SAME PostgreSQL 15 primary/
hot-standby pair of real lab hosts, a writer committing throughout.

A cycle is one operation of an operator's year, in the pair's mode of the moment (async or
sync, switched by ``db_standby_build -e db_standby_build_sync_mode=...`` when the cycle
asks for the other one):

* ``switchover``: ``db_switchover`` to the standby (so both ways, as the roles alternate);
* ``crash_failover``: ``kill -9`` of the primary's PostgreSQL (the lab's ``crash`` fault),
  ``db_failover`` (with ``accept_data_loss``: a crashed primary's gap is unknown, even in
  sync mode), ``db_rejoin`` of the old primary;
* ``standby_crash``: ``kill -9`` of the standby's PostgreSQL, the writer goes on (in sync
  mode after the sync-degrade service's 5 s), ``db_rejoin`` brings it back;
* ``port_fenced_failover`` (``--fence switch_port`` only): the primary cut off the network,
  alive (the lab's ``unreachable`` host fault: a partition; every other one of them also
  powered off by the failover's site command), ``db_failover`` fenced by its switch port
  (``fence=[switch_port]``, or ``[switch_port, site_command]`` with ``fence_all``), the
  host back, still a writable primary behind its shut port: it must answer neither SSH
  nor PostgreSQL until ``db_rejoin`` has brought the port up behind the SSH-only filter,
  fenced PostgreSQL over SSH, rejoined it and closed the fence's isolation.

Every rejoin is followed by ``db_status``, which must be GO for a switchover. Invariants,
after every step (the mode switch included):

* the split-brain detector (a thread polling ``pg_is_in_recovery()`` on both nodes every
  50 ms) never saw two writable primaries in one round;
* no acknowledged commit is missing on the primary, except those a failover lost with
  accept_data_loss while they were not protected: commits acknowledged in async mode, or
  while the pair was degraded to async (standby gone, sync mode) - those two are counted
  apart. A commit acknowledged while the pair was sync and missing after a failover, or any
  commit missing after a switchover, breaks the invariant;
* one primary and one standby after every step.

PANIC lines in the servers' logs and the timeline reached are reported.

``--fence switch_port`` runs the campaign on the twin lab (switches in front of the real
hosts, as tests/integration/test_db_fence_switch.py boots it: ``hisops lab up --hosts``)
instead of the DB pair tests' host fleet, and adds ``port_fenced_failover`` to the cycles.

    python reliability/db_pair.py --seed N --cycles 20 [--fence switch_port]
"""

from __future__ import annotations

import importlib
import json
import math
import random
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

if __package__ in (None, ""):
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

import psycopg  # noqa: E402

CAMPAIGN = "db_pair"
LAB_MODULE = "tests.integration.db_pair_lab"
OPERATIONS = ("switchover", "crash_failover", "standby_crash")
PORT_FENCED = "port_fenced_failover"
TWIN_OPERATIONS = (*OPERATIONS, PORT_FENCED)
FENCES = ("ssh", "switch_port")
MODES = ("async", "sync")
# the port-fenced failover's two ways of losing the primary, alternating in each mode
VARIANTS = ("partition", "power_off")
PG_LOG = "/var/log/postgresql/postgresql-15-main.log"
DEGRADE_RECORD = "/var/lib/postgresql/hisops-sync-degrade-15-main.json"
POLL_S = 0.05
# A peer cut off the network drops packets silently: without a TCP user timeout a query in
# flight waits for the kernel's retransmissions (~15 min). The writer and the detector
# give up on a silent connection as a hospital client should, and reconnect.
SILENT_PEER = " tcp_user_timeout={ms} keepalives_idle=1 keepalives_interval=1 keepalives_count=2"


def plan(
    rng: random.Random, cycles: int, operations: tuple[str, ...] = OPERATIONS
) -> list[tuple[str, str]]:
    """``cycles`` (operation, mode) pairs: every operation in every mode as evenly as the
    count allows, in a seeded order."""
    combos = [(op, mode) for op in operations for mode in MODES]
    cycle_plan = combos * math.ceil(cycles / len(combos))
    rng.shuffle(cycle_plan)
    return cycle_plan[:cycles]


# ------------------------------------------------------------------------------ the checker
def classify(
    missing: list[int], acked_at: dict[int, float], windows: list[tuple[float, str]]
) -> dict[str, list[int]]:
    """The missing commits by the pair's protection when each was acknowledged: ``sync``,
    ``degraded`` or ``async`` (``windows``: (since, mode), in time order)."""
    out: dict[str, list[int]] = {"sync": [], "degraded": [], "async": []}
    for n in missing:
        at = acked_at.get(n, 0.0)
        mode = "async"
        for since, m in windows:
            if since <= at:
                mode = m
            else:
                break
        out[mode].append(n)
    return out


def check_state(
    roles: dict[str, str],
    both_primary: list[dict[str, Any]],
    missing_now: list[int],
    accepted: set[int],
    step_problems: list[str],
) -> list[str]:
    """The invariants, from what was read (pure: unit-tested on broken states)."""
    problems = list(step_problems)
    if both_primary:
        first = both_primary[0]
        problems.append(
            f"split brain: {len(both_primary)} poll round(s) saw two writable primaries "
            f"(first at +{first['at']:.2f} s: {first})"
        )
    primaries = sorted(n for n, r in roles.items() if r == "primary")
    standbys = sorted(n for n, r in roles.items() if r == "standby")
    if len(primaries) != 1 or len(standbys) != 1:
        problems.append(f"the pair is not one primary and one standby: {roles}")
    lost = [n for n in missing_now if n not in accepted]
    if lost:
        problems.append(
            f"{len(lost)} acknowledged commit(s) missing on the primary and never accepted "
            f"as lost: {lost[:10]}"
        )
    return problems


def variants(cycle_plan: list[tuple[str, str]]) -> dict[int, str]:
    """cycle -> how its port-fenced failover loses the primary: in each mode alternately a
    partition (alive, cut off) and a partition the failover's site command powers off."""
    seen = dict.fromkeys(MODES, 0)
    out: dict[int, str] = {}
    for cycle, (op, mode) in enumerate(cycle_plan):
        if op == PORT_FENCED:
            out[cycle] = VARIANTS[seen[mode] % len(VARIANTS)]
            seen[mode] += 1
    return out


def fence_problems(
    old: str,
    answered: dict[int, bool],
    fenced: list[dict[str, Any]],
    after: dict[str, Any] | None,
) -> list[str]:
    """The switch-port fence held (pure: unit-tested). ``answered``: which of the old
    primary's ports (22, 5432) answered once the host itself was fine again, before the
    rejoin; ``fenced``: its open fence isolations after the failover; ``after``: that
    isolation's record after the rejoin."""
    problems = [
        f"{old} answered on port {port} behind its fenced switch port before the rejoin"
        for port, yes in sorted(answered.items())
        if yes
    ]
    if len(fenced) != 1:
        problems.append(f"{len(fenced)} open switch-port fence isolation(s) of {old}: {fenced}")
        return problems
    if after is None or after.get("state") != "closed":
        state = after.get("state") if after else "missing"
        problems.append(
            f"the fence isolation {fenced[0].get('id')} not closed by the rejoin: {state}"
        )
    elif not str(after.get("fence_proof", "")).startswith("fenced over SSH"):
        problems.append(
            f"the rejoin closed fence {fenced[0].get('id')} without fencing PostgreSQL over "
            f"SSH first: {after.get('fence_proof')!r}"
        )
    return problems


# ------------------------------------------------------------------------------ the watchers
class SplitBrainDetector:
    """Polls ``pg_is_in_recovery()`` on both nodes every 50 ms; a round where both answer
    false is a split brain."""

    def __init__(self, conninfo: dict[str, str]) -> None:
        self.conninfo = conninfo
        self.rounds = 0
        self.both_primary: list[dict[str, Any]] = []
        self.longest_round = 0.0
        self._conns: dict[str, psycopg.Connection | None] = dict.fromkeys(conninfo)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="split-brain")
        self._t0 = time.monotonic()

    def __enter__(self) -> SplitBrainDetector:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for conn in self._conns.values():
            if conn is not None:
                conn.close()

    def _writable(self, node: str) -> bool | None:
        conn = self._conns[node]
        try:
            if conn is None or conn.closed:
                conn = self._conns[node] = psycopg.connect(
                    self.conninfo[node] + " connect_timeout=1" + SILENT_PEER.format(ms=1000),
                    autocommit=True,
                )
            row = conn.execute("SELECT NOT pg_is_in_recovery()").fetchone()
            return bool(row and row[0])
        except psycopg.Error:
            if conn is not None:
                conn.close()
            self._conns[node] = None
            return None

    def _run(self) -> None:
        while not self._stop.is_set():
            begun = time.monotonic()
            seen = {node: self._writable(node) for node in self.conninfo}
            self.rounds += 1
            if all(seen.values()):
                self.both_primary.append({"at": begun - self._t0, "seen": seen})
            took = time.monotonic() - begun
            self.longest_round = max(self.longest_round, took)
            self._stop.wait(max(0.0, POLL_S - took))


# ------------------------------------------------------------------------------ the campaign
class DbPair:
    """The campaign on a built, streaming pair (``pair``: the tests' ``Pair``)."""

    def __init__(self, pair: Any, lab: ModuleType, cycle_plan: list[tuple[str, str]]) -> None:
        self.pair, self.lab = pair, lab
        self.nodes = (lab.DB1, lab.DB2)
        self.cycle_plan = cycle_plan
        self.steps: list[tuple[int, str, str]] = []  # (cycle, action, mode)
        self.mode = self._mode_now()
        current = self.mode
        for cycle, (op, mode) in enumerate(cycle_plan):
            if mode != current:
                self.steps.append((cycle, "set_mode", mode))
                current = mode
            self.steps.append((cycle, op, mode))
        self.variants = variants(cycle_plan)
        self.windows: list[tuple[float, str]] = [(0.0, self.mode)]
        self.accepted: set[int] = set()
        self.lost: dict[str, list[int]] = {"sync": [], "degraded": [], "async": []}
        self.step_problems: list[str] = []
        self.timelines: list[int] = []
        self.panics: list[str] = []
        self.failovers = {"sync": 0, "async": 0}
        self.port_fenced = {"sync": 0, "async": 0}
        self.switchovers = 0
        self.rejoins: list[str] = []
        self.playbooks = 0
        self._log_offsets: dict[str, int] = {}
        for node in self.nodes:  # PANICs of this run only
            log = pair.fleet.path(node, PG_LOG)
            self._log_offsets[node] = log.stat().st_size if log.exists() else 0
        self.writer: Any = None
        self.detector: SplitBrainDetector | None = None

    # the run's life
    def __enter__(self) -> DbPair:
        self.detector = SplitBrainDetector(
            {n: self.pair.fleet.conninfo(n, user="postgres") for n in self.nodes}
        ).__enter__()
        self.writer = self.lab.Writer(
            self.pair.multi_host() + SILENT_PEER.format(ms=2000)
        ).__enter__()
        self.writer.wait_for(20)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.writer is not None:
            self.writer.__exit__()
        if self.detector is not None:
            self.detector.__exit__()

    # helpers
    def _mode_now(self) -> str:
        primary = self.primary()
        with self.pair.superuser(primary) as conn:
            names = conn.execute("SHOW synchronous_standby_names").fetchone()[0]
        return "sync" if names else "async"

    def roles(self) -> dict[str, str]:
        return {n: self.pair.role(n) for n in self.nodes}

    def primary(self) -> str:
        return next(n for n, r in self.roles().items() if r == "primary")

    def other(self, node: str) -> str:
        return next(n for n in self.nodes if n != node)

    def play(self, playbook: str, **extravars: Any) -> Any:
        self.playbooks += 1
        return self.pair.play(playbook, **extravars)

    def must(self, run: Any, what: str) -> None:
        if run.rc != 0:
            raise AssertionError(f"{what} failed (rc {run.rc}): {run.stdout[-2500:]}")

    def window(self, mode: str) -> None:
        self.windows.append((time.monotonic(), mode))

    def wait_sync(self, primary: str, standby: str, timeout: float = 60) -> None:
        """Until the standby is the primary's sync standby and its degrade record says sync."""
        deadline = time.monotonic() + timeout
        record = self.pair.fleet.path(primary, DEGRADE_RECORD)
        while True:
            with self.pair.superuser(primary) as conn:
                row = conn.execute(
                    "SELECT sync_state FROM pg_stat_replication WHERE application_name = %s "
                    "AND state = 'streaming'",
                    (standby,),
                ).fetchone()
            try:
                state = json.loads(record.read_text()).get("state")
            except (OSError, ValueError):
                state = None
            if row and row[0] == "sync" and state == "sync":
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{standby} not sync again within {timeout} s: {row}, record {state}"
                )
            time.sleep(0.2)

    def present(self, node: str) -> list[int]:
        """Acknowledged commits missing on ``node``, less those a failover lost already
        (accepted: counted when they were lost)."""
        gone = self.lab.missing(self.pair, node, list(self.writer.acked), self.writer.table)
        return [n for n in gone if n not in self.accepted]

    def timeline(self, node: str) -> int:
        """The timeline of the WAL ``node`` writes now (a checkpoint's lags a promotion)."""
        with self.pair.superuser(node) as conn:
            name = conn.execute("SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()[0]
        return int(name[:8], 16)

    def status(self, done: dict[str, Any]) -> None:
        run = self.play("db_status")
        self.must(run, "db_status")
        verdict = self.lab.report(self.pair)
        if not verdict["switchover"]["go"]:
            self.step_problems.append(f"db_status not GO: {verdict['switchover']['summary']}")

    def settle_writer(self, count: int = 30, timeout: float = 60) -> None:
        self.writer.wait_for(count, timeout=timeout)

    # the steps
    def step(self, index: int, rng: random.Random) -> dict[str, Any]:
        self.step_problems = []
        cycle, action, mode = self.steps[index]
        done: dict[str, Any] = {"action": action, "cycle": cycle, "mode": mode}
        self.settle_writer(10)
        getattr(self, "_" + action)(mode, done)
        self.settle_writer(10)
        done["timeline"] = self.timeline(self.primary())
        self.timelines.append(done["timeline"])
        done["acked"] = len(self.writer.acked)
        return done

    def _set_mode(self, mode: str, done: dict[str, Any]) -> None:
        primary = self.primary()
        if mode == "async":
            self.window("async")  # unprotected from the build's first reload on
        run = self.play("db_standby_build", db_standby_build_sync_mode=mode)
        self.must(run, f"db_standby_build sync_mode={mode}")
        if mode == "sync":
            self.wait_sync(primary, self.other(primary))
            self.window("sync")  # protected once in force
        self.mode = mode
        done["primary"] = primary

    def _switchover(self, mode: str, done: dict[str, Any]) -> None:
        old = self.primary()
        new = self.other(old)
        run = self.play("db_switchover", target=new)
        self.must(run, f"db_switchover to {new}")
        self.switchovers += 1
        done.update(old=old, new=new)
        if self.roles() != {new: "primary", old: "standby"}:
            self.step_problems.append(f"after the switchover to {new}: {self.roles()}")
        self.settle_writer(20)
        lost = self.present(new)
        done["lost"] = len(lost)
        if lost:
            self.step_problems.append(f"switchover to {new} lost acknowledged commits {lost[:10]}")
        if mode == "sync":
            self.wait_sync(new, old)

    def _crash_failover(self, mode: str, done: dict[str, Any]) -> None:
        old = self.primary()
        new = self.other(old)
        self.pair.fleet.fault(old, "crash")
        crashed = time.monotonic()
        if mode == "sync":
            # the new primary runs without its standby until the rejoin: degraded after 5 s
            self.windows.append((crashed, "degraded"))
        run = self.play("db_failover", accept_data_loss=True)
        self.must(run, f"db_failover to {new}")
        done.update(old=old, new=new, failover_s=round(time.monotonic() - crashed, 1))
        self.failovers[mode] += 1
        self.count_lost(new, done)
        self.rejoin_old(old, new, mode, done)

    def count_lost(self, new: str, done: dict[str, Any]) -> None:
        """After a failover: the commits missing on ``new``, by the window each was
        acknowledged in; those lost while sync break the invariant, the others are accepted."""
        self.settle_writer(20)
        missing = self.present(new)
        acked_at = dict(self.writer.acked)
        by_mode = classify(missing, acked_at, self.windows)
        for kind, numbers in by_mode.items():
            self.lost[kind] += numbers
        self.accepted |= set(by_mode["async"]) | set(by_mode["degraded"])
        done["lost"] = {k: len(v) for k, v in by_mode.items()}
        if by_mode["sync"]:
            self.step_problems.append(
                f"sync-mode failover to {new} lost {len(by_mode['sync'])} commit(s) "
                f"acknowledged while the pair was sync: {by_mode['sync'][:10]}"
            )

    def rejoin_old(self, old: str, new: str, mode: str, done: dict[str, Any]) -> Any:
        """``db_rejoin`` of the old primary, the roles, sync again, ``db_status``."""
        rejoin = self.play("db_rejoin")
        self.must(rejoin, f"db_rejoin of {old}")
        how = (
            "rewind"
            if "by rewind" in rejoin.stdout
            else "clone"
            if "clone" in rejoin.stdout
            else "other"
        )
        self.rejoins.append(how)
        done["rejoin"] = how
        if self.roles() != {new: "primary", old: "standby"}:
            self.step_problems.append(f"after the failover and rejoin: {self.roles()}")
        if mode == "sync":
            self.wait_sync(new, old)
            self.window("sync")
        self.status(done)
        return rejoin

    def _port_fenced_failover(self, mode: str, done: dict[str, Any]) -> None:
        """The primary cut off the network (alive; powered off too in the ``power_off``
        variant), the failover fencing it by its switch port, the host fine again behind
        the shut port, the rejoin lifting the fence in its stages."""
        fleet = self.pair.fleet
        old = self.primary()
        new = self.other(old)
        variant = self.variants[done["cycle"]]
        fleet.fault(old, "unreachable")  # alive, cut off: a network partition
        cut = time.monotonic()
        if mode == "sync":
            self.windows.append((cut, "degraded"))
        fence: dict[str, Any] = {"fence": ["switch_port"]}
        if variant == "power_off":
            fence = {
                "fence": ["switch_port", "site_command"],
                "fence_command": fleet.power_command(old, "power-off"),
                "fence_all": True,
            }
        run = self.play("db_failover", accept_data_loss=True, **fence)
        self.must(run, f"db_failover to {new} fenced by {fence['fence']}")
        done.update(old=old, new=new, variant=variant, failover_s=round(time.monotonic() - cut, 1))
        if "switch_port: " not in run.stdout:
            self.step_problems.append(f"db_failover did not report the switch_port fence of {old}")
        self.failovers[mode] += 1
        self.port_fenced[mode] += 1
        fenced = [
            r for r in fleet.isolations() if r.get("fence_of") == old and r.get("state") != "closed"
        ]
        fleet.clear(old, "unreachable")  # the host is fine again: only its port cuts it now
        if variant == "power_off":
            fleet.power(old, "power-on")  # its PostgreSQL starts as a primary, unreachable
        answered = {port: fleet.answers(old, port) for port in (22, 5432)}
        self.count_lost(new, done)
        self.rejoin_old(old, new, mode, done)
        after = next(
            (r for r in fleet.isolations() if fenced and r.get("id") == fenced[0].get("id")),
            None,
        )
        done["fence"] = fenced[0].get("id") if fenced else None
        self.step_problems += fence_problems(old, answered, fenced, after)

    def _standby_crash(self, mode: str, done: dict[str, Any]) -> None:
        primary = self.primary()
        standby = self.other(primary)
        self.pair.fleet.fault(standby, "crash")
        crashed = time.monotonic()
        if mode == "sync":
            self.windows.append((crashed, "degraded"))
        # the hospital writes on without its standby (in sync mode after the degrade)
        before = len(self.writer.acked)
        self.settle_writer(50, timeout=60)
        gap = max(
            (
                b - a
                for (_, a), (_, b) in zip(
                    self.writer.acked[before - 1 :], self.writer.acked[before:], strict=False
                )
            ),
            default=0.0,
        )
        done.update(primary=primary, standby=standby, writer_stall_s=round(gap, 2))
        rejoin = self.play("db_rejoin")
        self.must(rejoin, f"db_rejoin of {standby}")
        done["rejoin"] = "restart" if "by restart" in rejoin.stdout else "other"
        self.rejoins.append(done["rejoin"])
        if mode == "sync":
            self.wait_sync(primary, standby)
            self.window("sync")
        self.status(done)

    # the invariants
    def new_panics(self) -> list[str]:
        found = []
        for node in self.nodes:
            log = self.pair.fleet.path(node, PG_LOG)
            if not log.exists():
                continue
            with log.open("rb") as fh:
                fh.seek(self._log_offsets[node])
                text = fh.read().decode("utf-8", "replace")
                self._log_offsets[node] = fh.tell()
            found += [f"{node}: {line}" for line in text.splitlines() if "PANIC" in line]
        self.panics += found
        return found

    def check(self, index: int) -> list[str]:
        assert self.detector is not None
        if self.new_panics():
            print(f"PANIC in the servers' logs: {self.panics[-3:]}", file=sys.stderr)
        roles = self.roles()
        primary = next((n for n, r in roles.items() if r == "primary"), None)
        missing_now = self.present(primary) if primary else []
        problems = check_state(
            roles, self.detector.both_primary, missing_now, self.accepted, self.step_problems
        )
        rounds = self.detector.rounds
        if index >= 0 and rounds < 10:
            problems.append(f"the split-brain detector is not polling ({rounds} rounds)")
        return problems

    def figures(self, figures: Figures) -> Figures:
        assert self.detector is not None
        figures.extra.update(
            cycles=len(self.cycle_plan),
            cycle_plan=[f"{op}/{mode}" for op, mode in self.cycle_plan],
            timeline_reached=max(self.timelines, default=None),
            switchovers=self.switchovers,
            failovers=self.failovers,
            port_fenced_failovers=self.port_fenced,
            rejoins=dict(sorted({r: self.rejoins.count(r) for r in self.rejoins}.items())),
            commits_acknowledged=len(self.writer.acked),
            lost_commits_acknowledged_while_sync=len(self.lost["sync"]),
            lost_commits_while_degraded=len(self.lost["degraded"]),
            lost_commits_async=len(self.lost["async"]),
            split_brain_observations=len(self.detector.both_primary),
            detector_rounds=self.detector.rounds,
            detector_longest_round_s=round(self.detector.longest_round, 3),
            writer_longest_gap_s=round(self.writer.longest_gap(), 2),
            writer_errors=len(self.writer.errors),
            panics=self.panics,
            playbooks=self.playbooks,
        )
        return figures


def campaign(pair: Any, lab: ModuleType, seed: int, cycles: int, verbose: bool = False,
             cycle_plan: list[tuple[str, str]] | None = None,
             fence: str = "ssh") -> Figures:  # fmt: skip
    """``cycles`` cycles on ``pair`` (built and streaming), the invariants after every step
    (``fence`` switch_port: the twin lab's pair, port-fenced failovers among the cycles)."""
    operations = TWIN_OPERATIONS if fence == "switch_port" else OPERATIONS
    cycle_plan = cycle_plan or plan(random.Random(seed), cycles, operations)
    figures = Figures(CAMPAIGN, seed)
    with DbPair(pair, lab, cycle_plan) as run:
        run_campaign(CAMPAIGN, seed, len(run.steps), run.step, run.check, figures, verbose=verbose)
        return run.figures(figures)


# ------------------------------------------------------------------------------ the twin lab
class TwinFleet:
    """What the campaign asks of a host fleet, on the twin lab's hosts: paths, connection
    strings and credentials read from the fleet's state dir (``HostFleet`` reopened in this
    process); faults and power through the lab daemon, which keeps a host's own
    ``unreachable`` fault apart from the network's verdict (a shut switch port)."""

    def __init__(self, client: Any, state_dir: Path, workdir: Path) -> None:
        from hisops.lab.hosts import HostFleet

        self.client, self.state_dir, self.workdir = client, state_dir, workdir
        self.hosts = HostFleet(state_dir / "hosts")

    @property
    def specs(self) -> dict[str, Any]:
        return self.hosts.specs

    def path(self, name: str, path: str) -> Path:
        return self.hosts.path(name, path)

    def conninfo(self, name: str, user: str = "his_app", dbname: str | None = None) -> str:
        return self.hosts.conninfo(name, user=user, dbname=dbname)

    def credentials(self) -> dict[str, Any]:
        return self.hosts.credentials()

    def fault(self, name: str, kind: str, **options: Any) -> Any:
        return self.client.host_fault(name, kind, **options)

    def clear(self, name: str, kind: str | None = None) -> Any:
        return self.client.host_clear(name, kind)

    def power(self, name: str, action: str) -> Any:
        return self.client.host_power(name, action)

    def power_command(self, name: str, action: str) -> list[str]:
        """The site's power command for ``name`` (the failover's ``site_command`` fence)."""
        return [sys.executable, "-m", "hisops.cli", "lab", "--state-dir", str(self.state_dir),
                "host", "power", name, action]  # fmt: skip

    def answers(self, name: str, port: int) -> bool:
        """A TCP connection to ``name``'s ``port`` from the controller (a cut-off host's
        packets are dropped: 0.5 s is only waited on one)."""
        try:
            with socket.create_connection((self.specs[name].address, port), timeout=0.5):
                return True
        except OSError:
            return False

    def isolations(self) -> list[dict[str, Any]]:
        """The isolation store's records (the switch-port fences among them)."""
        records = []
        for path in sorted((self.workdir / "isolations").glob("*.json")):
            try:
                records.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                continue
        return records


@contextmanager
def boot_twin(tmp: _Temp, lab: ModuleType) -> Iterator[Any]:
    """The twin lab (switches and real hosts, ``hisops lab up --hosts`` as
    test_db_fence_switch.py starts it) with its pair built: his-db-1 primary, his-db-2 its
    async standby. The playbooks' stores under the lab's ``work`` dir, as that test has
    them (tests/integration/playbooks.py: HISOPS_ISOLATION_DIR and HISOPS_STATE_DIR)."""
    fixtures = importlib.import_module("lab_fixtures")
    state = tmp.mktemp("twin")
    client = fixtures.start_lab(state, hosts=True)
    try:
        workdir = state / "work"
        fleet = TwinFleet(client, state, workdir)
        pair = lab.Pair(fleet, Path(client.status()["inventory"]), workdir, fleet.credentials())
        built = pair.play("db_standby_build")
        assert built.rc == 0, built.stdout[-3000:]
        assert (pair.role(lab.DB1), pair.role(lab.DB2)) == ("primary", "standby")
        yield pair
    finally:
        fixtures.stop_lab(client)


class _Temp:
    """What ``boot`` asks of pytest's tmp_path_factory, outside pytest."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=name, dir=self.base))


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else CAMPAIGN, steps=0)
    parser.add_argument("--cycles", type=int, default=20, help="cycles (default %(default)s)")
    parser.add_argument(
        "--fence",
        choices=FENCES,
        default="ssh",
        help="switch_port: on the twin lab (switches in front of the hosts), with port-fenced "
        "failovers among the cycles (default %(default)s: the DB pair tests' host fleet)",
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else new_seed()
    print(f"db_pair campaign: seed {seed}, {args.cycles} cycles, fence {args.fence}", flush=True)
    lab = importlib.import_module(LAB_MODULE)
    base = Path(tempfile.mkdtemp(prefix="db_pair-"))
    started = time.monotonic()
    booted = boot_twin(_Temp(base), lab) if args.fence == "switch_port" else None
    try:
        with booted or lab.boot(_Temp(base), build=True) as pair:
            print(f"pair built in {time.monotonic() - started:.0f} s", flush=True)
            figures = campaign(pair, lab, seed, args.cycles, verbose=args.verbose, fence=args.fence)
    except CampaignFailed as exc:
        print(exc, file=sys.stderr)
        fence = " --fence switch_port" if args.fence == "switch_port" else ""
        print(
            f"replay: python reliability/db_pair.py --seed {seed} --cycles {args.cycles}{fence}",
            file=sys.stderr,
        )
        return 1
    finally:
        shutil.rmtree(base, ignore_errors=True)
    figures.extra["boot_and_build_s"] = round(time.monotonic() - started - figures.seconds, 1)
    finish(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
