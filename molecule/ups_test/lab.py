"""``lab.py up STATE OCTET`` | ``lab.py down STATE``: one lab server host running NUT
(dummy-ups + upsd on its address), for molecule/ups_test."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hisops.lab.hosts import HostFleet, HostSpec, inspection


def main(argv: list[str]) -> int:
    if argv[:1] == ["up"] and len(argv) == 3:
        fleet = HostFleet(
            argv[1], [HostSpec("ups-host", "server", f"127.{argv[2]}.0.9", "servers")]
        )
        timings = fleet.up(fresh=True)
        inspection.start_ups(fleet, "ups-host")
        fleet.write_inventory()
        print(json.dumps(timings))
        return 0
    if argv[:1] == ["down"] and len(argv) == 2:
        if (Path(argv[1]) / "hosts.json").exists():
            HostFleet(argv[1]).down()
        return 0
    print("usage: lab.py up STATE OCTET | down STATE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
