"""Pure parts of the pair: settings file, .pgpass, LSN arithmetic, controldata, the lock."""

from __future__ import annotations

import json
import os

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import lsn, ops
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.config import (
    HaSettings,
    merge_pgpass,
    slot_name,
    standby_name,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import (
    InputError,
    LockHeld,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import (
    NodeState,
    parse_controldata,
    read_stopped,
    timeline_of_walfile,
)


def test_settings_name_the_peer_and_never_a_password():
    text = HaSettings("his-db-1", "his-db-2", "10.0.0.12").validate().render()
    assert "wal_log_hints = on" in text and "hot_standby = on" in text
    assert "host=10.0.0.12 port=5432 user=hisops_replicator" in text
    assert "application_name=his-db-1" in text
    assert "primary_slot_name = 'hisops_his_db_1'" in text
    assert "recovery_target_timeline = 'latest'" in text
    assert "synchronous_standby_names = ''" in text
    assert "password" not in text


def test_sync_mode_names_the_peer_as_synchronous_standby():
    text = HaSettings("a", "b", "10.0.0.2", sync_mode="sync").validate().render()
    assert "synchronous_standby_names = '\"b\"'" in text


@pytest.mark.parametrize("peer", ["his-db-2", "db.2", "HIS_DB_2", "2nd-db"])
def test_a_sync_standby_name_is_double_quoted_whatever_it_holds(peer):
    """Issue 14: 'his-db-2' unquoted is a syntax error the server rejects at reload (and at
    the standby's next start). Quoted, any name of the settings' alphabet is one entry."""
    text = HaSettings("his-db-1", peer, "10.0.0.2", sync_mode="sync").validate().render()
    assert f"synchronous_standby_names = '\"{peer}\"'" in text
    assert standby_name('we"ird') == '"we""ird"'


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sync_mode": "semi"}, "sync_mode"),
        ({"peer": "a"}, "peer"),
        ({"peer_host": "bad host"}, "peer_host"),
        ({"peer_port": 70000}, "peer_port"),
        ({"wal_keep_size": "lots"}, "wal_keep_size"),
        ({"node": "x'; DROP"}, "node"),
    ],
)
def test_bad_settings_name_the_field(kwargs, field):
    args = {"node": "a", "peer": "b", "peer_host": "10.0.0.2", **kwargs}
    with pytest.raises(InputError) as err:
        HaSettings(**args).validate()
    assert err.value.field == field


def test_pgpass_entry_is_replaced_not_duplicated_and_escaped():
    first = merge_pgpass("other:5432:*:u:p\n", "10.0.0.2", 5432, "rep", "pa:ss")
    assert first == "other:5432:*:u:p\n10.0.0.2:5432:*:rep:pa\\:ss\n"
    second = merge_pgpass(first, "10.0.0.2", 5432, "rep", "new")
    assert second == "other:5432:*:u:p\n10.0.0.2:5432:*:rep:new\n"


def test_slot_names_are_valid_identifiers():
    assert slot_name("HIS-DB-2.local") == "hisops_his_db_2_local"


