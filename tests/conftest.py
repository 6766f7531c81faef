"""Shared test setup: the collection is importable as ansible_collections.hisops.emergency."""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS = REPO_ROOT / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))

os.environ.setdefault("ANSIBLE_CONFIG", str(REPO_ROOT / "ansible.cfg"))
VENV_BIN = str(Path(sys.executable).parent)
if VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = VENV_BIN + os.pathsep + os.environ.get("PATH", "")

# The lab fixtures (``lab``, ``fresh_lab``; ``start_lab`` for a module's own lab) are a
# plugin in tests/lab/lab_fixtures.py (pyproject puts tests/lab on pytest's path), so
# tests/lab and tests/integration both use them as ordinary fixtures.
pytest_plugins = ["lab_fixtures", "cpu_accounting"]


# -- pytest-xdist (scripts/gates/pytest.sh runs the suite with -n N) ----------------------
# Tests wait on labs (SSH, timers, PostgreSQL) more than they compute, so they run in
# parallel, a whole file per worker (its module fixtures boot once). Every worker has its
# own session, so its own ``lab`` (see lab_fixtures). Each scope below runs on one worker,
# its files in the order given:
#   tests/lab/hosts/  shares one session fleet, and its slow-host tests each assert that
#                     the lab's traffic shaper on ``lo`` (one per machine) is gone after them.
#   HOSPITAL_TWIN     three files on one hospital twin with its hosts (lab_fixtures'
#                     ``hospital_twin``: 10-20 CPU-s and 80-100 s a boot on a loaded machine),
#                     booted for the first and stopped after the last. Each works in a
#                     directory of its own and leaves the lab as the next one needs it: the
#                     pharmacy isolated and reconnected; the DB pair built, failed over
#                     twice and rejoined (his-db-1 primary); the inspection's faults last
#                     (ACC-3 and backup-1 cleared after it, the CORE-1/AGG-2 link left cut
#                     and his-db-2 off: nothing runs after it).
HOSPITAL_TWIN = "tests/integration/ (hospital twin)"
SHARED_SCOPES: dict[str, tuple[str, ...]] = {
    "tests/lab/hosts/": ("tests/lab/hosts/",),
    HOSPITAL_TWIN: (
        "tests/integration/test_client_isolation.py",
        "tests/integration/test_db_fence_switch.py",
        "tests/integration/test_daily_inspection.py",
    ),
}
# The slowest scopes start first, so that the run does not end on one long file started
# last: each scope's seconds in the last run are kept in pytest's cache, and the collection
# is ordered by them (every worker reads the same cache, so all collect the same order; the
# gate keeps that order with --no-loadscope-reorder). A clean clone has no cache:
# KNOWN_SECONDS stands in for it.
SCOPE_SECONDS_KEY = "hisops/scope_seconds"
# Where the cache has no figure for a scope (a clean clone, as CI runs), the seconds of a
# CI-like run stand in: the clean clone of 5a10ada (4 workers, molecule and sanity beside
# them, nothing else running; /tmp's .pytest_cache of that run). Only the order matters,
# longest first; every lab file is listed (and every other file of 20 s or more), so that
# a new lab file is the only one taken as UNMEASURED_LAB_SECONDS long: it starts among the
# long ones (a run of c77986a ended on test_backup_run.py, new and unlisted, started last
# at 795 s and alone for its last 130 s). The short files fill the end: in that run the
# four workers' sums differed by less than 30 s, and the CPU went under 100 % from 760 s
# only because molecule and sanity had ended (4 workers that mostly wait cannot fill 2
# cores alone).
KNOWN_SECONDS = {
    "tests/integration/test_db_pair_ops.py": 700,
    "tests/integration/test_db_pair.py": 598,
    "tests/integration/test_backup_run.py": 608,
    # test_client_isolation 118 s, test_db_fence_switch 452 s, test_daily_inspection 154 s
    # on three labs; one boot (about 90 s each on that run) is left
    HOSPITAL_TWIN: 545,
    "tests/integration/test_client_rollback.py": 240,
    "tests/integration/test_switch_plan.py": 229,
    "tests/integration/test_client_rollout.py": 211,
    "tests/integration/test_client_deliberate.py": 125,
    # 157 s in that run, about 80 s of it a failure fixed since (eec2fa5)
    "tests/lab/hosts/": 100,
    "tests/integration/test_spare_swap.py": 94,
    "tests/integration/test_ruijie_playbooks.py": 74,
    "tests/integration/test_switch_acl.py": 69,
    "tests/lab/test_lab_ssh.py": 51,
    "tests/integration/test_isolation_overlap.py": 48,
    "tests/integration/test_isolation.py": 47,
    "tests/integration/test_vendor_access.py": 41,
    "tests/reliability/test_network_campaign.py": 30,
    "tests/integration/test_spare_readiness.py": 30,
    "tests/integration/test_spare_numbering.py": 29,
    "tests/lab/devices/test_netmiko_ruijie.py": 27,
    "tests/reliability/test_clients_campaign.py": 25,
    "tests/integration/test_switch_locks.py": 22,
    "tests/lab/devices/test_netmiko_huawei.py": 21,
    "tests/integration/test_safety_net.py": 11,
    "tests/integration/test_schedules.py": 9,
    "tests/integration/test_hostkeys.py": 5,
    "tests/integration/test_console_browser.py": 3,
    "tests/reliability/test_db_pair_campaign.py": 1,
}
UNMEASURED_LAB_SECONDS = 150.0


