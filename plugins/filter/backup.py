# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the backup roles (logic in module_utils/backup/pgbackrest.py)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import BackupError
from ansible_collections.hisops.emergency.plugins.module_utils.backup.pgbackrest import (
    layout_from,
    render,
    role_of,
)


def backup_pgbackrest_files(layout, host):
    """The files ``host`` needs (``[{path, content}]``); none for a node out of the pair."""
    try:
        parsed = layout_from(dict(layout))
        try:
            role_of(parsed, host)
        except BackupError:
            return []
        return [{"path": p, "content": c} for p, c in sorted(render(parsed, host).items())]
    except BackupError as exc:
        raise AnsibleFilterError(f"backup layout: {exc}") from None


class FilterModule:
    def filters(self):
        return {"backup_pgbackrest_files": backup_pgbackrest_files}
