"""The failover's controller-side decisions (module_utils/pgha/failover.py)."""

from __future__ import annotations

import os

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import failover, fences
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import InputError

PAIR = ["his-db-1", "his-db-2"]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"candidate": "his-db-9"}, "candidate"),
    ({"group": ["his-db-1"]}, "group"),
    ({"fence": []}, "fence"),
    ({"fence": ["ssh", "ipmi"]}, "fence"),
    ({"fence": ["site_command"]}, "fence_command"),
])  # fmt: skip
def test_bad_inputs_are_refused_naming_the_field(kwargs: dict, field: str) -> None:
    args = {"candidate": "", "group": PAIR, "fence": ["ssh"], "fence_command": [], **kwargs}
    with pytest.raises(InputError) as err:
        failover.validate(**args)
    assert err.value.field == field


@pytest.mark.parametrize(("good", "bad", "field"), [
    ({"candidate": "his-db-2"}, {"candidate": "his-db-3"}, "candidate"),
    ({"fence": ["ssh", "switch_port"]}, {"fence": ["ssh", "switch-port"]}, "fence"),
    ({"fence": ["ssh", "site_command"], "fence_command": ["ipmitool", "power", "off"]},
     {"fence": ["ssh", "site_command"], "fence_command": []}, "fence_command"),
])  # fmt: skip
def test_a_good_input_passes_where_its_neighbour_is_refused(
    good: dict, bad: dict, field: str
) -> None:
    """The good inputs pass, and the nearest bad one is refused on exactly that field: a
    validation that refused everything, or nothing, fails here."""
    args = {"candidate": "", "group": PAIR, "fence": ["ssh"], "fence_command": []}
    assert failover.validate(**{**args, **good}) is None
    with pytest.raises(InputError) as err:
        failover.validate(**{**args, **bad})
    assert err.value.field == field


FENCED = {
    "after": {"enabled": False, "standby_signal": True, "processes": 0},
    "state": {"role": "stopped"},
}


def test_ssh_proof_needs_every_mark_of_a_fence() -> None:
    assert "stopped" in fences.ssh_proof("his-db-1", FENCED)
    for key, value in (("enabled", True), ("standby_signal", False), ("processes", 2)):
        broken = {**FENCED, "after": {**FENCED["after"], key: value}}
        assert fences.ssh_proof("his-db-1", broken) == "", key
    assert fences.ssh_proof("his-db-1", {**FENCED, "state": {"role": "primary"}}) == ""
    assert fences.ssh_proof("his-db-1", {**FENCED, "failed": True}) == ""
    assert fences.ssh_proof("his-db-1", {"unreachable": True, "failed": True}) == ""


def test_site_proof_needs_success_and_a_silent_port() -> None:
    assert fences.site_proof("his-db-1", ["off"], {"rc": 0}, port_closed=True)
    assert fences.site_proof("his-db-1", ["off"], {"rc": 0}, port_closed=False) == ""
    assert fences.site_proof("his-db-1", ["off"], {"rc": 1}, port_closed=True) == ""


def test_start_conf_becomes_manual_keeping_comments() -> None:
    before = "# Automatic startup configuration\n#   auto: ...\n\nauto\n"
    after = failover._manual(before)
    assert after.splitlines()[-1] == "manual" and "auto\n" not in after.replace("#   auto", "")
    assert after.startswith("# Automatic startup configuration")
    assert failover._manual(None) == "manual\n"


def test_a_port_nobody_listens_on_is_closed() -> None:
    assert fences.wait_port_closed("127.0.0.1", 1, timeout=0.5)


def test_the_default_owner_names_user_host_and_time_and_is_unique() -> None:
    owner = failover.default_owner()
    assert "@" in owner and f"pid {os.getpid()} " in owner and "T" in owner.rsplit(" ", 1)[1]
    assert failover.default_owner() != owner  # two runs in the same second differ


def test_switch_proof_needs_a_verified_isolation_and_silent_ports() -> None:
    cut = {
        "verified": {"CORE-1": True},
        "isolation_id": "iso-1",
        "located": {"switch": "CORE-1", "port": "GigabitEthernet1/0/1"},
    }
    proof = fences.switch_proof("his-db-1", cut, port_closed=True, ssh_closed=True)
    assert "CORE-1:GigabitEthernet1/0/1" in proof and "iso-1" in proof
    assert fences.switch_proof("his-db-1", cut, port_closed=True, ssh_closed=False) == ""
    assert fences.switch_proof("his-db-1", {**cut, "verified": {"CORE-1": False}}, True, True) == ""
    assert fences.switch_proof("his-db-1", {**cut, "failed": True}, True, True) == ""
    assert fences.switch_proof("his-db-1", {}, True, True) == ""


def test_a_promotion_started_early_takes_the_controllers_word_and_removes_it(tmp_path) -> None:
    import json
    import threading

    from ansible_collections.hisops.emergency.plugins.module_utils.pgha.failover import await_word

    path = tmp_path / "word.json"
    timer = threading.Timer(
        0.2, lambda: path.write_text(json.dumps({"fence_proof": "ssh: stopped"}))
    )
    timer.start()
    assert await_word(str(path), 5) == {"fence_proof": "ssh: stopped"}
    assert not path.exists()
    assert "no word from the controller" in await_word(str(path), 0.1)["abort"]


def test_a_killed_process_waiting_to_be_reaped_is_not_counted_as_running() -> None:
    """The SSH fence counts PostgreSQL processes left after pkill -9: a zombie serves nobody."""
    import os
    import subprocess
    import time

    from ansible_collections.hisops.emergency.plugins.module_utils.pgha import failover

    child = subprocess.Popen(["sleep", "30"])
    try:
        assert not failover._zombie(child.pid)
        child.kill()
        time.sleep(0.3)  # exited, not yet reaped (no wait() so far)
        assert failover._zombie(child.pid)
    finally:
        child.wait()
    assert failover._zombie(child.pid)  # reaped: gone
    assert not failover._zombie(os.getpid())


def test_the_fence_counts_what_is_left_after_the_killed_processes_had_time_to_leave(
    monkeypatch,
) -> None:
    """pkill -9 returns before the kernel is done: the count waits for them (up to a bound)."""
    from ansible_collections.hisops.emergency.plugins.module_utils.pgha import failover

    listed = iter([[11, 12], [12], []])
    monkeypatch.setattr(failover, "_postgres_pids", lambda: next(listed, []))
    assert failover._gone_within(5) == []
    monkeypatch.setattr(failover, "_postgres_pids", lambda: [7])  # one that never leaves
    assert failover._gone_within(0.3) == [7]