def _member(path: str) -> tuple[str, int]:
    """(scope, rank in it) of a test file: its SHARED_SCOPES scope, else the file itself."""
    for scope, members in SHARED_SCOPES.items():
        for rank, member in enumerate(members):
            if path.startswith(member):
                return scope, rank
    return path, 0


def scope_of(nodeid: str) -> str:
    return _member(nodeid.split("::", 1)[0])[0]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """A file per work unit (as --dist loadfile), SHARED_SCOPES a unit each."""
    if config.getoption("dist") not in ("load", "loadfile"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LabScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

        def _reschedule(self, node) -> None:
            # xdist gives a worker its next file when 2 tests of the current one are left;
            # here only when 1 is (a worker holds its last test until it knows what comes
            # next): a file waits less behind the long last tests of another.
            busy = self._pending_of(self.assigned_work[node]) > 1
            if busy and not node.shutting_down and self.workqueue:
                return
            super()._reschedule(node)

    return LabScheduling(config, log)


def _last_seconds(config) -> dict[str, float]:
    """The controller reads the cache once and hands it to every worker (workers reading
    it themselves could see another run's update and collect in another order)."""
    if hasattr(config, "workerinput"):
        return config.workerinput.get(SCOPE_SECONDS_KEY, {})
    if not hasattr(config, "_hisops_scope_seconds"):
        cache = getattr(config, "cache", None)  # None under -p no:cacheprovider
        last = cache.get(SCOPE_SECONDS_KEY, {}) if cache else {}
        config._hisops_scope_seconds = {**KNOWN_SECONDS, **last}
    return config._hisops_scope_seconds


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # xdist: controller side, once per worker
    node.workerinput[SCOPE_SECONDS_KEY] = _last_seconds(node.config)


def expected_seconds(seconds: dict[str, float], scope: str) -> float:
    """A scope's seconds in the last run; a lab file never measured: UNMEASURED_LAB_SECONDS."""
    if scope in seconds:
        return seconds[scope]
    if scope.startswith(("tests/integration/", "tests/reliability/")):
        return UNMEASURED_LAB_SECONDS
    return 0.0


def pytest_collection_modifyitems(config, items) -> None:
    seconds = _last_seconds(config)
    if not seconds:
        return
    # longest scope first; a scope's tests together (its first appearance keeps scopes of
    # equal seconds in collection order), its files in SHARED_SCOPES order
    first: dict[str, int] = {}
    keys = {}
    for index, item in enumerate(items):
        scope, rank = _member(item.nodeid.split("::", 1)[0])
        first.setdefault(scope, index)
        keys[item.nodeid] = (-expected_seconds(seconds, scope), first[scope], rank)
    items.sort(key=lambda item: keys[item.nodeid])


_scope_seconds: dict[str, float] = {}
# The run's timeline, for the terminal summary: when each scope's first and last report
# came (seconds from the start) and how busy the machine's CPUs were meanwhile, so that a
# slow run tells whether it was short of CPU or waiting on one long file at the end.
_started = time.monotonic()
_scope_span: dict[str, list[float]] = {}
_cpu_samples: list[tuple[float, int, int]] = []


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot (0, 0 where /proc/stat is missing)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def pytest_runtest_logreport(report) -> None:
    # on the xdist controller (or a plain run): every worker's reports arrive here
    scope = scope_of(report.nodeid)
    _scope_seconds[scope] = _scope_seconds.get(scope, 0.0) + report.duration
    now = time.monotonic() - _started
    span = _scope_span.setdefault(scope, [now - report.duration, now])
    span[1] = now
    if not _cpu_samples or now - _cpu_samples[-1][0] >= 30:
        _cpu_samples.append((now, *_cpu_jiffies()))


def pytest_terminal_summary(terminalreporter, config) -> None:
    if hasattr(config, "workerinput") or not _scope_span:
        return
    write = terminalreporter.write_line
    terminalreporter.section("timeline (s from start: scopes of 20 s or more, by end)")
    for scope, (first, last) in sorted(_scope_span.items(), key=lambda item: item[1][1]):
        if _scope_seconds.get(scope, 0.0) >= 20:
            write(f"{first:6.0f} -> {last:6.0f}  {scope}")
    _cpu_samples.append((time.monotonic() - _started, *_cpu_jiffies()))
    busy = [
        f"{int(t0)}-{int(t1)} s {100 * (b1 - b0) / (n1 - n0):.0f}%"
        for (t0, b0, n0), (t1, b1, n1) in itertools.pairwise(_cpu_samples)
        if n1 > n0
    ]
    if busy:
        write("CPU busy (all cores, whole machine): " + "; ".join(busy))


def pytest_sessionfinish(session) -> None:
    config = session.config
    cache = getattr(config, "cache", None)
    if hasattr(config, "workerinput") or not cache or not _scope_seconds:
        return
    seconds = cache.get(SCOPE_SECONDS_KEY, {})
    seconds.update({scope: round(value, 1) for scope, value in _scope_seconds.items()})
    cache.set(SCOPE_SECONDS_KEY, seconds)
