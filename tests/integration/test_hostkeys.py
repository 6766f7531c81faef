"""Host keys against the lab (issue 17): every lab switch answers with its own key, the lab's
inventory checks them, a switch whose key changed is refused naming it before any password
is sent, and the enrolment records keys once, refusing a changed one unless told."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev import hostkeys
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    DeviceParams,
    DeviceSession,
)
from ansible_collections.hisops.emergency.plugins.modules import host_keys
from lab_helpers import device_params

from .playbooks import run_playbook

pytestmark = pytest.mark.lab

CHANGED = "AGG-3"  # the H3C aggregation switch


def params(lab, name: str, known_hosts: Path) -> DeviceParams:
    return device_params(lab, name, known_hosts)


def passwords_received(lab, name: str) -> int:
    return next(d for d in lab.client.devices() if d["name"] == name)["passwords_received"]


def lab_known_hosts(lab) -> hostkeys.KnownHosts:
    return hostkeys.KnownHosts.load(str(lab.state_dir / "known_hosts"))


def test_each_lab_switch_has_its_own_key_and_the_lab_lists_them(lab) -> None:
    known = lab_known_hosts(lab)
    keys = {n: known.keys_of(e["host"], e["port"]) for n, e in lab.devices.items()}
    assert all(len(k) == 1 for k in keys.values()), keys
    assert len({k[0] for k in keys.values()}) == len(keys)  # a spare's key is not its unit's
    assert known.name_of(lab.devices["SPARE-S5735"]["host"]) == "SPARE-S5735"


def test_a_switch_whose_key_changed_is_refused_naming_it(lab, tmp_path: Path) -> None:
    entry = lab.devices[CHANGED]
    [recorded] = lab_known_hosts(lab).keys_of(entry["host"], entry["port"])
    before = passwords_received(lab, CHANGED)
    lab.fault(CHANGED, "hostkey")
    try:
        offered = hostkeys.offered_key(entry["host"], entry["port"])
        assert offered != recorded
        with pytest.raises(hostkeys.HostKeyChanged) as refused:
            DeviceSession(params(lab, CHANGED, lab.state_dir / "known_hosts")).open()
        message = str(refused.value)
        assert message.startswith(
            f"host key of {CHANGED} ({entry['host']}) has changed: "
            f"{recorded.fingerprint} recorded, {offered.fingerprint} offered"
        )
        assert "run the spare swap or re-enrol it" in message
        # The same through a playbook, with the lab's inventory (checking on).
        run = run_playbook("network_check", lab.inventory, tmp_path, limit=CHANGED)
        assert run.rc != 0 and run.failed_hosts() == {CHANGED}
        assert f"host key of {CHANGED} ({entry['host']}) has changed" in run.stdout
        assert passwords_received(lab, CHANGED) == before  # no credential went to it
    finally:
        lab.clear(CHANGED)
    with DeviceSession(params(lab, CHANGED, lab.state_dir / "known_hosts")) as session:
        assert session.offered_key() == recorded  # its own key again, accepted


def test_a_switch_not_enrolled_is_refused_before_login(lab, tmp_path: Path) -> None:
    before = passwords_received(lab, "CORE-1")
    with pytest.raises(hostkeys.HostKeyUnknown, match=r"^host key of CORE-1 \(.*\) is not in"):
        DeviceSession(params(lab, "CORE-1", tmp_path / "empty")).open()
    assert passwords_received(lab, "CORE-1") == before


def enrol(lab, known_hosts: Path, check: bool = False, **options):
    targets = [
        {"name": n, "host": e["host"], "port": e["port"], "known_hosts": None}
        for n, e in sorted(lab.devices.items())
    ]
    p = {
        "targets": targets,
        "known_hosts": str(known_hosts),
        "expected": options.get("expected", {}),
        "replace": options.get("replace", []),
        "timeout": 10.0,
        "workers": 8,
        "hosts": None,
    }
    result = host_keys.run(p, check, True)
    return result, {row["name"]: row for row in result["hosts"]}


def test_enrolment_records_the_keys_once_and_refuses_a_changed_one(lab, tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    preview, rows = enrol(lab, path, check=True)
    assert preview["changed"] and not path.exists()
    assert {r["status"] for r in rows.values()} == {"would record"}
    assert preview["diff"]["before"] == "" and CHANGED in preview["diff"]["after"]

    first, rows = enrol(lab, path)
    assert first["changed"] and "failed" not in first
    truth = lab_known_hosts(lab)
    enrolled = hostkeys.KnownHosts.load(str(path))
    for name, entry in lab.devices.items():
        assert enrolled.keys_of(entry["host"], entry["port"]) == truth.keys_of(
            entry["host"], entry["port"]
        )
        assert rows[name]["fingerprint"].startswith("SHA256:")
        assert any(rows[name]["fingerprint"] in line for line in first["lines"])
    again, rows = enrol(lab, path)
    assert not again["changed"] and {r["status"] for r in rows.values()} == {"unchanged"}

    text = path.read_text()
    lab.fault(CHANGED, "hostkey")
    try:
        refused, rows = enrol(lab, path)
        assert refused["failed"] and f"host key of {CHANGED}" in refused["msg"]
        assert rows[CHANGED]["status"] == "changed" and path.read_text() == text
        new = rows[CHANGED]["fingerprint"]
        wrong, rows = enrol(lab, path, replace=[CHANGED], expected={CHANGED: "SHA256:not-it"})
        assert rows[CHANGED]["status"] == "mismatch" and path.read_text() == text
        replaced, rows = enrol(lab, path, replace=[CHANGED], expected={CHANGED: new})
        assert rows[CHANGED]["status"] == "replaced" and replaced["changed"]
        assert "failed" not in replaced
        entry = lab.devices[CHANGED]
        [now] = hostkeys.KnownHosts.load(str(path)).keys_of(entry["host"], entry["port"])
        assert now.fingerprint == new
    finally:
        lab.clear(CHANGED)


@pytest.fixture
def sshd_with_two_keys(tmp_path: Path):
    """A real OpenSSH server offering an RSA and an ed25519 host key, on a free port."""
    import socket
    import subprocess
    import time

    keys = {}
    for kind in ("rsa", "ed25519"):
        path = tmp_path / f"ssh_host_{kind}_key"
        subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path)], check=True)
        key_type, blob, *_ = path.with_suffix(".pub").read_text().split()
        keys[kind] = hostkeys.HostKey(key_type, blob)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nPidFile none\nUsePAM no\n"
        f"HostKey {tmp_path / 'ssh_host_rsa_key'}\nHostKey {tmp_path / 'ssh_host_ed25519_key'}\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    server = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield port, keys
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_host_known_by_its_rsa_key_is_asked_for_that_key(
    sshd_with_two_keys, tmp_path: Path
) -> None:
    """A server with several keys: the enrolment asks for the type on file (as ssh and
    paramiko do), so a host recorded by its RSA key is not reported as changed."""
    port, keys = sshd_with_two_keys
    path = tmp_path / "known_hosts"
    path.write_text(f"[127.0.0.1]:{port} {keys['rsa'].key_type} {keys['rsa'].blob} db-a\n")
    target = [hostkeys.Target("db-a", "127.0.0.1", port)]
    result = hostkeys.enrol(str(path), target)
    assert result["hosts"][0]["status"] == "unchanged", result
    assert result["hosts"][0]["fingerprint"] == keys["rsa"].fingerprint
    fresh = hostkeys.enrol(str(tmp_path / "new"), target)  # unknown: the best type offered
    assert fresh["hosts"][0]["fingerprint"] == keys["ed25519"].fingerprint
