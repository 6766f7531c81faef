"""The spare swap's and the vendor window's part of the deliberate state (issue 14), without
a lab: which isolations a swap must carry, with which commands, and the holds they record."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netops import spare, transactions
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import Refused
from ansible_collections.hisops.emergency.plugins.module_utils.netops.vendor import VendorStore
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore

ISO = "iso-20261206T010203Z-abcdef"


def _isolation(devices: dict, state: str = "open", opened_ns: int = 1, id: str = ISO) -> dict:
    return {
        "id": id,
        "state": state,
        "kind": "host",
        "target": "10.10.30.101",
        "key": "host:10.10.30.101",
        "opened_ns": opened_ns,
        "located": {"switch": "AGG-1", "port": "GigabitEthernet0/0/1", "ip": "10.10.30.101"},
        "devices": {
            name: {
                "commands": [f"interface {port}", "shutdown", "quit"],
                "inverse": [f"interface {port}", "undo shutdown", "quit"],
                "before": "",
                "after": "",
                "saved": True,
            }
            for name, port in devices.items()
        },
    }


def test_the_failed_units_open_isolations_are_found_oldest_first(tmp_path):
    store = transactions.Store(str(tmp_path / "isolations"), str(tmp_path / "state"))
    store.save(
        _isolation({"AGG-1": "GigabitEthernet0/0/1"}, opened_ns=2, id="iso-20261206T010204Z-bbbbbb")
    )
    store.save(_isolation({"AGG-1": "GigabitEthernet0/0/2", "CORE-1": "Vlanif30"}, opened_ns=1))
    store.save(_isolation({"AGG-2": "GigabitEthernet0/0/1"}, id="iso-20261206T010205Z-cccccc"))
    store.save(
        _isolation(
            {"AGG-1": "GigabitEthernet0/0/3"}, state="closed", id="iso-20261206T010206Z-dddddd"
        )
    )
    found = spare.open_isolations_of("AGG-1", store, store.state)
    assert [r["id"] for r in found] == [ISO, "iso-20261206T010204Z-bbbbbb"]


def test_an_isolation_the_state_knows_but_the_store_does_not_refuses_the_swap(tmp_path):
    state = StateStore(str(tmp_path / "state"))
    transactions.Store(str(tmp_path / "elsewhere"), state.directory).save(
        _isolation({"AGG-1": "Gi0/0/1"})
    )
    with pytest.raises(
        Refused,
        match=rf"open_isolations: isolation {ISO} \(host:10.10.30.101\).* changed "
        r"AGG-1, but its record is not in .*/isolations",
    ):
        spare.open_isolations_of("AGG-1", transactions.Store(str(tmp_path / "isolations")), state)
    with pytest.raises(Refused, match="no isolation store was given"):
        spare.open_isolations_of("AGG-1", None, state)


def test_carried_commands_take_the_spares_interface_names():
    record = _isolation({"AGG-1": "GigabitEthernet0/0/1"})
    commands, inverse = spare.carried_commands(
        record,
        "AGG-1",
        {
            "GigabitEthernet0/0/1": "GigabitEthernet1/0/1",
            "GigabitEthernet0/0/10": "GigabitEthernet1/0/10",
        },
    )
    assert commands == ["interface GigabitEthernet1/0/1", "shutdown", "quit"]
    assert inverse == ["interface GigabitEthernet1/0/1", "undo shutdown", "quit"]
    assert spare.carried_commands(record, "AGG-1", {})[0] == record["devices"]["AGG-1"]["commands"]


def test_a_swap_is_a_spare_swap_hold_on_both_switches(tmp_path):
    state = StateStore(str(tmp_path))
    record = {
        "failed": "AGG-1",
        "spare": "SPARE-S5735",
        "at": "2026-12-06T01:00:00Z",
        "by": "alice",
        "backup": "/b/AGG-1.cfg",
        "address": {"ansible_host": "127.0.0.5"},
        "isolations": [ISO],
    }
    hold = state.put(spare.hold_of_swap(record, "/s/AGG-1.json"))
    assert [h.id for h in state.active("spare_swap", devices=["AGG-1"])] == ["swap-AGG-1"]
    assert hold.devices == ["AGG-1", "SPARE-S5735"] and hold.details["isolations"] == [ISO]
    state.put(
        spare.hold_of_swap(dict(record, by="bob"), "/s/AGG-1.json")
    )  # run again: the same hold
    assert [h.opened_by for h in state.active("spare_swap")] == ["bob"]


def test_a_vendor_window_is_a_hold_while_its_record_is_open(tmp_path):
    store = VendorStore(str(tmp_path / "va"), str(tmp_path / "state"))
    record = {
        "id": "va-20261206T010203Z-abcdef",
        "state": "open",
        "device": "AGG-4",
        "vendor_ip": "10.10.100.10",
        "window": {"end": "2026-12-06 01:32"},
        "approved_by": "pacs lead",
        "opened_by": "it",
        "opened_at": "2026-12-06T01:02:03Z",
        "key": "vendor:AGG-4:10.10.100.10",
    }
    store.save(record)
    [hold] = store.state.active("vendor_window", devices=["AGG-4"])
    assert (
        hold.id == record["id"]
        and hold.details["vendor_ip"] == "10.10.100.10"
        and "01:32" in hold.summary
    )
    store.save(dict(record, state="superseded", superseded_by="va-20261206T010500Z-bbbbbb"))
    assert store.state.active("vendor_window") == []
    assert store.state.get(record["id"]).details["superseded_by"] == "va-20261206T010500Z-bbbbbb"


def test_a_push_into_an_open_vendor_windows_sections_is_refused_and_others_pass(tmp_path):
    """A deploy that would rewrite the VTY ACL or the time range of an open window would end
    the window behind the vendor's back: refused under the lock; other pushes go."""
    from ansible_collections.hisops.emergency.plugins.module_utils.netdev.push import Guard
    from ansible_collections.hisops.emergency.plugins.module_utils.netops.vendor import (
        window_sections,
    )

    commands = [
        "time-range HISOPS-VENDOR-0a0a640a 01:02 2026/12/06 to 01:32 2026/12/06",
        "acl number 3001",
        "rule 1 permit ip source 10.10.100.10 0 time-range HISOPS-VENDOR-0a0a640a",
        "quit",
        "user-interface vty 0 4",
        "acl 3001 inbound",
        "quit",
    ]
    assert window_sections(commands) == [
        "acl number 3001",
        "time-range HISOPS-VENDOR-0a0a640a",
        "user-interface vty 0 4",
    ]
    store = VendorStore(str(tmp_path / "vendor"), str(tmp_path / "state"))
    store.save(
        {
            "id": "va-20261206T010203Z-abcdef",
            "state": "open",
            "device": "AGG-1",
            "vendor_ip": "10.10.100.10",
            "commands": commands,
            "key": "vendor:AGG-1:10.10.100.10",
            "opened_at": "2026-12-06T01:02:03Z",
            "window": {"end": "2026-12-06 01:32"},
        }
    )
    guard = Guard(str(tmp_path / "state"), "AGG-1")
    assert guard.refusal(store.state, ["vlan batch 10 30", "interface Vlanif10", "quit"]) is None
    for push in (
        ["acl number 3001", "undo rule 1", "quit"],
        ["undo time-range HISOPS-VENDOR-0a0a640a"],
        ["user-interface vty 0 4", "undo acl inbound", "quit"],
    ):
        refused = guard.refusal(store.state, push)
        assert (
            refused is not None
            and "vendor_window" in str(refused)
            and "close it first" in str(refused)
        )
    assert Guard(str(tmp_path / "state"), "AGG-2").refusal(store.state, ["acl number 3001"]) is None
