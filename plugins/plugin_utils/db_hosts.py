# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The database actions' name for :mod:`hosts` (the one way controller-side code reaches
other inventory hosts, docs/design.md): ``HostModules`` runs collection modules on the
database servers over their own Ansible connections, ``validated_args`` checks an action's
arguments against its module's spec."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.hosts import (
    Hosts as HostModules,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.hosts import (
    validated_args,
)

__all__ = ["HostModules", "validated_args"]
