"""What the fleet's mixins (``faults``, ``inventory``, ``postgres``) use of :class:`HostFleet`.

For the type checker only: the mixins name :class:`FleetCore` as their base while type
checking, and are plain classes at run time; ``HostFleet`` (``lifecycle.py``) has all of it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from hisops.lab.hosts.netctl import HostNetwork
from hisops.lab.hosts.spec import HostSpec


class FleetCore(Protocol):
    specs: dict[str, HostSpec]
    faults: dict[str, dict[str, dict[str, Any]]]
    unreachable: set[str]

    @property
    def ssh_key(self) -> Path: ...

    @property
    def known_hosts(self) -> Path: ...

    @property
    def credentials_file(self) -> Path: ...

    @property
    def inventory_file(self) -> Path: ...

    @property
    def net(self) -> HostNetwork: ...

    def spec(self, name: str) -> HostSpec: ...

    def host_dir(self, name: str) -> Path: ...

    def path(self, name: str, path: str) -> Path: ...

    def cgroup(self, name: str) -> Path: ...

    def _save(self) -> None: ...

    def init_pid(self, name: str) -> int | None: ...

    def is_on(self, name: str) -> bool: ...

    def run(
        self,
        name: str,
        argv: Sequence[str],
        input: str | None = None,
        timeout: float = 120.0,
        check: bool = True,
        label: str | None = None,
    ) -> subprocess.CompletedProcess[str]: ...

    def set_reachable(self, name: str, reachable: bool) -> None: ...

    def access(self, name: str) -> str: ...

    def is_reachable(self, name: str) -> bool: ...

    def _pg_alive(self, name: str) -> bool: ...

    def plug_drive(self, name: str) -> dict[str, Any]: ...

    def unplug_drive(self, name: str) -> dict[str, Any]: ...
