"""Pure parts of the pair: settings file, .pgpass, LSN arithmetic, controldata, the lock."""

from __future__ import annotations

import json

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import lsn, ops
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.config import (
    HaSettings,
    merge_pgpass,
    slot_name,
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
    assert "synchronous_standby_names = 'b'" in text


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
    text = ("Database system identifier:           7300000000000000001\n"
            "Database cluster state:               in production\n"
            "Latest checkpoint location:           0/3070220\n"
            "Latest checkpoint's TimeLineID:       2\n"
            "wal_log_hints setting:                on\n"
            "Data page checksum version:           0\n")
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
