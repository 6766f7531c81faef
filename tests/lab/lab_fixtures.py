"""The lab fixtures, a pytest plugin (tests/conftest.py loads it for every test directory):
``lab``, a real lab daemon (SSH on loopback addresses) for the test session, ``fresh_lab``,
and ``start_lab`` for a module's own lab.

    def test_something(lab):
        conn = netmiko.ConnectHandler(**lab.connections["CORE-1"])
        ...
        lab.reach("opd-reg-01", "his-db-1")["reachable"]

The lab serves the default hospital topology (``HISOPS_TEST_TOPOLOGY`` picks another
file) from its own state directory, on 127.N.x.y with N chosen so that it does not
collide with a lab a developer is running, and is stopped at the end of the session.
Tests that change devices use ``fresh_lab``: the same lab, reset after the test.
``hospital_twin`` is the hospital twin with its real hosts, booted once for the files of
tests/conftest.py's HOSPITAL_TWIN scope and stopped after the last of them.

Under pytest-xdist every worker has its own session: its own ``lab``, state directory
(``tmp_path_factory`` is per worker) and 127.N block (``free_octet`` takes a block with
a lock file, so workers and concurrent runs never pick the same one).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lab_helpers import free_octet, release_octet

from hisops.lab.client import LabClient, LabError, connection_params
from hisops.lab.hosts import HostFleet, HostLabError

TOPOLOGY_ENV = "HISOPS_TEST_TOPOLOGY"


@dataclass
class Lab:
    client: LabClient
    state_dir: Path
    inventory: Path
    topology: str
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def connections(self) -> dict[str, dict[str, Any]]:
        """netmiko ``ConnectHandler`` keyword arguments per device name."""
        return {name: connection_params(entry) for name, entry in self.devices.items()}

    def params(self, device: str, **extra: Any) -> dict[str, Any]:
        return connection_params(self.devices[device], **extra)

    def by_platform(self, platform: str, role: str | None = None) -> list[str]:
        return [
            name
            for name, entry in self.devices.items()
            if entry["platform"] == platform and (role is None or entry["role"] == role)
        ]

    def reach(self, src: str, dst: str, **options: Any) -> dict[str, Any]:
        return self.client.reach(src, dst, **options)

    def fault(self, device: str, kind: str, **options: Any) -> dict[str, Any]:
        return self.client.fault(device, kind, **options)

    def clear(self, device: str) -> dict[str, Any]:
        return self.client.clear(device)

    def reset(self, device: str | None = None) -> list[str]:
        return self.client.reset(device)

    def hisops(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """Run ``hisops lab ARGS`` against this lab."""
        return subprocess.run(
            [sys.executable, "-m", "hisops.cli", "lab", *args, "--state-dir", str(self.state_dir)],
            capture_output=True,
            text=True,
            check=check,
            timeout=60,
        )


def start_lab(
    state_dir: Path,
    topology: str | None = None,
    attempts: int = 6,
    boot_seconds: float = 1.0,
    hosts: bool = False,
    time_scale: int | None = None,
) -> LabClient:
    """Boot a lab on a free 127.N block; the caller stops it with ``stop_lab(client)``
    (``client.down()`` also stops it; the block is then held until the process ends).

    A switch reloaded from its own CLI is down ``boot_seconds`` (1 s: tests wait for it).
    ``hosts`` also starts the real lab hosts (``hisops lab up --hosts``). ``time_scale``
    runs the devices' timers that many times faster (HISOPS_LAB_TIME_SCALE, which the lab's
    server reads as it starts: set for this start only).
    """
    if time_scale is None:
        return _start_lab(state_dir, topology, attempts, boot_seconds, hosts)
    old = os.environ.get("HISOPS_LAB_TIME_SCALE")
    os.environ["HISOPS_LAB_TIME_SCALE"] = str(time_scale)
    try:
        return _start_lab(state_dir, topology, attempts, boot_seconds, hosts)
    finally:
        if old is None:
            os.environ.pop("HISOPS_LAB_TIME_SCALE", None)
        else:
            os.environ["HISOPS_LAB_TIME_SCALE"] = old


def _start_lab(
    state_dir: Path, topology: str | None, attempts: int, boot_seconds: float, hosts: bool
) -> LabClient:
    client = LabClient(state_dir)
    last: Exception | None = None
    for _ in range(attempts):
        octet = free_octet(150, 250)
        try:
            client.up(topology, relocate=octet, boot_seconds=boot_seconds, hosts=hosts)
        except LabError as exc:
            release_octet(octet)
            if "cannot listen" not in str(exc):
                raise
            last = exc
            continue
        _blocks[client.state.root] = octet
        return client
    raise LabError(f"no free loopback block for a test lab: {last}")


_blocks: dict[Path, int] = {}


def stop_lab(client: LabClient) -> None:
    """``client.down()`` and the lab's 127.N block given back."""
    try:
        client.down()
    finally:
        octet = _blocks.pop(client.state.root, None)
        if octet is not None:
            release_octet(octet)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    state_dir = tmp_path_factory.mktemp("lab")
    topology = os.environ.get(TOPOLOGY_ENV)
    client = start_lab(state_dir, topology)
    try:
        status = client.status()
        yield Lab(
            client=client,
            state_dir=state_dir,
            inventory=Path(status["inventory"]),
            topology=status["topology"],
            devices={entry["name"]: entry for entry in status["devices"]},
        )
    finally:
        stop_lab(client)


@pytest.fixture
def fresh_lab(lab: Lab) -> Iterator[Lab]:
    """The session lab in its startup state (configs, faults, links), reset again after the
    test. The reset before costs a tenth of a second and keeps a test independent of what
    a test on the plain ``lab`` fixture (a deploy, say) left behind."""
    lab.reset()
    try:
        yield lab
    finally:
        lab.reset()


@dataclass
class HospitalTwin:
    """The hospital lab with its hosts (``hisops lab up --hosts``): switches and real hosts
    (DB pair, backup host, workstations), the inventory naming them all."""

    client: LabClient
    state_dir: Path
    inventory: Path


_hospital: HospitalTwin | None = None
_next_item: pytest.Item | None = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Tells ``hospital_twin``'s teardown which test comes next (None: none, or the run is
    ending), so that the twin is stopped after the last test that uses it."""
    global _next_item
    _next_item = nextitem
    try:
        return (yield)
    finally:
        _next_item = None


def _stop_hospital() -> None:
    global _hospital
    if _hospital is not None:
        twin, _hospital = _hospital, None
        stop_lab(twin.client)


@pytest.fixture(scope="module")
def hospital_twin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HospitalTwin]:
    """The hospital twin with its hosts, shared by the test files that run one after the
    other on a worker (tests/conftest.py: the HOSPITAL_TWIN scope): booted for the first,
    stopped after the last (when the next test does not use it). Each file works in a
    directory of its own and leaves the lab as the next file in the scope needs it."""
    global _hospital
    if _hospital is None:
        try:
            HostFleet.check_prerequisites()
        except HostLabError as exc:
            pytest.skip(str(exc))
        state = tmp_path_factory.mktemp("hospital")
        client = start_lab(state, hosts=True)
        _hospital = HospitalTwin(client, state, Path(client.status()["inventory"]))
        request.config.add_cleanup(_stop_hospital)  # an interrupted run stops it too
    yield _hospital
    if _next_item is None or "hospital_twin" not in _next_item.fixturenames:
        _stop_hospital()
