# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body every backup module shares: one call into the domain, errors to fail_json.

Each ``plugins/modules/backup_*.py`` keeps its DOCUMENTATION, RETURN and argument spec
and hands ``run_module`` the one call; a ``BackupError`` fails with its ``code`` as
``reason`` (what the role decides on: ``drive_absent`` is a miss, not a failure).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import (
    BackupError,
    InputError,
)


def run_module(module: Any, operation: Callable[[dict[str, Any], bool], dict[str, Any]]) -> None:
    try:
        result = operation(module.params, module.check_mode)
    except InputError as exc:
        module.fail_json(msg=str(exc), reason=exc.code, field=exc.field)
    except BackupError as exc:
        module.fail_json(msg=str(exc), reason=exc.code)
    diff = result.pop("diff", None)
    if module._diff and diff is not None and result.get("changed"):
        result["diff"] = diff
    module.exit_json(**result)
