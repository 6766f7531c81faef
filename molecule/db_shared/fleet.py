"""Boot or stop the small host fleet of the db_* and backup_run molecule scenarios.

    python fleet.py up STATE_DIR OCTET     # his-db-1, his-db-2, app-1 (db_proxies) on 127.OCTET.x.y
    python fleet.py up STATE_DIR OCTET backup   # his-db-1, his-db-2, backup-1 (drive plugged in)
    python fleet.py down STATE_DIR

The inventory is written to STATE_DIR/inventory.yml.
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
    backup = sys.argv[4:] == ["backup"]
    third = (
        HostSpec("backup-1", "backup_target", f"{base}.0.21", "servers")
        if backup
        else HostSpec("app-1", "workstation", f"{base}.10.1", "outpatient registration",
                      groups=("db_proxies",))
    )  # fmt: skip
    fleet = HostFleet(state / "fleet", [
        HostSpec("his-db-1", "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec("his-db-2", "db_server", f"{base}.0.12", "servers"),
        third,
    ])  # fmt: skip
    fleet.up(fresh=True, his_patients=50)
    if backup:
        fleet.plug_drive("backup-1")
    fleet.write_inventory(state / "inventory.yml")
    print(state / "inventory.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
