"""Real hosts: Ansible over SSH, private filesystems, PostgreSQL, service control, power."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import yaml
from host_helpers import run_playbook, ssh, wait_until

from hisops.lab.hosts import HostFleet, hisdata

pytestmark = pytest.mark.lab

REACH_ALL = """
- hosts: lab_hosts
  gather_facts: true
  tasks:
    - ansible.builtin.ping:
    - ansible.builtin.copy:
        dest: /opt/his-client/owner
        content: "{{ inventory_hostname }}\\n"
    - ansible.builtin.copy:
        dest: /var/tmp/facts
        content: "{{ ansible_hostname }} {{ ansible_service_mgr }}\\n"
- hosts: opd-1
  gather_facts: false
  tasks:
    - ansible.builtin.copy: {dest: /etc/his-client/only-opd-1.conf, content: "secret\\n"}
"""


def test_inventory_groups(fleet: HostFleet) -> None:
    inventory = yaml.safe_load(fleet.inventory_file.read_text())
    groups = inventory["all"]["children"]["lab_hosts"]["children"]
    assert set(groups["db_servers"]["hosts"]) == {"db-a", "db-b"}
    departments = groups["workstations"]["children"]
    assert set(departments) == {"ws_outpatient_registration", "ws_pharmacy"}
    assert set(departments["ws_outpatient_registration"]["hosts"]) == {"opd-1", "opd-2"}
    assert set(groups["client_test"]["hosts"]) == {"opd-1"}
    assert set(groups["backup_targets"]["hosts"]) == {"bk-1"}
    assert groups["db_servers"]["hosts"]["db-a"]["ansible_host"] == fleet.specs["db-a"].address
    lab_vars = inventory["all"]["children"]["lab_hosts"]["vars"]
    assert lab_vars["ansible_user"] == "root"
    assert Path(lab_vars["ansible_ssh_private_key_file"]).stat().st_mode & 0o077 == 0
    assert "password" not in fleet.inventory_file.read_text()


def test_ansible_reaches_every_host_and_each_host_keeps_its_own_files(
    fleet: HostFleet, tmp_path: Path
) -> None:
    out = run_playbook(fleet, tmp_path, REACH_ALL)
    assert "unreachable=1" not in out and "failed=1" not in out
    for name in fleet.specs:
        assert fleet.path(name, "/opt/his-client/owner").read_text() == f"{name}\n"
        hostname, service_mgr = fleet.path(name, "/var/tmp/facts").read_text().split()
        assert (hostname, service_mgr) == (name, "systemd")
    assert fleet.path("opd-1", "/etc/his-client/only-opd-1.conf").exists()
    assert not fleet.path("opd-2", "/etc/his-client/only-opd-1.conf").exists()
    assert not fleet.path("pha-1", "/etc/his-client/only-opd-1.conf").exists()
    assert not Path("/etc/his-client/only-opd-1.conf").exists(), "the controller is untouched"
    listing = ssh(fleet, "opd-2", "ls /opt/his-client; ls /etc/his-client | wc -l")
    assert listing.stdout.split() == ["owner", "0"]


def test_postgresql_on_both_db_hosts_at_their_own_addresses(fleet: HostFleet) -> None:
    for name in ("db-a", "db-b"):
        address = fleet.specs[name].address
        with psycopg.connect(fleet.conninfo(name, user="postgres")) as conn:
            row = conn.execute("SELECT inet_server_addr()::text, current_setting('data_directory'),"
                               " current_setting('config_file'), current_user").fetchone()  # fmt: skip
        assert row == (f"{address}/32", "/var/lib/postgresql/15/main",
                       "/etc/postgresql/15/main/postgresql.conf", "postgres")  # fmt: skip
    with psycopg.connect(fleet.conninfo("db-a")) as conn:
        summary = hisdata.summary(conn)
    assert summary["patients"] == 300 and summary["charges"] > summary["encounters"] > 300
    # a connection from a workstation arrives from that workstation's own address
    seen = fleet.run("pha-1", ["psql", fleet.conninfo("db-a"), "-Atc", "SELECT inet_client_addr()"])
    assert seen.stdout.strip() == fleet.specs["pha-1"].address
    # PostgreSQL runs as the postgres OS user inside the DB host
    owner = ssh(fleet, "db-b", "ps -o user= -C postgres | sort -u")
    assert owner.stdout.split() == ["postgres"]


def test_credentials_are_private_and_not_in_logs(fleet: HostFleet) -> None:
    creds = fleet.credentials()
    assert fleet.credentials_file.stat().st_mode & 0o077 == 0
    secret = creds["postgres"]["password"]
    for log in fleet.state_dir.glob("hosts/*/console.log"):
        assert secret not in log.read_text(errors="replace")
    log = fleet.path("db-a", "/var/log/postgresql/postgresql-15-main.log").read_text()
    assert secret not in log and creds["his_app"]["password"] not in log


STOP_DISABLE = """
- hosts: db-b
  gather_facts: false
  tasks:
    - ansible.builtin.service: {name: postgresql, state: stopped, enabled: false}
