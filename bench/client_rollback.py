"""Benchmark (issue 8): roll the HIS client back on 100 lab workstations.

    .venv/bin/python bench/client_rollback.py [--workstations 100] [--forks 25] [--runs 2] [--write]

Boots its own real lab workstations (sshd per host, ``tests/integration/client_lab.py``)
on a free 127.N block, publishes the sample client 2.0.0 and 2.1.0, installs both on
every workstation (2.1.0 current, 2.0.0 previous), then per run times two ways of
putting 2.0.0 back on every workstation, each followed by the client's health check:

* hisops: ``playbooks/client_rollback.yml`` (plan on the controller, one
  ``client_fleet state=rolled_back`` run serving every workstation over OpenSSH,
  ``--forks`` sessions at a time, rollback + health check in one Python start per
  workstation, ledger + JSON/HTML reports, a per-workstation verdict) with the
  project's ``ansible.cfg``;
* plain Ansible defaults: ``ansible.builtin.file`` re-pointing ``current`` at
  ``releases/2.0.0`` and ``ansible.builtin.command`` for the health check, with
  ansible-core's defaults (forks 5, no pipelining; ControlPersist 60 s as shipped).

Before each timed run every workstation is switched forward to 2.1.0 again (untimed).
The order of the ways alternates between runs. ``--against CHECKOUT`` also times
``client_rollback.yml`` of another checkout (``git worktree add --detach DIR REV``) on the
same lab, for a before/after of a change in the same conditions; ``--no-plain`` leaves
plain Ansible out. ``--write`` puts the figures into docs/benchmarks-client.md. The
workstations are stopped at the end, also on failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from client_lab import free_octet, workstation_specs  # noqa: E402

from hisops.lab.hosts import HostFleet  # noqa: E402

DOC = ROOT / "docs" / "benchmarks-client.md"
BIN = Path(sys.executable).parent
OLD, NEW = "2.0.0", "2.1.0"

FORWARD = """
- name: Switch every workstation forward to {new} (untimed setup)
  hosts: workstations
  gather_facts: false
  tasks:
    - name: Copy both packages
      ansible.builtin.copy:
        src: "{store}/his-client/his-client-{{{{ item }}}}.tar.gz"
        dest: /opt/his-client/packages/
        mode: "0644"
      loop: ["{old}", "{new}"]
    - name: Install {old}, then switch to {new}
      hisops.emergency.client_release:
        version: "{{{{ item }}}}"
        package: "/opt/his-client/packages/his-client-{{{{ item }}}}.tar.gz"
      loop: ["{old}", "{new}"]
"""

PLAIN = """
- name: Roll the client back to {old} (plain Ansible)
  hosts: workstations
  gather_facts: false
  tasks:
    - name: Point current at the {old} release
      ansible.builtin.file:
        src: releases/{old}
        dest: /opt/his-client/current
        state: link
        force: true
    - name: Health check
      ansible.builtin.command: /opt/his-client/current/bin/his-client health
      changed_when: false
