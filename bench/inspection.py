"""Benchmark (issue 20): the daily inspection, end to end.

    .venv/bin/python bench/inspection.py hospital [--runs 3] [-o results.json]
    .venv/bin/python bench/inspection.py fleet [--switches 200] [--workstations 100] [-o ...]

* ``hospital``: the hospital lab with its real hosts (DB pair, backup host, 33
  workstations); per run, ``playbooks/daily_inspection.yml`` (every play) timed, then the
  separate existing playbooks for the same checks one after another (network_check,
  switch_compliance, spare_readiness, db_status with its backup side, client_audit) timed;
  the order alternates between runs. Goals: the inspection <= 60 s, >= 2x faster than the
  separate playbooks.
* ``fleet``: a generated lab of N switches (``scale_topology``, as bench/switch_fleet.py)
  and a host fleet of M workstations plus the DB pair and backup host (as
  bench/lab_hosts.py), one inspection run. Goal <= 180 s for 200 + 100.

Each run starts from fresh inspection/intended/report directories; the switches are
backed up once first (the inspection ages the backups). Prints JSON with wall time, the
CPU seconds of the children and the load average before and after. Stops its labs at the
end, also on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hisops.lab.client import LabClient  # noqa: E402
from hisops.lab.generate import scale_topology  # noqa: E402
from hisops.lab.hosts import HostFleet  # noqa: E402

ANSIBLE_PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))
SEPARATE = [
    ("network_check", {}),
    ("switch_compliance", {}),
    ("spare_readiness", {}),
    ("db_status", {}),
    ("client_audit", {}),
]
# The inspection with the areas the separate playbooks above cover for switches and the
# database (network, addresses, database): no servers, workstations, insurance or UPS.
SAME_CHECKS = {
    "daily_inspection_server_hosts": "none",
    "daily_inspection_workstation_hosts": "none",
    "daily_inspection_closing_steps": ["report"],
}
SAME_SEPARATE = ("network_check", "switch_compliance", "spare_readiness", "db_status")


def boot(client: LabClient, topology: Path | None, hosts: bool) -> int:
    return client.up_on_a_free_block(topology, hosts=hosts)


def playbook(
    name: str, inventories: list[Path], work: Path, extravars: dict[str, Any] | None = None
) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        HISOPS_INSPECTION_DIR=str(work / "inspections"),
        HISOPS_INTENDED_DIR=str(work / "intended"),
        HISOPS_REPORT_DIR=str(work / "reports"),
        HISOPS_BACKUP_DIR=str(work / "backups"),
        HISOPS_STATE_DIR=str(work / "state"),
        HISOPS_RUN_RECORD_DIR=str(work / "records"),
        PYTHONWARNINGS="ignore:DSA is deprecated",
    )
    cmd = [ANSIBLE_PLAYBOOK, str(ROOT / "playbooks" / f"{name}.yml")]
    for inventory in inventories:
        cmd += ["-i", str(inventory)]
    if extravars:
        cmd += ["-e", json.dumps(extravars)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"playbook": name, "rc": proc.returncode, "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "tail": proc.stdout[-600:] if proc.returncode else ""}  # fmt: skip


def summary_of(work: Path) -> str:
    try:
        doc = json.loads((work / "inspections" / "latest.json").read_text())
    except (OSError, ValueError):
        return ""
    counts: dict[str, int] = {}
    for f in doc.get("findings", []):
        if f["severity"] != "ok":
            key = f"{f['area']}/{f['check']}/{f['severity']}"
            counts[key] = counts.get(key, 0) + 1
    areas = ", ".join(f"{a} {v['checked']} {v['worst']}" for a, v in doc.get("areas", {}).items())
    return f"{doc.get('summary', '')}; areas: {areas}; not ok: {json.dumps(counts, sort_keys=True)}"


def hospital(runs: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="hisops-bench-inspection-") as tmp:
        client = LabClient(Path(tmp) / "lab")
        boot(client, None, hosts=True)
        try:
            inventory = Path(client.status()["inventory"])
            for run in range(runs):
                work = Path(tmp) / f"run{run}"
                playbook("switch_backup", [inventory], work)
                order = ["inspection", "same", "separate"]
                if run % 2:
                    order.reverse()
                entry: dict[str, Any] = {"run": run, "load_before": os.getloadavg()}
                for which in order:
                    for sub in ("inspections", "intended", "reports", "records"):
                        shutil.rmtree(work / sub, ignore_errors=True)
                    if which == "inspection":
                        entry["inspection"] = playbook("daily_inspection", [inventory], work)
                        entry["summary"] = summary_of(work)
                    elif which == "same":
                        entry["same"] = playbook("daily_inspection", [inventory], work, SAME_CHECKS)
                    else:
                        steps = [playbook(name, [inventory], work, ev) for name, ev in SEPARATE]
                        entry["separate"] = {
                            "wall_s": round(sum(s["wall_s"] for s in steps), 1),
                            "cpu_s": round(sum(s["cpu_s"] for s in steps), 1),
                            "steps": steps,
                        }
                entry["load_after"] = os.getloadavg()
                entry["speedup"] = round(
                    entry["separate"]["wall_s"] / entry["inspection"]["wall_s"], 2
                )
                same = [s for s in entry["separate"]["steps"] if s["playbook"] in SAME_SEPARATE]
                entry["separate_same_wall_s"] = round(sum(s["wall_s"] for s in same), 1)
                entry["speedup_same"] = round(
                    entry["separate_same_wall_s"] / entry["same"]["wall_s"], 2
                )
                results.append(entry)
                print(json.dumps(entry), flush=True)
        finally:
            client.down()
    return {"mode": "hospital", "runs": results}


def fleet(switches: int, workstations: int) -> dict[str, Any]:
    from bench.lab_hosts import readdress, scale_specs

    with tempfile.TemporaryDirectory(prefix="hisops-bench-inspection-fleet-") as tmp:
        topology = Path(tmp) / "fleet.yml"
        topology.write_text(yaml.safe_dump(scale_topology(switches)))
        client = LabClient(Path(tmp) / "lab")
        octet = boot(client, topology, hosts=False)
        specs = readdress(scale_specs(workstations), (octet + 1) % 250 or 251)
        hosts = HostFleet(Path(tmp) / "hosts", specs)
        try:
            up = hosts.up(his_patients=200)
            inventory = Path(client.status()["inventory"])
            hosts_inventory = hosts.write_inventory()
            work = Path(tmp) / "work"
            backup = playbook("switch_backup", [inventory], work)
            entry: dict[str, Any] = {
                "switches": switches,
                "workstations": workstations,
                "hosts_up_s": up.get("total_s"),
                "backup": {k: backup[k] for k in ("rc", "wall_s")},
                "load_before": os.getloadavg(),
            }
            entry["inspection"] = playbook(
                "daily_inspection", [inventory, Path(hosts_inventory)], work
            )
            entry["summary"] = summary_of(work)
            entry["load_after"] = os.getloadavg()
            print(json.dumps(entry), flush=True)
        finally:
            hosts.down()
            client.down()
    return {"mode": "fleet", "runs": [entry]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-o", "--output", help="write the results as JSON here")
    sub = parser.add_subparsers(dest="mode", required=True)
    h = sub.add_parser("hospital", parents=[common])
    h.add_argument("--runs", type=int, default=3)
    f = sub.add_parser("fleet", parents=[common])
    f.add_argument("--switches", type=int, default=200)
    f.add_argument("--workstations", type=int, default=100)
    args = parser.parse_args()
    result = (
        hospital(args.runs) if args.mode == "hospital" else fleet(args.switches, args.workstations)
    )
    result["cpus"] = os.cpu_count()
    text = json.dumps(result, indent=1)
    if args.output:
        Path(args.output).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
