"""Fleet mode of the client release code: the program a workstation runs, ssh, results."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleActionFail
from ansible_collections.hisops.emergency.plugins.module_utils.client import (
    release,
    sample,
    ssh_runs,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import sha256_file


def run_remote(args: dict, package_src: str | None = None) -> dict:
    """The workstation's side without ssh: the same program, fed on stdin to python3 -."""
    done = subprocess.run(
        [sys.executable, "-"],
        input=ssh_runs.remote_script(args, package_src),
        capture_output=True,
        text=True,
        check=True,
    )
    line = [x for x in done.stdout.splitlines() if x.startswith(ssh_runs.MARKER)][-1]
    return json.loads(line[len(ssh_runs.MARKER) :])


@pytest.fixture
def pkgs(tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "pkgs"
    out.mkdir()
    return {
        v: sample.build_tarball(v, str(out), broken=(v == "9.9.9"))
        for v in ("1.0.0", "1.1.0", "9.9.9")
    }


def test_the_workstation_program_switches_checks_health_and_rolls_back(
    tmp_path: Path,
    pkgs: dict[str, str],
) -> None:
    root = tmp_path / "ws"
    for version in ("1.0.0", "1.1.0"):
        release.apply(str(root), "switched", version, pkgs[version], sha256_file(pkgs[version]))
    health = str(root / "current" / "bin" / "his-client") + " health"
    preview = run_remote(
        {"state": "rolled_back", "root": str(root), "check_mode": True, "health_command": health}
    )
    assert preview["changed"] and preview["after"]["current"] == "1.0.0"
    assert os.readlink(root / "current") == "releases/1.1.0"  # check mode touched nothing
    back = run_remote({"state": "rolled_back", "root": str(root), "health_command": health})
    assert back["actions"] == ["switch 1.1.0 -> 1.0.0"] and back["health"]["rc"] == 0
    assert os.readlink(root / "current") == "releases/1.0.0"
    assert ssh_runs.classify(back) == "ok"
    again = run_remote({"state": "rolled_back", "root": str(root), "health_command": health})
    assert not again["changed"] and ssh_runs.classify(again) == "unchanged"


def test_an_unhealthy_switch_is_reverted_on_the_workstation_and_counts_as_failed(
    tmp_path: Path,
    pkgs: dict[str, str],
) -> None:
    root = tmp_path / "ws"
    release.apply(str(root), "switched", "1.0.0", pkgs["1.0.0"], sha256_file(pkgs["1.0.0"]))
    reply = run_remote(
        {
            "state": "switched",
            "version": "9.9.9",
            "package": pkgs["9.9.9"],
            "sha256": sha256_file(pkgs["9.9.9"]),
            "root": str(root),
            "health_command": str(root / "current" / "bin" / "his-client") + " health",
            "revert_unhealthy": True,
        }
    )
    assert reply["reverted"] and reply["health"]["rc"] != 0
    assert ssh_runs.classify(reply) == "failed"
    assert os.readlink(root / "current") == "releases/1.0.0"


def test_an_error_on_the_workstation_is_a_reply_naming_the_field(tmp_path: Path) -> None:
    reply = run_remote({"state": "switched", "version": "1.0.0", "root": str(tmp_path / "ws")})
    assert reply["failed"] and reply["field"] == "package" and "not installed" in reply["msg"]
    assert ssh_runs.classify(reply) == "failed"


def controller_action():
    """An action plugin as the task executor makes one (its host's connection not needed)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.playbook.play_context import PlayContext
    from ansible.playbook.task import Task
    from ansible.plugins.action.normal import ActionModule
    from ansible.template import Templar

    loader = DataLoader()
    return ActionModule(
        task=Task(),
        connection=None,
        play_context=PlayContext(),
        loader=loader,
        templar=Templar(loader=loader),
        shared_loader_obj=None,
    )


def fleet(hostvars: dict, entries: list | None = None, **kw):
    from ansible_collections.hisops.emergency.plugins.plugin_utils import client_connections

    hosts, _served = client_connections.workstation_hosts(
        controller_action(), {"hostvars": hostvars}, list(hostvars), entries, **kw
    )
    return hosts, client_connections.sender(hosts)


def local_workstations(*names: str) -> dict:
    """Workstations on this machine: Ansible's local connection, this Python."""
    return {
        n: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
        for n in names
    }


def test_ssh_uses_the_inventory_connection_details_first() -> None:
    """A workstation is reached over its own Ansible connection: the inventory's details,
    then the fleet's keep-alives and key exchange preference (ssh keeps the first value)."""
    hosts, _send = fleet(
        {
            "ws-1": {
                "ansible_host": "127.63.0.5",
                "ansible_port": "2222",
                "ansible_user": "root",
                "ansible_ssh_private_key_file": "/k/id",
                "ansible_host_key_checking": True,
                "ansible_ssh_common_args": "-o StrictHostKeyChecking=yes",
                "ansible_ssh_extra_args": "-o ServerAliveInterval=9",
                "ansible_python_interpreter": "/opt/py3",
            }
        }
    )
    argv = [
        a.decode()
        for a in hosts.connection("ws-1")._build_command("ssh", "ssh", "127.63.0.5", "cmd")
    ]
    joined = " ".join(argv)
    assert 'IdentityFile="/k/id"' in joined and "Port=2222" in joined and 'User="root"' in joined
    # Ansible's order: the configuration's ssh_args, its own options, the inventory's args
    assert (
        joined.index("ControlPersist=60s")
        < joined.index("StrictHostKeyChecking=yes")
        < joined.index("ServerAliveInterval=9")
        < joined.index("ServerAliveInterval=3")
    )
    assert "BatchMode=yes" in joined
    assert hosts.connection("ws-1").get_option("host_key_checking") is True
    assert "KexAlgorithms=curve25519-sha256," in joined  # this machine's OpenSSH knows it
    assert '/fleet-%C"' in joined  # its own masters: always with the keep-alives
    assert argv[-2:] == ["127.63.0.5", "cmd"]
    become, _send = fleet({"ws-1": {"ansible_become": True, "ansible_become_user": "hisclient"}})
    connection = become.connection("ws-1")
    wrapped = connection.become.build_become_command(
        "timeout -k 5 9 /usr/bin/python3 -", connection._shell
    )
    assert wrapped.startswith("sudo -H -S -n  -u hisclient /bin/sh -c ")  # never asks
    with pytest.raises(AnsibleActionFail, match="connections: ws-1: become_method 'su'"):
        fleet({"ws-1": {"ansible_become": True, "ansible_become_method": "su"}})
    off, _send = fleet({"ws-1": {"ansible_host_key_checking": False}})
    assert off.connection("ws-1").get_option("host_key_checking") is False
    argv = [a.decode() for a in off.connection("ws-1")._build_command("ssh", "ssh", "ws-1", "c")]
    assert "StrictHostKeyChecking=no" in argv and argv[-2] == "ws-1"


def test_bad_input_is_refused_before_any_workstation_is_contacted() -> None:
    with pytest.raises(AnsibleActionFail, match="connections: ws-2: port 'x'"):
        fleet({"ws-1": {}, "ws-2": {"ansible_port": "x"}})
    with pytest.raises(InputError, match="release: unknown release option"):
        ssh_runs.run_fleet_job(
            ["ws-1"], lambda *a: pytest.fail("contacted"), {"state": "query", "bogus": 1}
        )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_workstation_is_a_result_and_an_earlier_failure_is_kept() -> None:
    _hosts, send = fleet(
        {
            "ws-away": {
                "ansible_host": "127.0.0.1",
                "ansible_port": closed_port(),
                "ansible_ssh_common_args": "-o UserKnownHostsFile=/dev/null",
                "ansible_host_key_checking": False,
            },
            "ws-copy": {"ansible_host": "127.0.0.1"},
        }
    )
    out = ssh_runs.run_fleet_job(
        ["ws-away", "ws-copy"],
        send,
        {"state": "rolled_back"},
        record_action="rollback",
        earlier={"ws-copy": {"failed": True, "msg": "disk full"}, "ws-away": {"changed": True}},
    )
    assert out["outcomes"] == {"ws-away": "unreachable", "ws-copy": "failed"}
    assert out["hosts"]["ws-away"]["unreachable"] and not out["changed"]
    assert out["counts"] == {"ok": 0, "unchanged": 0, "failed": 1, "unreachable": 1}
    records = {r["host"]: r for r in out["records"]}
    assert records["ws-copy"]["message"] == "an earlier step failed: disk full"
    assert records["ws-away"]["action"] == "rollback" and records["ws-away"]["target"] == "previous"
    assert records["ws-away"]["expected"] is None


def test_a_workstation_that_does_not_answer_in_time_is_unreachable(tmp_path: Path) -> None:
    slow = tmp_path / "python3"  # a workstation that hangs before it answers
    slow.write_text(f'#!/bin/sh\nsleep 30\nexec {sys.executable} "$@"\n')
    slow.chmod(0o755)
    _hosts, send = fleet(
        {"ws-slow": {"ansible_connection": "local", "ansible_python_interpreter": str(slow)}}
    )
    out = ssh_runs.run_fleet_job(
        ["ws-slow"], send, {"state": "query", "root": str(tmp_path)}, timeout=1
    )
    assert out["outcomes"] == {"ws-slow": "unreachable"}
    assert out["hosts"]["ws-slow"]["msg"].startswith("no answer within 1 s")


def test_the_package_travels_with_the_request_once_and_is_checked(
    tmp_path: Path,
    pkgs: dict[str, str],
) -> None:
    root = tmp_path / "ws"
    dest = str(root / "packages" / "his-client-1.0.0.tar.gz")
    args = {
        "state": "switched",
        "version": "1.0.0",
        "package": dest,
        "root": str(root),
        "sha256": sha256_file(pkgs["1.0.0"]),
    }
    preview = run_remote(dict(args, check_mode=True), pkgs["1.0.0"])
    assert preview["changed"] and preview["actions"][0] == f"copy {dest}"
    assert not os.path.exists(dest)
    first = run_remote(args, pkgs["1.0.0"])
    assert first["actions"] == [f"copy {dest}", "install 1.0.0", "switch none -> 1.0.0"]
    assert sha256_file(dest) == args["sha256"] and os.readlink(root / "current") == "releases/1.0.0"
    again = run_remote(args, pkgs["1.0.0"])
    assert not again["changed"] and again["actions"] == []
    with pytest.raises(InputError, match="package_src: .* expected .* no workstation touched"):
        ssh_runs.remote_script(dict(args, sha256="0" * 64), pkgs["1.0.0"])


def test_the_inventory_vars_reach_the_connection_and_passwords_are_refused() -> None:
    hosts, _send = fleet(
        {
            "ws-1": {
                "ansible_host": "127.63.0.9",
                "ansible_port": 2222,
                "ansible_user": "admin",
                "ansible_ssh_private_key_file": "/k",
                "ansible_ssh_common_args": "-o A=b",
                "ansible_python_interpreter": "auto_silent",
                "ansible_become": "yes",
                "ansible_host_key_checking": "false",
            }
        },
        [{"name": "ws-1", "user": "root"}],
    )
    connection = hosts.connection("ws-1")
    options = {
        k: connection.get_option(k)
        for k in (
            "host",
            "port",
            "remote_user",
            "private_key_file",
            "ssh_common_args",
            "host_key_checking",
        )
    }
    assert options == {
        "host": "127.63.0.9",
        "port": 2222,
        "remote_user": "root",
        "private_key_file": "/k",
        "ssh_common_args": "-o A=b",
        "host_key_checking": False,
    }
    assert (
        connection.become.name == "sudo" and connection.become.get_option("become_user") == "root"
    )
    with pytest.raises(AnsibleActionFail, match="connections: ws-2 sets ansible_password"):
        fleet({"ws-2": {"ansible_password": "secret"}})
    with pytest.raises(AnsibleActionFail, match="connections: ws-2 sets ansible_become_pass"):
        fleet({"ws-2": {"ansible_become_pass": "secret"}})


def test_a_rollback_brings_a_missing_release_from_the_artifact_store(
    tmp_path: Path,
    pkgs: dict[str, str],
) -> None:
    """Issue 14: the release to go back to was pruned (or removed): the fleet sends it from
    the store, checksum checked, in a second session; without it the reply names it."""
    from ansible_collections.hisops.emergency.plugins.module_utils.client.store import (
        ArtifactStore,
    )

    # each "workstation" is a root on this machine, reached over Ansible's local connection
    _hosts, send = fleet(local_workstations("ws-1", "ws-2"))
    store = tmp_path / "store"
    ArtifactStore(str(store)).publish(pkgs["1.0.0"], "his-client", "1.0.0", "tar")
    roots = {name: tmp_path / name for name in ("ws-1", "ws-2")}
    for root in roots.values():
        for version in ("1.0.0", "1.1.0"):
            release.apply(str(root), "switched", version, pkgs[version], sha256_file(pkgs[version]))
        shutil.rmtree(root / "releases" / "1.0.0")

    def rollback(host: str, **kw) -> dict:
        args = {"state": "rolled_back", "root": str(roots[host])} | kw
        return ssh_runs.run_fleet_job(
            [host], send, args, record_action="rollback", store=str(store)
        )

    without = ssh_runs.run_fleet_job(
        list(roots), send, {"state": "rolled_back", "root": str(roots["ws-1"])}
    )
    assert without["outcomes"]["ws-1"] == "failed"
    assert without["hosts"]["ws-1"]["missing"] == "1.0.0"

    preview = rollback("ws-1", check_mode=True)
    assert preview["outcomes"] == {"ws-1": "ok"} and preview["hosts"]["ws-1"]["fetched"] == "1.0.0"
    assert not (roots["ws-1"] / "releases" / "1.0.0").exists()

    done = rollback("ws-1")
    reply = done["hosts"]["ws-1"]
    dest = roots["ws-1"] / "packages" / "his-client-1.0.0.tar.gz"
    assert reply["actions"] == [f"copy {dest}", "install 1.0.0", "switch 1.1.0 -> 1.0.0"]
    assert os.readlink(roots["ws-1"] / "current") == "releases/1.0.0"
    assert sha256_file(str(dest)) == sha256_file(pkgs["1.0.0"])
    assert rollback("ws-1")["changed"] is False

    # the store's copy was replaced: refused on the controller, the workstation untouched
    stored = store / "his-client" / "his-client-1.0.0.tar.gz"
    stored.write_bytes(stored.read_bytes()[:-1] + b"x")
    bad = rollback("ws-2")
    assert bad["outcomes"] == {"ws-2": "failed"}
    assert "not brought from the artifact store" in bad["hosts"]["ws-2"]["msg"]
    assert "corrupted or was replaced" in bad["hosts"]["ws-2"]["msg"]
    assert os.readlink(roots["ws-2"] / "current") == "releases/1.1.0"
