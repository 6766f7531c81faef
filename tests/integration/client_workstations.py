"""The client tests' workstation lab: 21 real workstation hosts (sshd each) and the
playbooks run against them as an operator runs them. Each test file boots its own fleet
(``boot``), so the files run side by side (pytest-xdist gives a file to one worker).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible_collections.hisops.emergency.plugins.module_utils.client import sample
from ansible_collections.hisops.emergency.plugins.module_utils.client.plan import plan_rollout
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import ArtifactStore

from hisops.lab.hosts import HostFleet, HostLabError

from .client_lab import free_octet, workstation_specs
from .playbooks import PlaybookRun, run_playbook

WORKSTATIONS = 21
GOOD, NEXT, BAD = "2.0.0", "2.1.0", "2.2.0"


class ClientLab:
    def __init__(self, fleet: HostFleet, workdir: Path) -> None:
        self.fleet = fleet
        self.workdir = workdir
        self.inventory = fleet.inventory_file
        self.store = workdir / "artifacts"
        self.ledger_path = workdir / "client" / "ledger.json"
        self.hosts = list(fleet.specs)

    def run(
        self, playbook: str, check: bool = False, limit: str | None = None, **extravars
    ) -> PlaybookRun:
        old = {k: os.environ.get(k) for k in ("HISOPS_ARTIFACT_DIR", "HISOPS_CLIENT_LEDGER")}
        os.environ["HISOPS_ARTIFACT_DIR"] = str(self.store)
        os.environ["HISOPS_CLIENT_LEDGER"] = str(self.ledger_path)
        try:
            return run_playbook(
                playbook, self.inventory, self.workdir, extravars or None, check=check, limit=limit
            )
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def current(self, host: str) -> str | None:
        link = self.fleet.path(host, "/opt/his-client/current")
        return os.readlink(link).rsplit("/", 1)[-1] if os.path.islink(link) else None

    def versions(self) -> dict[str, str | None]:
        return {h: self.current(h) for h in self.hosts}

    def releases(self, host: str) -> list[str]:
        path = self.fleet.path(host, "/opt/his-client/releases")
        return sorted(p.name for p in path.iterdir()) if path.is_dir() else []

    def ledger(self) -> dict:
        return json.loads(self.ledger_path.read_text())

    def groups(self) -> dict[str, list[str]]:
        inventory = InventoryManager(loader=DataLoader(), sources=[str(self.inventory)])
        return inventory.get_groups_dict()

    def plan(self, version: str, **kw) -> dict:
        return plan_rollout(
            store_root=str(self.store),
            package="his-client",
            version=version,
            kind="tar",
            group="workstations",
            groups=self.groups(),
            ledger=self.ledger(),
            **kw,
        )


@contextmanager
def boot(
    tmp_path_factory: pytest.TempPathFactory, setup: Callable[[ClientLab], None] | None = None
) -> Iterator[ClientLab]:
    """A fleet of WORKSTATIONS with GOOD published the way an operator does, NEXT, BAD and
    NEXT's .deb straight into the store (faster); ``setup`` then brings it where a file's
    first test starts."""
    try:
        HostFleet.check_prerequisites()
    except HostLabError as exc:
        pytest.skip(str(exc))
    state = tmp_path_factory.mktemp("clientfleet")
    fleet = HostFleet(state, workstation_specs(free_octet(), WORKSTATIONS))
    fleet.up()
    lab = ClientLab(fleet, tmp_path_factory.mktemp("clientwork"))
    try:
        done = lab.run("client_publish", version=GOOD, sample=True)
        assert done.rc == 0, done.stdout[-3000:]
        store = ArtifactStore(str(lab.store))
        for version, broken in ((NEXT, False), (BAD, True)):
            built = sample.build_tarball(version, str(lab.workdir), broken=broken)
            store.publish(built, "his-client", version, "tar")
        store.publish(sample.build_deb(NEXT, str(lab.workdir)), "his-client", NEXT, "deb")
        if setup is not None:
            setup(lab)
        yield lab
    finally:
        fleet.down()
