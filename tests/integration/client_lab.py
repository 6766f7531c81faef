"""A lab of real workstation hosts for the client rollout tests (and the bench).

``workstation_specs(octet, n)`` spreads ``n`` workstations over five departments; the
first of the first two departments form ``client_test``. No switches, no DB hosts: the
rollout touches only workstations.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hisops.lab.hosts import HostSpec

# free_octet/busy_octets live with the lab tests' helpers (the lab lifecycle tests use them
# too); this module is also imported by bench/client_rollback.py, outside pytest.
_LAB_TESTS = str(Path(__file__).resolve().parents[1] / "lab")
if _LAB_TESTS not in sys.path:
    sys.path.insert(0, _LAB_TESTS)
from lab_helpers import busy_octets, free_octet  # noqa: E402

__all__ = ["busy_octets", "free_octet", "workstation_specs"]

DEPARTMENTS = ("outpatient registration", "pharmacy", "inpatient ward", "laboratory", "radiology")
PREFIX = {
    "outpatient registration": "opd",
    "pharmacy": "pha",
    "inpatient ward": "ward",
    "laboratory": "lis",
    "radiology": "ris",
}


def workstation_specs(octet: int, count: int) -> list[HostSpec]:
    specs = []
    for index in range(count):
        dept = DEPARTMENTS[index % len(DEPARTMENTS)]
        number = index // len(DEPARTMENTS) + 1
        groups = ("client_test",) if number == 1 and dept in DEPARTMENTS[:2] else ()
        specs.append(
            HostSpec(
                f"{PREFIX[dept]}-{number:02d}",
                "workstation",
                f"127.{octet}.{10 + index // 200}.{1 + index % 200}",
                dept,
                groups=groups,
            )
        )
    return specs


def main(argv: list[str]) -> int:
    """``client_lab.py up STATE COUNT OCTET`` | ``client_lab.py down STATE`` (molecule, bench)."""
    import json

    from hisops.lab.hosts import HostFleet

    if argv[:1] == ["up"] and len(argv) == 4:
        fleet = HostFleet(argv[1], workstation_specs(int(argv[3]), int(argv[2])))
        print(json.dumps(fleet.up(fresh=True)))
        return 0
    if argv[:1] == ["down"] and len(argv) == 2:
        from pathlib import Path

        if (Path(argv[1]) / "hosts.json").exists():
            HostFleet(argv[1]).down()
        return 0
    print("usage: client_lab.py up STATE COUNT OCTET | down STATE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
