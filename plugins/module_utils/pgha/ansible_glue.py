# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body every DB-host module shares: psycopg present, one call, errors to fail_json.

Each ``plugins/modules/db_*.py`` keeps its DOCUMENTATION, RETURN and argument spec (what
ansible-test reads literally) and hands ``run_module`` the one call into this domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import PgHaError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.node import (
    psycopg_import_error,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.ops import Result


def run_module(
    module: Any,
    operation: Callable[[dict[str, Any], bool], Result | dict[str, Any]],
    needs_psycopg: bool = True,
) -> None:
    """``operation(params, check_mode)``; a ``Result`` exits with its diff in diff mode. A
    ``PgHaError`` fails with its ``code`` as ``reason`` (what a caller decides on)."""
    missing = psycopg_import_error() if needs_psycopg else None
    if missing is not None:
        module.fail_json(msg=missing_required_lib("psycopg"), exception=str(missing))
    try:
        result = operation(module.params, module.check_mode)
    except PgHaError as exc:
        module.fail_json(msg=str(exc), reason=exc.code, **getattr(exc, "details", {}))
    if isinstance(result, dict):
        module.exit_json(**result)
        return
    out = result.as_dict()
    if module._diff and result.changed:
        out["diff"] = result.diff or {"before": result.before, "after": result.after}
    module.exit_json(**out)