def test_lsn_round_trip_and_errors():
    assert lsn.parse("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert lsn.fmt(lsn.parse("16/B374D848")) == "16/B374D848"
    assert lsn.parse(None) is None
    assert lsn.human_bytes(3 * 1024 * 1024) == "3.0 MB"
    with pytest.raises(ValueError):
        lsn.parse("nonsense")


def test_controldata_of_a_crashed_node():
    text = (
        "Database system identifier:           7300000000000000001\n"
        "Database cluster state:               in production\n"
        "Latest checkpoint location:           0/3070220\n"
        "Latest checkpoint's TimeLineID:       2\n"
        "wal_log_hints setting:                on\n"
        "Data page checksum version:           0\n"
    )
    state = read_stopped(parse_controldata(text), NodeState(name="db1"))
    assert (state.role, state.timeline, state.checkpoint_lsn) == ("stopped", 2, "0/3070220")
    assert state.wal_log_hints and not state.data_checksums
    assert timeline_of_walfile("00000003000000000000000A") == 3


def test_the_failover_lock_refuses_a_second_owner(tmp_path):
    path = str(tmp_path / "failover.lock")
    assert ops.lock(path, "alice", "present", check=False).changed
    assert not ops.lock(path, "alice", "present", check=False).changed  # idempotent
    with pytest.raises(LockHeld, match="alice"):
        ops.lock(path, "bob", "present", check=False)
    with pytest.raises(LockHeld, match="alice"):  # check mode: the truth, nothing taken
        ops.lock(path, "bob", "present", check=True)
    assert not ops.lock(path, "bob", "absent", check=False).changed  # not bob's to release
    assert json.loads((tmp_path / "failover.lock").read_text())["owner"] == "alice"
    assert ops.lock(path, "alice", "absent", check=False).changed
    assert ops.lock(path, "bob", "present", check=True).changed  # check mode: would take it
    assert not (tmp_path / "failover.lock").exists()


def test_a_stale_lock_is_broken_only_when_asked(tmp_path):
    path = tmp_path / "failover.lock"
    path.write_text(json.dumps({"owner": "crashed-run", "since": 0}))
    with pytest.raises(LockHeld):
        ops.lock(str(path), "bob", "present", check=False)
    res = ops.lock(str(path), "bob", "present", check=False, break_stale_s=600)
    assert res.changed and json.loads(path.read_text())["owner"] == "bob"


def test_a_refused_run_is_told_who_holds_the_pair_and_since_when(tmp_path):
    path = str(tmp_path / "pair.lock")
    owner = "alice@ctl-1 pid 4242 2026-12-06T01:02:03.000000+00:00"
    ops.lock(path, owner, "present", check=False, operation="switchover")
    with pytest.raises(LockHeld) as err:
        ops.lock(path, "bob@ctl-2 pid 7 x", "present", check=False, operation="rejoin")
    text = str(err.value)
    assert "the pair is locked by a switchover of alice@ctl-1, pid 4242, since " in text
    assert "UTC" in text and path in text
    assert err.value.holder["owner"] == owner and err.value.holder["operation"] == "switchover"


def test_only_the_named_holder_is_broken(tmp_path):
    path = str(tmp_path / "pair.lock")
    ops.lock(path, "gone-run", "present", check=False, operation="rejoin")
    with pytest.raises(LockHeld):
        ops.lock(path, "bob", "present", check=False, break_owner="another-run")
    assert ops.lock(path, "bob", "present", check=False, break_owner="gone-run").changed
    assert json.loads((tmp_path / "pair.lock").read_text())["owner"] == "bob"


@pytest.mark.parametrize(
    ("field", "kwargs"), [("operation", {"operation": "deploy"}), ("owner", {"owner": ""})]
)
def test_lock_inputs_are_refused_naming_the_field(tmp_path, field, kwargs):
    args = {"path": str(tmp_path / "l"), "owner": "a", "state": "present", "check": False, **kwargs}
    with pytest.raises(InputError) as err:
        ops.lock(**args)
    assert err.value.field == field
    assert not (tmp_path / "l").exists()


def test_a_holder_of_this_controller_whose_run_ended_is_gone(tmp_path):
    import socket
    import subprocess

    from ansible_collections.hisops.emergency.plugins.module_utils.pgha import failover

    ended = subprocess.Popen(["true"])
    ended.wait()
    here = socket.gethostname()
    assert failover.gone_holder({"owner": f"op@{here} pid {ended.pid} 2026"})
    assert not failover.gone_holder({"owner": f"op@{here} pid {os.getpid()} 2026"})
    assert not failover.gone_holder({"owner": f"op@elsewhere pid {ended.pid} 2026"})
    assert not failover.gone_holder({})


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        (
            [
                "FATAL:  could not receive data from WAL stream: ERROR:  requested WAL segment "
                "000000010000000000000003 has already been removed"
            ],
            "has already been removed",
        ),
        (
            [
                "LOG:  new timeline 3 forked off current database system timeline 2 before current "
                "recovery point 0/9000028"
            ],
            "forked off",
        ),
        (
            [
                "LOG:  record with incorrect prev-link 0/0 at 0/3000118",
                "FATAL:  terminating walreceiver process due to administrator command",
            ]
            * 3,
            "incorrect prev-link 0/0 at 0/3000118 (read again and again",
        ),
        (
            ["FATAL:  terminating walreceiver process due to administrator command"] * 3,
            "(the walreceiver is restarted again and again)",
        ),
        (
            [
                f"2026-12-06 01:01:0{n}.277 UTC [1066] LOG:  record with incorrect prev-link 4011/0 at "
                "0/FB03AB8"
                for n in (7, 8, 9)
            ],
            "record with incorrect prev-link 4011/0 at 0/FB03AB8 (read again and again",
        ),
    ],
)
def test_a_standby_log_that_says_it_cannot_follow(lines, said):
    assert said in ops.cannot_follow(lines)


def test_a_standby_log_of_an_ordinary_catch_up_says_nothing():
    assert (
        ops.cannot_follow(
            [
                "LOG:  entering standby mode",
                "LOG:  redo starts at 0/2000028",
                "LOG:  invalid record length at 0/3000148: wanted 24, got 0",
                "LOG:  record with incorrect prev-link 0/0 at 0/3000118",
                "LOG:  started streaming WAL from primary at 0/3000000 on timeline 1",
            ]
        )
        == ""
    )
