"""Issue 7: the failover's ``switch_port`` fence on the twin lab (switches and real hosts).

Shutting the switch port a lab host hangs on cuts that real host from the controller
(hisops/lab/twin.py), so the fence is proven the way it would be in the hospital: the
old primary answers neither SSH nor PostgreSQL. The cut is an isolation transaction that
``reconnect.yml`` undoes.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import yaml
from lab_fixtures import HospitalTwin

from .playbooks import PlaybookRun, run_playbook

pytestmark = [pytest.mark.lab]

DB1, DB2 = "his-db-1", "his-db-2"


@dataclass
class Twin:
    state_dir: Path
    inventory: Path
    workdir: Path

    def host(self, name: str) -> dict:
        data = yaml.safe_load(self.inventory.read_text())
        return data["all"]["children"]["lab_hosts"]["children"]["db_servers"]["hosts"][name]

    def answers(self, name: str, port: int) -> bool:
        # loopback: a listening port accepts at once; 0.5 s is only waited on a cut-off one
        try:
            with socket.create_connection((self.host(name)["ansible_host"], port), timeout=0.5):
                return True
        except OSError:
            return False

    def is_primary(self, name: str) -> bool:
        creds = json.loads((self.state_dir / "hosts" / "credentials.json").read_text())
        with psycopg.connect(
            host=self.host(name)["ansible_host"],
            port=5432,
            dbname="postgres",
            user="postgres",
            password=creds["postgres"]["password"],
            connect_timeout=3,
            autocommit=True,
        ) as conn:
            return not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]

    def lab(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "hisops.cli", "lab", "--state-dir", str(self.state_dir), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout

    def in_recovery_over_ssh(self, name: str) -> str:
        """``pg_is_in_recovery()`` read on the host itself over SSH ('f': a primary)."""
        ansible = Path(sys.executable).parent / "ansible"
        done = subprocess.run(
            [
                str(ansible),
                name,
                "-i",
                str(self.inventory),
                "-m",
                "ansible.builtin.command",
                "-a",
                "psql -Atc 'SELECT pg_is_in_recovery()'",
                "--become",
                "--become-user",
                "postgres",
                "-o",
                "-T",
                "60",
            ],  # sudo's prompt on a loaded CI machine took > 20 s once
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        return done.stdout.strip().rsplit(" ", 1)[-1] if "(stdout)" in done.stdout else done.stdout

    def play(self, playbook: str, **extravars) -> PlaybookRun:
        return run_playbook(playbook, self.inventory, self.workdir, extravars=extravars or None)


@pytest.fixture(scope="module")
def twin(hospital_twin: HospitalTwin, tmp_path_factory: pytest.TempPathFactory) -> Twin:
    """The shared hospital twin (tests/conftest.py: HOSPITAL_TWIN), a work directory of
    this file's own."""
    return Twin(
        hospital_twin.state_dir, hospital_twin.inventory, tmp_path_factory.mktemp("fence-work")
    )


