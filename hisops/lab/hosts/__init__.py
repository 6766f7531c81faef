"""Lab hosts: DB servers, workstations and the backup target as real SSH hosts.

The lab daemon calls :class:`HostFleet`; see ``fleet.py`` for how a host is built.
"""

from hisops.lab.hosts.errors import (
    HostCommandError,
    HostLabError,
    HostPrerequisiteError,
    HostSpecError,
    HostStartError,
    UnknownHostError,
)
from hisops.lab.hosts.fleet import HostFleet
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
