"""Lab hosts: DB servers, workstations and the backup target as real SSH hosts.

The lab daemon calls :class:`HostFleet` (``lifecycle.py``: the fleet's state, ``up``,
``down``); how a host is built is in ``lifecycle.py``'s docstring and the README.
"""

from hisops.lab.hosts.errors import (
    HostCommandError,
    HostLabError,
    HostPrerequisiteError,
    HostSpecError,
    HostStartError,
    UnknownHostError,
)
from hisops.lab.hosts.lifecycle import HostFleet
from hisops.lab.hosts.spec import HostSpec, specs_from_topology, validate_specs

__all__ = [
    "HostCommandError",
    "HostFleet",
    "HostLabError",
    "HostPrerequisiteError",
    "HostSpec",
    "HostSpecError",
    "HostStartError",
    "UnknownHostError",
    "specs_from_topology",
    "validate_specs",
]
