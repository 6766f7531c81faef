# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""backup_plan: run in the task's worker when it runs on the controller (plugin_utils/in_worker.py)."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.in_worker import (
    LocalModuleAction as ActionModule,
)

__all__ = ["ActionModule"]