"""
START_ENABLE = """
- hosts: db-b
  gather_facts: false
  tasks:
    - ansible.builtin.service: {name: postgresql, state: started, enabled: true}
    - ansible.builtin.service: {name: postgresql, state: started, enabled: true}
      register: again
    - ansible.builtin.assert: {that: [not again.changed]}
"""
CLUSTER_DISABLE = """
- hosts: db-b
  gather_facts: false
  tasks:
    - ansible.builtin.systemd_service: {name: postgresql@15-main, state: stopped, enabled: false}
"""
CLUSTER_ENABLE = """
- hosts: db-b
  gather_facts: false
  tasks:
    - ansible.builtin.systemd_service: {name: postgresql@15-main, state: started, enabled: true}
"""


def test_disabled_postgresql_stays_down_across_reboot_enabled_comes_back(
    fleet: HostFleet, tmp_path: Path
) -> None:
    run_playbook(fleet, tmp_path, STOP_DISABLE)
    assert not fleet.pg_running("db-b")
    fleet.reboot("db-b")
    assert not fleet.pg_running("db-b"), "a disabled service must not start at boot"
    run_playbook(fleet, tmp_path, START_ENABLE)
    assert fleet.pg_running("db-b")
    fleet.run("db-b", ["service", "postgresql", "stop"])  # stopped but still enabled
    fleet.reboot("db-b")
    assert fleet.pg_running("db-b"), "an enabled service starts at boot"
    with psycopg.connect(fleet.conninfo("db-b", user="postgres")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_debian_cluster_unit_disable_is_start_conf_manual(fleet: HostFleet, tmp_path: Path) -> None:
    def start_conf() -> str:
        return fleet.path("db-b", "/etc/postgresql/15/main/start.conf").read_text()

    run_playbook(fleet, tmp_path, CLUSTER_DISABLE)
    assert "manual" in start_conf()
    fleet.reboot("db-b")
    assert not fleet.pg_running("db-b")
    run_playbook(fleet, tmp_path, CLUSTER_ENABLE)
    assert "auto" in start_conf() and fleet.pg_running("db-b")
    fleet.reboot("db-b")
    assert fleet.pg_running("db-b")


def test_power_off_kills_everything_power_on_boots_with_disk_kept(fleet: HostFleet) -> None:
    fleet.run("opd-2", ["sh", "-c", "echo kept > /opt/his-client/disk; echo gone > /tmp/ram"])
    fleet.power_off("opd-2")
    assert fleet.processes()["opd-2"] == []
    assert ssh(fleet, "opd-2", "true", timeout=2).returncode == 255
    assert [r["power"] for r in fleet.status() if r["name"] == "opd-2"] == ["off"]
    fleet.power_on("opd-2")
    out = ssh(fleet, "opd-2", "cat /opt/his-client/disk; ls /tmp")
    assert out.stdout.split() == ["kept"]


def test_power_off_of_primary_is_a_crash_for_postgresql(fleet: HostFleet) -> None:
    fleet.power_off("db-a")
    fleet.power_on("db-a")  # enabled: starts at boot, recovers from the crash
    wait_until(lambda: fleet.pg_running("db-a"), 30, "PostgreSQL back after power-on")
    with psycopg.connect(fleet.conninfo("db-a")) as conn:
        assert hisdata.summary(conn)["patients"] == 300
    log = fleet.path("db-a", "/var/log/postgresql/postgresql-15-main.log").read_text()
    assert "was interrupted" in log or "not properly shut down" in log


def test_provisioning_leaves_a_hot_standby_alone(fleet: HostFleet) -> None:
    """A lab brought up again on a state where a drill left a DB host as a standby: its
    PostgreSQL is read-only (roles come from its primary), and provisioning must not fail
    on "cannot execute ALTER ROLE in a read-only transaction" (the main job did)."""
    signal = "/var/lib/postgresql/15/main/standby.signal"
    fleet.run("db-b", ["runuser", "-u", "postgres", "--", "touch", signal])
    fleet.run("db-b", ["systemctl", "restart", "postgresql@15-main"])
    try:
        assert fleet._in_recovery("db-b")  # noqa: SLF001 - the check provisioning relies on
        fleet._provision_postgres("db-b")  # noqa: SLF001 - what `up` runs on every DB host
    finally:
        fleet.run("db-b", ["rm", "-f", signal])
        fleet.run("db-b", ["systemctl", "restart", "postgresql@15-main"])
    assert not fleet._in_recovery("db-b")  # noqa: SLF001
