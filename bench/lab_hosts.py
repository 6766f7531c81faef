"""Benchmark of the lab hosts: fleet start-up time and memory per idle workstation.

    .venv/bin/python bench/lab_hosts.py [--workstations 100] [--out docs/benchmarks-hosts.md]

1. the hosts of the default hospital topology (DB pair, backup target, workstations):
   ``HostFleet.up()`` wall time split into preparation, parallel boot (every sshd
   answering) and PostgreSQL (two clusters created, HIS data loaded), then ``down()``;
2. a scale fleet (N workstations + 2 DB hosts + 1 backup target): the same timings, the
   memory of each idle workstation (RSS and PSS of every process in its cgroup: the
   namespace's init, its sshd listener, the init's sleep) and one real Ansible ping of
   every host.

Runs as root on the machine the lab runs on; addresses are on 127.N.x.y with a random N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hisops.lab.hosts import HostFleet, HostSpec, specs_from_topology  # noqa: E402
from hisops.lab.topology import load_topology  # noqa: E402


def readdress(specs: list[HostSpec], octet: int) -> list[HostSpec]:
    out = []
    for i, spec in enumerate(specs):
        address = f"127.{octet}.{i // 250}.{i % 250 + 1}"
        out.append(HostSpec(spec.name, spec.kind, address, spec.department, spec.groups,
                            spec.his_data))  # fmt: skip
    return out


def scale_specs(workstations: int) -> list[HostSpec]:
    departments = ["outpatient registration", "outpatient billing", "inpatient", "pharmacy",
                   "nurse station", "doctor station", "medical technology"]  # fmt: skip
    specs = [
        HostSpec("his-db-1", "db_server", "127.0.0.2", "servers", his_data=True),
        HostSpec("his-db-2", "db_server", "127.0.0.2", "servers"),
        HostSpec("backup-1", "backup_target", "127.0.0.2", "servers"),
    ]
    for i in range(workstations):
        dept = departments[i % len(departments)]
        specs.append(HostSpec(f"ws-{i + 1:03d}", "workstation", "127.0.0.2", dept,
                              ("client_test",) if i < 2 else ()))  # fmt: skip
    return specs


def memory_kb(pids: list[int]) -> tuple[int, int]:
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return rss, pss


def ansible_ping(fleet: HostFleet, forks: int) -> float:
    playbook = fleet.state_dir / "ping.yml"
    playbook.write_text("- hosts: lab_hosts\n  gather_facts: false\n  tasks:\n"
                        "    - ansible.builtin.ping:\n")  # fmt: skip
    env = dict(os.environ, ANSIBLE_FORKS=str(forks), ANSIBLE_SSH_PIPELINING="1")
    started = time.monotonic()
    done = subprocess.run(
        [str(ROOT / ".venv/bin/ansible-playbook"), "-i", str(fleet.inventory_file), str(playbook)],
        capture_output=True, text=True, env=env, cwd="/", check=False,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"ansible ping failed:\n{done.stdout[-3000:]}")
    return elapsed


def run_fleet(specs: list[HostSpec], label: str, patients: int, ping_forks: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="hisops-bench-hosts-") as tmp:
        fleet = HostFleet(Path(tmp) / "state", specs)
        try:
            timings = fleet.up(his_patients=patients)
            time.sleep(2)  # idle: sshd listeners settled
            per_host = {name: memory_kb(pids) for name, pids in fleet.processes().items()}
            ws = [per_host[s.name] for s in specs if s.kind == "workstation"]
            db = [per_host[s.name] for s in specs if s.kind == "db_server"]
            procs = [len(p) for n, p in fleet.processes().items()
                     if fleet.specs[n].kind == "workstation"]  # fmt: skip
            ping = ansible_ping(fleet, ping_forks) if ping_forks else None
        finally:
            started = time.monotonic()
            fleet.down()
            down_s = time.monotonic() - started
    return {
        "label": label,
        "hosts": len(specs),
        "workstations": len(ws),
        **timings,
        "down_s": round(down_s, 2),
        "ws_rss_kb": statistics.median(r for r, _ in ws) if ws else 0,
        "ws_pss_kb": statistics.median(p for _, p in ws) if ws else 0,
        "ws_procs": statistics.median(procs) if procs else 0,
        "db_rss_kb": statistics.median(r for r, _ in db) if db else 0,
        "db_pss_kb": statistics.median(p for _, p in db) if db else 0,
        "total_pss_mb": round(sum(p for _, p in per_host.values()) / 1024, 1),
        "ping_s": round(ping, 2) if ping else None,
        "ping_forks": ping_forks,
    }


def render(results: list[dict], patients: int) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Lab hosts: benchmarks",
        "",
        f"Measured {now} by `bench/lab_hosts.py` on {os.cpu_count()} CPUs, "
        f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') // 2**30} GiB, "
        f"kernel {platform.release()}, OpenSSH sshd from Debian 12, PostgreSQL 15.",
        "",
        "`up` = preparation (keys, per-host files, cgroups, nftables table) + boot (every "
        "host's namespaces, mounts and sshd, in parallel, until each sshd answers) + "
        f"PostgreSQL (two clusters created with `pg_createcluster`, roles, {patients} "
        "patients of HIS data loaded on the primary).",
        "",
        "| fleet | hosts | up total s | prepare s | boot s | PostgreSQL s | down s | "
        "Ansible ping of all hosts s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ping = f"{r['ping_s']} (forks {r['ping_forks']})" if r["ping_s"] else "-"
        lines.append(
            f"| {r['label']} | {r['hosts']} | {r['total_s']} | {r['prepare_s']} | "
            f"{r['boot_s']} | {r['postgres_s']} | {r['down_s']} | {ping} |"
        )
    lines += [
        "",
        "Memory of an idle host (median; every process in the host's cgroup: the "
        "namespace's init `sh`, its `sleep`, the sshd listener and the `unshare` that "
        "started the host; RSS counts shared "
        "libraries in full, PSS shares them out):",
        "",
        "| fleet | processes per workstation | workstation RSS KiB | workstation PSS KiB | "
        "DB host PSS KiB (with PostgreSQL) | all hosts PSS MiB |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['label']} | {r['ws_procs']} | {r['ws_rss_kb']} | {r['ws_pss_kb']} | "
            f"{r['db_pss_kb']} | {r['total_pss_mb']} |"
        )
    lines += [
        "",
        "Outside the hosts' cgroups the lab adds no process per host. Disks: each host's copy-on-write layer holds "
        "only what it wrote (sshd config and host key at first: a few KiB); a DB host's "
        "new cluster is about 40 MiB.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workstations", type=int, default=100)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks-hosts.md"))
    args = parser.parse_args()
    HostFleet.check_prerequisites()
    octet = random.randrange(100, 250)
    topology_specs = readdress(specs_from_topology(load_topology()), octet)
    results = [run_fleet(topology_specs, "default hospital topology", args.patients, args.forks)]
    print(results[-1], flush=True)
    scale = readdress(scale_specs(args.workstations), octet)
    label = f"{args.workstations} workstations + 2 DB + backup"
    results.append(run_fleet(scale, label, args.patients, args.forks))
    print(results[-1], flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(render(results, args.patients), encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
