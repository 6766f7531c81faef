"""A small real host fleet for the session: 2 DB hosts, 3 workstations, 1 backup target.

The fleet lives in its own temporary state dir on 127.N.x.y (N a free block, so it does
not collide with a lab a developer runs or another test process) and is brought down at
the end of the session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from host_helpers import fleet_specs, prerequisites_missing
from lab_helpers import free_octet, release_octet

from hisops.lab.hosts import HostFleet


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostFleet]:
    missing = prerequisites_missing()
    if missing:
        pytest.skip(missing)
    state = tmp_path_factory.mktemp("hostfleet")
    octet = free_octet(100, 200)
    hosts = HostFleet(state, fleet_specs(octet))
    try:
        hosts.up(his_patients=300)
        yield hosts
    finally:
        hosts.down()
        release_octet(octet)