"""


def ansible_env(work: Path, cfg: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HISOPS_ARTIFACT_DIR=str(work / "artifacts"),
        HISOPS_CLIENT_LEDGER=str(work / "client" / "ledger.json"),
        HISOPS_REPORT_DIR=str(work / "reports"),
        HISOPS_RUN_RECORD_DIR=str(work / "records"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / "collections"),
    )
    if cfg is None:
        env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    else:
        env["ANSIBLE_CONFIG"] = str(cfg)
    return env


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def playbook(path: Path, inventory: Path, env: dict[str, str], *args: str) -> float:
    start = time.monotonic()
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(path), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    seconds = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"{path.name} failed:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
    return seconds


def versions(fleet: HostFleet) -> set[str]:
    return {os.readlink(fleet.path(n, "/opt/his-client/current")) for n in fleet.specs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workstations", type=int, default=100)
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--against",
        type=Path,
        metavar="CHECKOUT",
        help="also time client_rollback.yml of another checkout (e.g. a git "
        "worktree of the commit before a change) on the same lab",
    )
    parser.add_argument("--no-plain", action="store_true", help="leave plain Ansible out")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hisops-bench-client-"))
    fleet = HostFleet(work / "lab", workstation_specs(free_octet(), args.workstations))
    order = (
        ["hisops"] + ([] if args.no_plain else ["plain"]) + (["against"] if args.against else [])
    )
    results: dict[str, list[float]] = {way: [] for way in order}
    cpu: dict[str, list[float]] = {way: [] for way in order}
    try:
        boot = fleet.up()
        inventory = fleet.inventory_file
        plain_cfg = work / "plain.cfg"
        plain_cfg.write_text(
            "[defaults]\nhost_key_checking = False\ninterpreter_python = auto_silent\n"
        )  # forks 5, no pipelining
        hisops_env = ansible_env(work, None)
        plain_env = ansible_env(work, plain_cfg)
        for version in (OLD, NEW):
            playbook(
                ROOT / "playbooks" / "client_publish.yml",
                inventory,
                hisops_env,
                "-e",
                json.dumps({"version": version, "sample": True}),
            )
        forward = work / "forward.yml"
        forward.write_text(FORWARD.format(old=OLD, new=NEW, store=work / "artifacts"))
        plain = work / "plain.yml"
        plain.write_text(PLAIN.format(old=OLD))
        against_env = {}
        if args.against:
            against_env = ansible_env(work, None) | {
                "ANSIBLE_COLLECTIONS_PATH": str(args.against / "collections"),
                "ANSIBLE_CONFIG": str(args.against / "ansible.cfg"),
            }
        for run in range(args.runs):
            for way in order if run % 2 == 0 else order[::-1]:
                playbook(forward, inventory, hisops_env, "-f", "25")
                assert versions(fleet) == {f"releases/{NEW}"}
                cpu_before = children_cpu()
                if way == "hisops":
                    seconds = playbook(
                        ROOT / "playbooks" / "client_rollback.yml",
                        inventory,
                        hisops_env,
                        "-f",
                        str(args.forks),
                    )
                elif way == "against":
                    seconds = playbook(
                        args.against / "playbooks" / "client_rollback.yml",
                        inventory,
                        against_env,
                        "-f",
                        str(args.forks),
                    )
                else:
                    seconds = playbook(plain, inventory, plain_env)
                assert versions(fleet) == {f"releases/{OLD}"}, way
                results[way].append(round(seconds, 1))
                cpu[way].append(round(children_cpu() - cpu_before, 1))
                print(
                    f"run {run + 1}: {way}: {seconds:.1f} s, controller CPU {cpu[way][-1]} s",
                    flush=True,
                )
    finally:
        fleet.down()
    medians = {way: statistics.median(times) for way, times in results.items()}
    print(json.dumps({"medians_s": medians, "runs_s": results, "cpu_s": cpu}, indent=1))
    if args.no_plain:
        return 0
    hisops_s, plain_s = medians["hisops"], medians["plain"]
    summary = {
        "measured": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "workstations": args.workstations,
        "forks": args.forks,
        "runs": args.runs,
        "boot_s": boot["total_s"],
        "hisops_s": results["hisops"],
        "plain_s": results["plain"],
        "hisops_median_s": hisops_s,
        "plain_median_s": plain_s,
        "ratio": round(plain_s / hisops_s, 2),
        "load": os.getloadavg(),
        "hisops_cpu_s": cpu["hisops"],
        "plain_cpu_s": cpu["plain"],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(json.dumps(summary, indent=1))
    if args.write:
        write_doc(summary)
    return 0


def write_doc(s: dict) -> None:
    DOC.write_text(
        f"""# Benchmarks: HIS client rollback (issue 8)

`bench/client_rollback.py --workstations {s["workstations"]} --forks {s["forks"]} --runs {s["runs"]} --write`,
measured {s["measured"]} on {s["cpus"]} cores (load average at the end
{s["load"][0]:.1f} / {s["load"][1]:.1f} / {s["load"][2]:.1f}: the machine is shared with
other work). {s["workstations"]} real lab workstations (sshd per host, booted in
{s["boot_s"]} s), each with 2.1.0 current and 2.0.0 installed; every run puts 2.0.0 back
on all of them, followed by the client's health check. The order alternates between runs.

| way | wall, runs (s) | wall, median (s) | controller CPU, runs (s) |
|---|---|---|---|
| hisops `client_rollback.yml` (forks {s["forks"]}; plan, one `client_fleet` run: an SSH session per workstation doing rollback + health check, ledger + reports, per-host verdict) | {", ".join(map(str, s["hisops_s"]))} | {s["hisops_median_s"]} | {", ".join(map(str, s["hisops_cpu_s"]))} |
| plain Ansible defaults (forks 5, no pipelining): `ansible.builtin.file` link + `ansible.builtin.command` health check | {", ".join(map(str, s["plain_s"]))} | {s["plain_median_s"]} | {", ".join(map(str, s["plain_cpu_s"]))} |

Controller CPU: user + system time of ansible-playbook and every process it started
(workers, modules, ssh); the workstations' side (sshd, their Python) is not included,
though on the lab it runs on the same 2 cores.

Ratio (plain / hisops): **{s["ratio"]}x**. Goals: at most 30 s on 2 cores, at least 3x
faster than the defaults.
""",
        encoding="utf-8",
    )


if __name__ == "__main__":
    sys.exit(main())
