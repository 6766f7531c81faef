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
from ansible_collections.hisops.emergency.plugins.module_utils.client import (
    release,
    sample,
    ssh_runs,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import sha256_file


def run_remote(args: dict, package_src: str | None = None) -> dict:
    """The workstation's side without ssh: the same program, fed on stdin to python3 -."""
    done = subprocess.run([sys.executable, "-"], input=ssh_runs.remote_script(args, package_src),
                          capture_output=True, text=True, check=True)
    line = [x for x in done.stdout.splitlines() if x.startswith(ssh_runs.MARKER)][-1]
    return json.loads(line[len(ssh_runs.MARKER):])


@pytest.fixture
def pkgs(tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "pkgs"
    out.mkdir()
    return {v: sample.build_tarball(v, str(out), broken=(v == "9.9.9"))
            for v in ("1.0.0", "1.1.0", "9.9.9")}


def test_the_workstation_program_switches_checks_health_and_rolls_back(
    tmp_path: Path, pkgs: dict[str, str],
) -> None:
    root = tmp_path / "ws"
    for version in ("1.0.0", "1.1.0"):
        release.apply(str(root), "switched", version, pkgs[version], sha256_file(pkgs[version]))
    health = str(root / "current" / "bin" / "his-client") + " health"
    preview = run_remote({"state": "rolled_back", "root": str(root), "check_mode": True,
                          "health_command": health})
    assert preview["changed"] and preview["after"]["current"] == "1.0.0"
    assert os.readlink(root / "current") == "releases/1.1.0"  # check mode touched nothing
    back = run_remote({"state": "rolled_back", "root": str(root), "health_command": health})
    assert back["actions"] == ["switch 1.1.0 -> 1.0.0"] and back["health"]["rc"] == 0
    assert os.readlink(root / "current") == "releases/1.0.0"
    assert ssh_runs.classify(back) == "ok"
    again = run_remote({"state": "rolled_back", "root": str(root), "health_command": health})
    assert not again["changed"] and ssh_runs.classify(again) == "unchanged"


def test_an_unhealthy_switch_is_reverted_on_the_workstation_and_counts_as_failed(
    tmp_path: Path, pkgs: dict[str, str],
) -> None:
    root = tmp_path / "ws"
    release.apply(str(root), "switched", "1.0.0", pkgs["1.0.0"], sha256_file(pkgs["1.0.0"]))
    reply = run_remote({"state": "switched", "version": "9.9.9", "package": pkgs["9.9.9"],
                        "sha256": sha256_file(pkgs["9.9.9"]), "root": str(root),
                        "health_command": str(root / "current" / "bin" / "his-client") + " health",
                        "revert_unhealthy": True})
    assert reply["reverted"] and reply["health"]["rc"] != 0
    assert ssh_runs.classify(reply) == "failed"
    assert os.readlink(root / "current") == "releases/1.0.0"


def test_an_error_on_the_workstation_is_a_reply_naming_the_field(tmp_path: Path) -> None:
    reply = run_remote({"state": "switched", "version": "1.0.0", "root": str(tmp_path / "ws")})
    assert reply["failed"] and reply["field"] == "package" and "not installed" in reply["msg"]
    assert ssh_runs.classify(reply) == "failed"


def test_ssh_uses_the_inventory_connection_details_first() -> None:
    argv = ssh_runs.ssh_argv({"name": "ws-1", "host": "127.63.0.5", "port": "2222", "user": "root",
                           "key_file": "/k/id", "common_args": "-o StrictHostKeyChecking=yes",
                           "extra_args": "-o ServerAliveInterval=9", "python": "/opt/py3"})
    assert argv[:5] == ["ssh", "-o", "StrictHostKeyChecking=yes", "-o", "ServerAliveInterval=9"]
    joined = " ".join(argv)
    assert "-i /k/id" in joined and "-p 2222" in joined and "-l root" in joined
    assert argv[-2:] == ["127.63.0.5", "/opt/py3 -"]
    assert "StrictHostKeyChecking=no" not in joined
    assert "KexAlgorithms=curve25519-sha256," in joined  # this machine's OpenSSH knows it
    become = ssh_runs.ssh_argv({"name": "ws-1", "become": True, "become_user": "hisclient"})
    assert become[-1] == "sudo -n -H -u hisclient /usr/bin/python3 -"
    with pytest.raises(InputError, match="connections: ws-1: become_method 'su'"):
        ssh_runs.ssh_argv({"name": "ws-1", "become": True, "become_method": "su"})
    off = ssh_runs.ssh_argv({"name": "ws-1", "host_key_checking": False})
    assert "StrictHostKeyChecking=no" in off and off[-2] == "ws-1"


def test_bad_input_is_refused_before_any_workstation_is_contacted() -> None:
    with pytest.raises(InputError, match="connections: ws-2: port 'x'"):
        ssh_runs.run_fleet_job(["ws-1", "ws-2"], [{"name": "ws-1"}, {"name": "ws-2", "port": "x"}],
                            {"state": "query"})
    with pytest.raises(InputError, match="connections: no connection details for ws-3"):
        ssh_runs.run_fleet_job(["ws-3"], [{"name": "ws-1"}], {"state": "query"})
    with pytest.raises(InputError, match="release: unknown release option"):
        ssh_runs.run_fleet_job(["ws-1"], [{"name": "ws-1"}], {"state": "query", "bogus": 1})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_workstation_is_a_result_and_an_earlier_failure_is_kept() -> None:
    conn = {"name": "ws-away", "host": "127.0.0.1", "port": str(closed_port()),
            "common_args": "-o UserKnownHostsFile=/dev/null", "host_key_checking": False}
    out = ssh_runs.run_fleet_job(
        ["ws-away", "ws-copy"], [conn, {"name": "ws-copy", "host": "127.0.0.1"}],
        {"state": "rolled_back"}, record_action="rollback",
        earlier={"ws-copy": {"failed": True, "msg": "disk full"}, "ws-away": {"changed": True}},
    )
    assert out["outcomes"] == {"ws-away": "unreachable", "ws-copy": "failed"}
    assert out["hosts"]["ws-away"]["unreachable"] and not out["changed"]
    assert out["counts"] == {"ok": 0, "unchanged": 0, "failed": 1, "unreachable": 1}
    records = {r["host"]: r for r in out["records"]}
    assert records["ws-copy"]["message"] == "an earlier step failed: disk full"
    assert records["ws-away"]["action"] == "rollback" and records["ws-away"]["target"] == "previous"
    assert records["ws-away"]["expected"] is None


def test_the_package_travels_with_the_request_once_and_is_checked(
    tmp_path: Path, pkgs: dict[str, str],
) -> None:
    root = tmp_path / "ws"
    dest = str(root / "packages" / "his-client-1.0.0.tar.gz")
    args = {"state": "switched", "version": "1.0.0", "package": dest, "root": str(root),
            "sha256": sha256_file(pkgs["1.0.0"])}
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


def test_the_action_plugin_takes_the_inventory_vars_and_refuses_passwords() -> None:
    from ansible.errors import AnsibleActionFail
    from ansible_collections.hisops.emergency.plugins.action.client_fleet import (
        connection_from_vars,
    )

    conn = connection_from_vars("ws-1", {
        "ansible_host": "127.63.0.9", "ansible_port": 2222, "ansible_user": "admin",
        "ansible_ssh_private_key_file": "/k", "ansible_ssh_common_args": "-o A=b",
        "ansible_python_interpreter": "auto_silent", "ansible_become": "yes",
        "ansible_host_key_checking": "false",
    }, {"user": "root"})
    assert conn == {"name": "ws-1", "host": "127.63.0.9", "port": "2222", "user": "root",
                    "key_file": "/k", "common_args": "-o A=b", "become": True,
                    "host_key_checking": False}
    with pytest.raises(AnsibleActionFail, match="connections: ws-2 sets ansible_password"):
        connection_from_vars("ws-2", {"ansible_password": "secret"})


def test_a_rollback_brings_a_missing_release_from_the_artifact_store(
    tmp_path: Path, pkgs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 14: the release to go back to was pruned (or removed): the fleet sends it from
    the store, checksum checked, in a second session; without it the reply names it."""
    from ansible_collections.hisops.emergency.plugins.module_utils.client.store import (
        ArtifactStore,
    )

    # each "workstation" is a root on this machine; ssh is replaced by python3 - here
    monkeypatch.setattr(ssh_runs, "ssh_argv", lambda conn, timeout=10: [sys.executable, "-"])
    store = tmp_path / "store"
    ArtifactStore(str(store)).publish(pkgs["1.0.0"], "his-client", "1.0.0", "tar")
    roots = {name: tmp_path / name for name in ("ws-1", "ws-2")}
    for root in roots.values():
        for version in ("1.0.0", "1.1.0"):
            release.apply(str(root), "switched", version, pkgs[version], sha256_file(pkgs[version]))
        shutil.rmtree(root / "releases" / "1.0.0")
    conns = [{"name": name} for name in roots]

    def rollback(host: str, **kw) -> dict:
        args = {"state": "rolled_back", "root": str(roots[host])} | kw
        return ssh_runs.run_fleet_job([host], [{"name": host}], args, record_action="rollback",
                                   store=str(store))

    without = ssh_runs.run_fleet_job(list(roots), conns, {"state": "rolled_back",
                                                        "root": str(roots["ws-1"])})
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
