# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the database pair roles (logic in module_utils/pgha/verdict.py)."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.module_utils.pgha.verdict import (
    describe,
    node_state_from_result,
)


class FilterModule:
    def filters(self):
        return {"db_node_state": node_state_from_result, "db_status_lines": describe}
