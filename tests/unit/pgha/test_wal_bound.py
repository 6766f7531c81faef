"""Issue 16: the WAL a lost standby's slot holds back on the primary is bounded, shown and
warned about long before the bound (pure: settings and node states in, text out)."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import ops
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.config import (
    HaSettings,
    size_bytes,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import NodeState
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.verdict import (
    assess,
    describe,
    wal_warnings,
)

GB = 1024**3
MB = 1024**2


def settings(bound: str) -> HaSettings:
    return HaSettings("his-db-1", "his-db-2", "10.0.0.12", max_slot_wal_keep_size=bound)


@pytest.mark.parametrize(
    ("bound", "disk", "rendered"),
    [
        ("auto", 100 * GB, "20480MB"),  # a fifth of the disk
        ("auto", 2 * GB, "1024MB"),  # never under the floor
        ("10%", 50 * GB, "5120MB"),
        ("8GB", 2 * GB, "8GB"),  # a size is taken as said
    ],
)
def test_the_slot_bound_is_sized_from_the_disk_with_a_floor(bound, disk, rendered):
    text = settings(bound).with_wal_bound(disk).render()
    assert f"max_slot_wal_keep_size = '{rendered}'" in text
    # the same disk gives the same file: the build stays idempotent
    assert text == settings(bound).with_wal_bound(disk).render()


@pytest.mark.parametrize("bound", ["-1", "lots", "0%", "95%", "8 GB", ""])
def test_a_bad_bound_is_refused_naming_the_field(bound):
    with pytest.raises(InputError) as err:
        settings(bound).validate()
    assert err.value.field == "max_slot_wal_keep_size"


def test_size_bytes():
    assert size_bytes("512MB") == 512 * MB and size_bytes("2GB") == 2 * GB
    assert size_bytes("64kB") == 64 * 1024


def test_disk_bytes_of_a_path_not_created_yet_is_its_parents(tmp_path):
    assert ops.disk_bytes(str(tmp_path / "not" / "yet")) == ops.disk_bytes(str(tmp_path))


def primary_with_slot(kept, status="reserved", bound=1024 * MB, active=False):
    slot = {"name": "hisops_his_db_2", "type": "physical", "active": active,
            "restart_lsn": "0/1000000", "wal_status": status, "retained_bytes": kept,
            "safe_wal_size": None}  # fmt: skip
    return NodeState(name="his-db-1", role="primary", timeline=1, lsn="0/9000000",
                     slots=[slot], wal_bytes=kept + 16 * MB, wal_bound_bytes=bound)  # fmt: skip


def down(name="his-db-2"):
    return NodeState(name=name, role="stopped", cluster_state="in archive recovery")


def test_no_warning_below_half_of_the_bound():
    assert wal_warnings(primary_with_slot(400 * MB), 50, ["his-db-1", "his-db-2"]) == []


def test_a_slot_past_half_its_bound_is_warned_naming_the_standby_and_the_cure():
    [warning] = wal_warnings(primary_with_slot(600 * MB), 50, ["his-db-1", "his-db-2"])
    assert "holds 600.0 MB of WAL, 58% of its bound of 1.0 GB" in warning
    assert "bring his-db-2 back (db_rejoin)" in warning


def test_an_unreserved_and_a_lost_slot_say_the_standby_must_be_cloned():
    [unreserved] = wal_warnings(primary_with_slot(1100 * MB, "unreserved"), 50, ["his-db-2"])
    assert "past its bound" in unreserved and "cloned again" in unreserved
    [lost] = wal_warnings(primary_with_slot(0, "lost"), 50, ["his-db-2"])
    assert "is LOST" in lost and "his-db-2 must be cloned again (db_rejoin does it)" in lost


def test_an_unbounded_inactive_slot_is_warned():
    [warning] = wal_warnings(primary_with_slot(10 * MB, bound=-1), 50, ["his-db-2"])
    assert "WITHOUT BOUND" in warning


def test_status_lines_show_retained_wal_wal_status_and_the_warning():
    verdict = assess([primary_with_slot(700 * MB), down()]).as_dict()
    assert len(verdict["warnings"]) == 1
    lines = describe(verdict)
    assert "hisops_his_db_2 inactive holding 700.0 MB (reserved)" in lines[0]
    assert "pg_wal 716.0 MB, slot bound 1.0 GB" in lines[0]
    assert lines[2].startswith("WARNING: slot hisops_his_db_2 on his-db-1 holds 700.0 MB")


def test_a_bad_warn_percent_is_refused():
    with pytest.raises(InputError) as err:
        assess([primary_with_slot(1), down()], wal_warn_percent=0)
    assert err.value.field == "wal_warn_percent"
