"""The known_hosts the project keeps: fingerprints as ssh-keygen shows them, lookups that
OpenSSH would make (hashed entries, non-22 ports), records that touch only their address,
input refused naming the field, and the spare swap's key step."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev import hostkeys
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    DeviceParams,
    DeviceSession,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops import spare
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.netops.network import Switch


def new_key(tmp_path: Path, name: str) -> hostkeys.HostKey:
    path = tmp_path / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True
    )
    key_type, blob, *_ = (path.with_suffix(".pub")).read_text().split()
    return hostkeys.HostKey(key_type, blob)


def test_the_fingerprint_is_the_one_ssh_keygen_prints(tmp_path: Path) -> None:
    key = new_key(tmp_path, "k")
    shown = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(tmp_path / "k.pub")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[1]
    assert key.fingerprint == shown and shown.startswith("SHA256:")


def test_lookups_find_what_openssh_finds_hashed_entries_and_ports(tmp_path: Path) -> None:
    one, two = new_key(tmp_path, "one"), new_key(tmp_path, "two")
    path = tmp_path / "known_hosts"
    path.write_text(
        f"10.0.0.1 {one.key_type} {one.blob} CORE-1\n[10.0.0.2]:2222 {two.key_type} {two.blob}\n"
    )
    subprocess.run(["ssh-keygen", "-H", "-f", str(path)], check=True, capture_output=True)
    assert "10.0.0.1" not in path.read_text()  # hashed, as HashKnownHosts writes them
    known = hostkeys.KnownHosts.load(str(path))
    assert known.keys_of("10.0.0.1") == [one]
    assert known.keys_of("10.0.0.2", 2222) == [two]
    assert known.keys_of("10.0.0.2") == [] and known.keys_of("10.0.0.3") == []


def test_a_record_replaces_only_its_address_and_twice_changes_nothing(tmp_path: Path) -> None:
    one, two = new_key(tmp_path, "one"), new_key(tmp_path, "two")
    path = tmp_path / "known_hosts"
    path.write_text(
        f"# kept\n10.0.0.1 {one.key_type} {one.blob} CORE-1\n"
        f"10.0.0.1 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 CORE-1\n"
        f"10.0.0.9 {one.key_type} {one.blob} OTHER\n"
    )
    known = hostkeys.KnownHosts.load(str(path))
    assert known.record("10.0.0.1", 22, two, "CORE-1") is True
    assert known.record("10.0.0.1", 22, two, "CORE-1") is False
    known.save()
    lines = path.read_text().splitlines()
    assert lines == [
        "# kept",
        f"10.0.0.1 {two.key_type} {two.blob} CORE-1",
        f"10.0.0.9 {one.key_type} {one.blob} OTHER",
    ]
    assert hostkeys.KnownHosts.load(str(path)).name_of("10.0.0.9") == "OTHER"


@pytest.mark.parametrize(
    ("targets", "expected", "replace", "field"),
    [
        ([hostkeys.Target("A", "")], {}, [], "targets[0].host"),
        ([hostkeys.Target("A", "10.0.0.1", 70000)], {}, [], "targets[0].port"),
        ([hostkeys.Target("A", "10.0.0.1")], {"A": "MD5:aa"}, [], "expected.A"),
        ([hostkeys.Target("A", "10.0.0.1")], {"B": "SHA256:x"}, [], "expected"),
        ([hostkeys.Target("A", "10.0.0.1")], {}, ["B"], "replace"),
    ],
)
def test_bad_enrolment_input_is_refused_naming_the_field_before_any_host(
    tmp_path: Path, targets, expected, replace, field
) -> None:
    with pytest.raises(InputError, match=rf"^{re.escape(field)}:"):
        hostkeys.enrol(str(tmp_path / "kh"), targets, expected, replace)
    assert not (tmp_path / "kh").exists()


def test_a_host_that_does_not_answer_is_reported_and_nothing_is_recorded(tmp_path: Path) -> None:
    result = hostkeys.enrol(str(tmp_path / "kh"), [hostkeys.Target("GONE", "127.0.0.1", 1)])
    assert result["failed"] and "GONE unreachable" in result["msg"]
    assert result["hosts"][0]["status"] == "unreachable" and not result["changed"]
    assert not (tmp_path / "kh").exists()


def test_a_session_without_a_known_hosts_file_is_refused_before_connecting(monkeypatch) -> None:
    monkeypatch.delenv(hostkeys.KNOWN_HOSTS_ENV, raising=False)
    params = DeviceParams("AGG-3", "huawei", "127.0.0.1", "u", "p", port=1)
    with pytest.raises(InputError, match="known_hosts is required"):
        DeviceSession(params).open()
    kwargs = DeviceParams("AGG-3", "huawei", "h", "u", "p", known_hosts="/k").netmiko_kwargs()
    assert kwargs["ssh_strict"] is True and kwargs["alt_key_file"] == "/k"
    assert kwargs["system_host_keys"] is False


def _switch(name: str, host: str, role: str, known_hosts: str) -> Switch:
    return Switch(name, DeviceParams(name, "huawei", host, "u", "p", known_hosts=known_hosts), role)


def test_the_spare_swap_step_puts_the_spares_key_on_the_failed_units_address(
    tmp_path: Path,
) -> None:
    failed_key, spare_key = new_key(tmp_path, "failed"), new_key(tmp_path, "spare")
    path = tmp_path / "known_hosts"
    text = (
        f"10.0.0.13 {failed_key.key_type} {failed_key.blob} AGG-3\n"
        f"10.0.0.32 {spare_key.key_type} {spare_key.blob} SPARE-S5735\n"
    )
    path.write_text(text)
    failed = _switch("AGG-3", "10.0.0.13", "aggregation", str(path))
    spare_unit = _switch("SPARE-S5735", "10.0.0.32", "spare", str(path))
    preview = spare._host_key_step(spare_unit, failed, check_mode=True)
    assert path.read_text() == text  # check mode writes nothing
    assert preview["before"] == [failed_key.fingerprint]
    assert preview["after"] == spare_key.fingerprint and preview["changed"]
    step = spare._host_key_step(spare_unit, failed, check_mode=False)
    assert step == {**preview, "changed": True}
    known = hostkeys.KnownHosts.load(str(path))
    assert known.keys_of("10.0.0.13") == [spare_key] and known.name_of("10.0.0.13") == "AGG-3"
    assert spare._host_key_step(spare_unit, failed, check_mode=False)["changed"] is False
    unknown_spare = _switch("SPARE-X", "10.0.0.99", "spare", str(path))
    with pytest.raises(NetdevError, match="no host key recorded for 10.0.0.99"):
        spare._host_key_step(unknown_spare, failed, check_mode=False)
