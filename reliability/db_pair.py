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
  mode after the sync-degrade service's 5 s), ``db_rejoin`` brings it back.

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

PANIC lines in the servers' logs and the timeline reached are reported. The port-fenced
failover (``switch_port`` fence) needs the twin lab with switches
(tests/integration/test_db_fence_switch.py) and is not part of this campaign.

    python reliability/db_pair.py --seed N --cycles 20
"""

from __future__ import annotations

import importlib
import json
import math
import random
import shutil
import sys
import tempfile
import threading
import time
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
MODES = ("async", "sync")
PG_LOG = "/var/log/postgresql/postgresql-15-main.log"
DEGRADE_RECORD = "/var/lib/postgresql/hisops-sync-degrade-15-main.json"
POLL_S = 0.05


def plan(rng: random.Random, cycles: int) -> list[tuple[str, str]]:
    """``cycles`` (operation, mode) pairs: every operation in every mode as evenly as the
    count allows, in a seeded order."""
    combos = [(op, mode) for op in OPERATIONS for mode in MODES]
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
                    self.conninfo[node] + " connect_timeout=1", autocommit=True
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
        self.windows: list[tuple[float, str]] = [(0.0, self.mode)]
        self.accepted: set[int] = set()
        self.lost: dict[str, list[int]] = {"sync": [], "degraded": [], "async": []}
        self.step_problems: list[str] = []
        self.timelines: list[int] = []
        self.panics: list[str] = []
        self.failovers = {"sync": 0, "async": 0}
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
        self.writer = self.lab.Writer(self.pair.multi_host()).__enter__()
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
             cycle_plan: list[tuple[str, str]] | None = None) -> Figures:  # fmt: skip
    """``cycles`` cycles on ``pair`` (built and streaming), the invariants after every step."""
    cycle_plan = cycle_plan or plan(random.Random(seed), cycles)
    figures = Figures(CAMPAIGN, seed)
    with DbPair(pair, lab, cycle_plan) as run:
        run_campaign(CAMPAIGN, seed, len(run.steps), run.step, run.check, figures, verbose=verbose)
        return run.figures(figures)


class _Temp:
    """What ``boot`` asks of pytest's tmp_path_factory, outside pytest."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=name, dir=self.base))


def main(argv: list[str] | None = None) -> int:
    parser = arguments(__doc__.splitlines()[0] if __doc__ else CAMPAIGN, steps=0)
    parser.add_argument("--cycles", type=int, default=20, help="cycles (default %(default)s)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else new_seed()
    print(f"db_pair campaign: seed {seed}, {args.cycles} cycles", flush=True)
    lab = importlib.import_module(LAB_MODULE)
    base = Path(tempfile.mkdtemp(prefix="db_pair-"))
    started = time.monotonic()
    try:
        with lab.boot(_Temp(base), build=True) as pair:
            print(f"pair built in {time.monotonic() - started:.0f} s", flush=True)
            figures = campaign(pair, lab, seed, args.cycles, verbose=args.verbose)
    except CampaignFailed as exc:
        print(exc, file=sys.stderr)
        print(
            f"replay: python reliability/db_pair.py --seed {seed} --cycles {args.cycles}",
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
