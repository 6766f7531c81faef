# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the hospital's deliberate state lives, for action plugins that fill ``state_dir``.

The task's ``state_dir`` wins, then the inventory/play variable ``hisops_state_dir``, then
``$HISOPS_STATE_DIR``, then ``var/state`` beside the playbooks (module_utils/state)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.state.store import default_state_dir


def state_dir_for(args: Mapping[str, Any], task_vars: Mapping[str, Any], template) -> str:
    if args.get("state_dir"):
        return str(args["state_dir"])
    if task_vars.get("hisops_state_dir"):
        return str(template(task_vars["hisops_state_dir"]))
    return default_state_dir(str(task_vars.get("playbook_dir") or ""))
