"""CPU seconds per test and per file, labs included, in the terminal summary.

The suite is CPU-bound (issue 15: its length on 2 cores is about its CPU seconds / 2), so
what a file costs is its CPU, not its wall time, which depends on what ran beside it.
Each pytest process (every xdist worker, or the single process) moves itself into a
cpuacct cgroup of its own, below the one it was started in; everything it starts
afterwards - ansible-playbook runs, module runs on lab hosts, the lab daemon, PostgreSQL
servers, the hosts' sshd - is counted there (the lab hosts move to cgroups of their own in
the unified hierarchy only: cpuacct membership is inherited and stays). A test's figure
is the cgroup's usage across its setup, call and teardown, so a module fixture's boot is
charged to the file's first test and the background work of a file's lab to the file.

Where the cgroup v1 cpuacct hierarchy is missing or not writable (not root), nothing is
measured and nothing is printed. HISOPS_TEST_CPU=0 turns it off.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CPUACCT = Path("/sys/fs/cgroup/cpuacct")
_group: Path | None = None
_by_scope: dict[str, float] = {}
_by_test: dict[str, float] = {}
_total = 0.0


def _own_cgroup() -> Path | None:
    """Move this process into a new cpuacct cgroup below its current one."""
    if os.environ.get("HISOPS_TEST_CPU") == "0" or not (CPUACCT / "cpuacct.usage").exists():
        return None
    try:
        current = next(
            line.split(":", 2)[2]
            for line in Path("/proc/self/cgroup").read_text().splitlines()
            if "cpuacct" in line.split(":", 2)[1].split(",")
        )
        group = CPUACCT / current.lstrip("/") / f"hisops-pytest-{os.getpid()}"
        group.mkdir(exist_ok=True)
        (group / "cgroup.procs").write_text(str(os.getpid()))
    except (OSError, StopIteration):
        return None
    return group


_START = pytest.StashKey[float]()


def _usage() -> float:
    assert _group is not None
    return int((_group / "cpuacct.usage").read_text()) / 1e9


def pytest_configure(config: pytest.Config) -> None:
    global _group
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return  # the xdist controller runs no test: its workers measure
    _group = _own_cgroup()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item):
    if _group is not None:
        item.stash[_START] = _usage()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    # the teardown report (made after the teardown, module fixtures' included) carries
    # the test's CPU from before its setup
    if _group is not None and call.when == "teardown" and _START in item.stash:
        report = outcome.get_result()
        report.user_properties.append(("cpu_s", round(_usage() - item.stash[_START], 2)))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # on the xdist controller (or a plain run), from every worker's teardown report
    global _total
    if report.when != "teardown":
        return
    cpu = dict(report.user_properties).get("cpu_s")
    if cpu is None:
        return
    path = report.nodeid.split("::", 1)[0]
    _by_scope[path] = _by_scope.get(path, 0.0) + cpu
    _by_test[report.nodeid] = cpu
    _total += cpu


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not _by_scope:
        return
    terminalreporter.section(f"CPU seconds per file, labs included ({_total:.0f} in all)")
    for scope, cpu in sorted(_by_scope.items(), key=lambda item: -item[1])[:30]:
        share = 100 * cpu / _total if _total > 0 else 0.0  # a run too short to measure
        terminalreporter.write_line(f"{cpu:8.1f}  {share:5.1f}%  {scope}")
    terminalreporter.section("CPU seconds of the 25 costliest tests (a file's first: its fixtures)")
    for nodeid, cpu in sorted(_by_test.items(), key=lambda item: -item[1])[:25]:
        terminalreporter.write_line(f"{cpu:8.1f}  {nodeid}")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Back into the parent cgroup; the group goes once nothing is left in it (a lab
    process still running keeps it, and the kernel keeps counting it there)."""
    if _group is None:
        return
    try:
        (_group.parent / "cgroup.procs").write_text(str(os.getpid()))
        _group.rmdir()
    except OSError:
        pass
