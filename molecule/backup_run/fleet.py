"""Boot or stop the host fleet of the backup_run molecule scenario.

    python fleet.py up STATE_DIR OCTET     # his-db-1, his-db-2, backup-1 on 127.OCTET.0.x
    python fleet.py down STATE_DIR

backup-1's removable drive is plugged in. The inventory is written to STATE_DIR/inventory.yml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hisops.lab.hosts import HostFleet, HostSpec


def main() -> int:
    action, state = sys.argv[1], Path(sys.argv[2])
    if action == "down":
        if (state / "fleet").exists():
            HostFleet(state / "fleet").down()
        return 0
    base = f"127.{int(sys.argv[3])}"
    fleet = HostFleet(state / "fleet", [
        HostSpec("his-db-1", "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec("his-db-2", "db_server", f"{base}.0.12", "servers"),
        HostSpec("backup-1", "backup_target", f"{base}.0.21", "servers"),
    ])  # fmt: skip
    fleet.up(fresh=True, his_patients=50)
    fleet.plug_drive("backup-1")
    fleet.write_inventory(state / "inventory.yml")
    print(state / "inventory.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