def test_switch_port_fence_keeps_a_live_old_primary_from_coming_back_writable(twin: Twin) -> None:
    """The old primary is not dead but cut off (network): PostgreSQL still runs as a primary
    behind its port. After the failover it must never be reachable as a writable primary:
    reconnect.yml refuses its isolation, and the rejoin brings the port up with only SSH
    from the controller possible, fences PostgreSQL over SSH, then undoes the rest."""
    built = twin.play("db_standby_build")
    assert built.rc == 0, built.stdout[-2000:]
    twin.lab("host", "fault", DB1, "unreachable")  # alive, cut off: a network partition
    run = twin.play("db_failover", fence=["switch_port"], accept_data_loss=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert "switch_port: CORE-1:" in run.stdout, run.stdout[-2000:]
    twin.lab("host", "clear", DB1)  # the host is fine again: only its switch port cuts it now
    assert not twin.answers(DB1, 22) and not twin.answers(DB1, 5432)
    assert twin.is_primary(DB2)
    records = [json.loads(p.read_text()) for p in (twin.workdir / "isolations").glob("*.json")]
    fence = [r for r in records if r.get("fence_of") == DB1]
    assert len(fence) == 1 and fence[0]["located"]["ip"] == "10.10.100.11", records
    assert fence[0]["quarantine"]["ssh_to"] == "10.10.99.250"
    assert "traffic-filter inbound acl 3998" in fence[0]["devices"]["CORE-1"]["commands"]

    # Reconnected by hand, a possibly writable primary would be back: refused, nothing changed.
    refused = twin.play(
        "reconnect",
        isolation_id=fence[0]["id"],
        cleanup_by="dba",
        cleanup_scan="old primary to be rejoined",
    )
    assert refused.rc != 0 and "split brain" in refused.stdout, refused.stdout[-2000:]
    assert not twin.answers(DB1, 22) and not twin.answers(DB1, 5432)

    # The first stage alone: the port is up, the controller's SSH passes, PostgreSQL does not.
    stage = twin.workdir / "stage.yml"
    stage.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "The first stage of the rejoin alone",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "port up behind the filter",
                            "hisops.emergency.isolation_reconnect": {
                                "hosts": "{{ groups['switches'] | difference(groups['spare']) }}",
                                "isolation_id": fence[0]["id"],
                                "stage": "port",
                                "cleanup_by": "dba",
                                "cleanup_scan": "old primary to be rejoined",
                                "store": "{{ lookup('ansible.builtin.env', 'HISOPS_ISOLATION_DIR') }}",
                            },
                        }
                    ],
                }
            ]
        )
    )
    staged = run_playbook(stage, twin.inventory, twin.workdir)
    assert staged.rc == 0, staged.stdout[-3000:]
    assert twin.answers(DB1, 22) and not twin.answers(DB1, 5432)
    assert twin.in_recovery_over_ssh(DB1) == "f"  # still a writable primary, reachable by nobody

    rejoined = twin.play("db_rejoin")
    assert rejoined.rc == 0, rejoined.stdout[-3000:]
    closed = json.loads((twin.workdir / "isolations" / f"{fence[0]['id']}.json").read_text())
    assert closed["state"] == "closed" and closed["fence_proof"].startswith("fenced over SSH"), (
        closed
    )
    assert twin.answers(DB1, 22) and twin.answers(DB1, 5432)
    assert twin.is_primary(DB2) and not twin.is_primary(DB1)


def test_a_powered_off_old_primary_comes_back_cut_off_until_the_rejoin(twin: Twin) -> None:
    """fence_all with [switch_port, site_command]: the old primary's port is cut behind the
    SSH-only filter, then the site command powers it off. Powered on again, PostgreSQL on it
    starts as a primary (a power-off fences nothing at boot), but nobody reaches it until the
    rejoin has fenced it over SSH and brought it back as a standby."""
    assert twin.is_primary(DB2)  # the previous test left DB2 primary and DB1 its standby
    twin.lab("host", "fault", DB2, "unreachable")
    power_off = [
        sys.executable,
        "-m",
        "hisops.cli",
        "lab",
        "--state-dir",
        str(twin.state_dir),
        "host",
        "power",
        DB2,
        "power-off",
    ]
    run = twin.play(
        "db_failover",
        fence=["switch_port", "site_command"],
        fence_command=power_off,
        fence_all=True,
        accept_data_loss=True,
    )
    assert run.rc == 0, run.stdout[-3000:]
    assert "switch_port: CORE-1:" in run.stdout and "site command" in run.stdout, run.stdout[-2000:]
    assert twin.is_primary(DB1)
    twin.lab("host", "clear", DB2)
    twin.lab("host", "power", DB2, "power-on")
    # It boots and its PostgreSQL starts, but behind the cut port nothing reaches it.
    assert not twin.answers(DB2, 22) and not twin.answers(DB2, 5432)
    rejoined = twin.play("db_rejoin")
    assert rejoined.rc == 0, rejoined.stdout[-3000:]
    assert twin.answers(DB2, 5432) and twin.is_primary(DB1) and not twin.is_primary(DB2)
