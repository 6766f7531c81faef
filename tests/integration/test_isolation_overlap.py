"""Isolations as an outbreak makes them (issue 14): two engineers at once, isolations that
overlap on a switch reconnected in any order, and a host behind a switch that does not
answer isolated as far as it can be, then completed.

Each test is the exact sequence that failed before: both isolations stuck after two
started together; the first of two host blocks on one gateway could not be reconnected
first; an isolation behind a silent switch failed whole and did nothing.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import DeviceSession
from ansible_collections.hisops.emergency.plugins.module_utils.netops import isolate, reconnect
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import Store
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore
from lab_helpers import wait_until

from .playbooks import run_playbook
from .test_isolation import configs, inventory_of, reachable

pytestmark = pytest.mark.lab

CLEAN = {"cleanup_by": "it-oncall", "cleanup_scan": "clean"}


@pytest.fixture
def dirs(tmp_path, monkeypatch) -> tuple[Path, Path]:
    isolations, state = tmp_path / "isolations", tmp_path / "state"
    monkeypatch.setenv("HISOPS_ISOLATION_DIR", str(isolations))
    monkeypatch.setenv("HISOPS_STATE_DIR", str(state))
    return isolations, state


def test_two_segment_isolations_started_together_reconnect_in_either_order(
    fresh_lab, dirs, tmp_path
):
    lab = fresh_lab
    isolations, state = dirs
    before = configs(lab)
    runs: dict[str, object] = {}

    def isolate_segment(segment: str, operator: str) -> None:
        workdir = tmp_path / segment
        workdir.mkdir()
        runs[segment] = run_playbook(
            "isolate",
            lab.inventory,
            workdir,
            {"segment": segment, "reason": f"outbreak ({operator})"},
        )

    threads = [
        threading.Thread(target=isolate_segment, args=(s, o))
        for s, o in (("PHARMACY", "alice"), ("DOCTOR", "bob"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for segment, run in runs.items():
        assert run.rc == 0, f"{segment}: {run.stdout}"
    assert not reachable(lab, "pharm-01") and not reachable(lab, "doc-01")
    assert reachable(lab, "opd-reg-01")
    ids = {s: r.report("isolation.json")["isolation_id"] for s, r in runs.items()}
    records = {s: json.loads((isolations / f"{i}.json").read_text()) for s, i in ids.items()}
    first, second = sorted(records, key=lambda s: records[s]["opened_ns"])
    # The lock made the second read its "before" after the first's record: the chain holds.
    assert (
        records[second]["devices"]["CORE-1"]["before"]
        == records[first]["devices"]["CORE-1"]["after"]
    )
    holds = StateStore(str(state)).active("isolation")
    assert {h.id for h in holds} == set(ids.values())
    assert "pharm-01" in StateStore(str(state)).isolated_endpoints()

    # The one opened first is reconnected first: before, "opened later ... reconnect those first".
    back = run_playbook("reconnect", lab.inventory, tmp_path, {"isolation_id": ids[first], **CLEAN})
    assert back.rc == 0, back.stdout
    first_host, second_host = (
        {"PHARMACY": "pharm-01", "DOCTOR": "doc-01"}[first],
        {"PHARMACY": "pharm-01", "DOCTOR": "doc-01"}[second],
    )
    assert reachable(lab, first_host) and not reachable(lab, second_host)
    assert {h.id for h in StateStore(str(state)).active("isolation")} == {ids[second]}

    back = run_playbook(
        "reconnect", lab.inventory, tmp_path, {"isolation_id": ids[second], **CLEAN}
    )
    assert back.rc == 0, back.stdout
    assert configs(lab) == before  # byte for byte, every switch
    assert reachable(lab, "pharm-01") and reachable(lab, "doc-01")
    assert StateStore(str(state)).active() == []


def test_two_hosts_blocked_on_one_gateway_reconnect_first_one_first(fresh_lab, dirs):
    lab = fresh_lab
    isolations, state = dirs
    store = Store(str(isolations), str(state))
    inv = inventory_of(lab)
    before = configs(lab)
    one = isolate.isolate(
        inv, store, isolate.parse_target(inv, host="10.10.30.101"), "alice", "beaconing"
    )
    two = isolate.isolate(
        inv, store, isolate.parse_target(inv, host="10.10.30.102"), "bob", "beaconing"
    )
    assert not reachable(lab, "pharm-01") and not reachable(lab, "pharm-02")
    assert reachable(lab, "pharm-03")

    # The first created the block ACL on CORE-1; undoing it whole would free pharm-02.
    done = reconnect.reconnect(store, one["isolation_id"], inv.switches, "carol", **CLEAN)
    assert all(done["verified"].values()), done
    assert reachable(lab, "pharm-01") and not reachable(lab, "pharm-02")
    heir = store.load(two["isolation_id"])
    assert heir["devices"]["CORE-1"]["inherited"], "the shared ACL was not handed over"

    done = reconnect.reconnect(store, two["isolation_id"], inv.switches, "carol", **CLEAN)
    assert all(done["verified"].values()), done
    assert configs(lab) == before  # the ACL and its binding are gone with the last user
    assert reachable(lab, "pharm-02")


def test_hosts_blocked_on_a_classic_ios_gateway_reconnect_first_one_first(fresh_lab, dirs):
    """Classic IOS (ACC-3, WS-C2960X, 15.2) prints no sequence numbers in its running
    configuration: the second host's entry was numbered from none (5 again) and refused as
    a duplicate. Its number now comes from ``show ip access-lists``. ACC-3 routes VLAN 60
    here (an SVI of its own) and is the only core of this inventory.

    That release does not save the numbers either: ACC-3 reloads after two isolations (its
    entries are then 10, 20 and the permit 30). The third host's entry goes before the
    permit (25, not 35: a deny after it would never match), and the reconnects remove each
    entry by its text: by number, the first's ``no 5`` would remove nothing and the
    second's ``no 10`` the first host's entry."""
    lab = fresh_lab
    isolations, state = dirs
    store = Store(str(isolations), str(state))
    inv = inventory_of(lab)
    with DeviceSession(inv.switches["ACC-3"].params) as session:
        session.config_set(["interface Vlan60", "ip address 10.10.60.2 255.255.255.0", "exit"])
        session.save()
    for switch in inv.switches.values():
        switch.role = "core" if switch.name == "ACC-3" else "access"
    before = configs(lab)

    def block(ip: str) -> dict:
        return isolate.isolate(inv, store, isolate.parse_target(inv, host=ip), "alice", "worm")

    def entries(*hosts: str) -> str:
        lines = "".join(f" deny   ip host 10.10.60.{h} any\n" for h in hosts)
        return f"ip access-list extended HISOPS-ISOLATE-3999\n{lines} permit ip any any\n"

    one, two = block("10.10.60.104"), block("10.10.60.105")
    assert set(one["commands"]) == set(two["commands"]) == {"ACC-3"}
    assert "10 deny ip host 10.10.60.105 any" in two["commands"]["ACC-3"]  # after 5, not 5
    assert entries("104", "105") in lab.client.config("ACC-3")
    lab.fault("ACC-3", "reboot", seconds=0.3)  # boots on the saved config: 10, 20, permit 30
    wait_until(
        lambda: {d["name"]: d["state"] for d in lab.client.status()["devices"]}["ACC-3"] == "up",
        10,
        "ACC-3 did not come back",
    )
    three = block("10.10.60.106")
    assert "25 deny ip host 10.10.60.106 any" in three["commands"]["ACC-3"]
    isolated = lab.client.config("ACC-3")
    assert entries("104", "105", "106") in isolated, isolated
    assert (
        "interface Vlan60\n ip address 10.10.60.2 255.255.255.0\n ip access-group "
        "HISOPS-ISOLATE-3999 in\n" in isolated
    )
    assert not any(reachable(lab, f"lis-ws-0{n}") for n in (1, 2, 3))

    done = reconnect.reconnect(store, one["isolation_id"], inv.switches, "carol", **CLEAN)
    assert done["verified"] == {"ACC-3": True}, done
    assert "no deny ip host 10.10.60.104 any" in done["commands"]["ACC-3"]
    assert entries("105", "106") in lab.client.config("ACC-3")
    assert reachable(lab, "lis-ws-01") and not reachable(lab, "lis-ws-02")
    done = reconnect.reconnect(store, two["isolation_id"], inv.switches, "carol", **CLEAN)
    assert done["verified"] == {"ACC-3": True}, done
    left = lab.client.config("ACC-3")
    assert entries("106") in left and " ip access-group HISOPS-ISOLATE-3999 in" in left, left
    done = reconnect.reconnect(store, three["isolation_id"], inv.switches, "carol", **CLEAN)
    assert done["verified"] == {"ACC-3": True}, done
    assert configs(lab) == before  # the ACL and its binding gone with the last user
    assert reachable(lab, "lis-ws-02") and reachable(lab, "lis-ws-03")


def test_a_change_nobody_recorded_is_still_refused_beside_an_open_isolation(fresh_lab, dirs):
    lab = fresh_lab
    isolations, state = dirs
    store = Store(str(isolations), str(state))
    inv = inventory_of(lab)
    one = isolate.isolate(
        inv, store, isolate.parse_target(inv, segment="PHARMACY"), "alice", "outbreak"
    )
    isolate.isolate(inv, store, isolate.parse_target(inv, segment="DOCTOR"), "bob", "outbreak")
    with DeviceSession(inv.switches["CORE-1"].params) as session:  # someone's change, unrecorded
        session.config_set(["vlan 77", "quit"])
    with pytest.raises(
        reconnect.TransactionError, match=r"changed since the isolation on CORE-1: \+ vlan"
    ):
        reconnect.reconnect(store, one["isolation_id"], inv.switches, "carol", **CLEAN)
    assert not reachable(lab, "pharm-01")
    forced = reconnect.reconnect(
        store, one["isolation_id"], inv.switches, "carol", force=True, **CLEAN
    )
    assert (
        all(forced["verified"].values())
        and reachable(lab, "pharm-01")
        and not reachable(lab, "doc-01")
    )


def test_a_host_behind_a_silent_switch_is_blocked_at_the_core_then_completed(
    fresh_lab, dirs, tmp_path
):
    lab = fresh_lab
    isolations, state = dirs
    before = configs(lab)
    assert reachable(lab, "nurse-01", "nurse-02")
    lab.fault("AGG-2", "unreachable")
    run = run_playbook(
        "isolate", lab.inventory, tmp_path, {"host": "10.10.40.101", "reason": "worm"}
    )
    assert run.rc == 0, run.stdout
    report = run.report("isolation.json")
    assert "AGG-2" in report["partial"] and "PARTIALLY" in run.stdout
    assert not reachable(lab, "nurse-01")  # blocked at the core
    record = json.loads((isolations / f"{report['isolation_id']}.json").read_text())
    assert "AGG-2" in record["partial"] and set(record["devices"]) == {"CORE-1"}
    assert StateStore(str(state)).get(record["id"]).details["partial"] == record["partial"]

    still = run_playbook(
        "isolate", lab.inventory, tmp_path, {"host": "10.10.40.101", "reason": "worm"}
    )
    assert still.rc == 0 and "still partially isolated" in still.stdout, still.stdout

    lab.clear("AGG-2")
    assert reachable(lab, "nurse-01", "nurse-02")  # the port behind the silent switch is still open
    done = run_playbook(
        "isolate", lab.inventory, tmp_path, {"host": "10.10.40.101", "reason": "worm"}
    )
    assert done.rc == 0, done.stdout
    assert done.report("isolation.json")["isolation_id"] == record["id"]
    assert not reachable(lab, "nurse-01", "nurse-02")
    record = json.loads((isolations / f"{record['id']}.json").read_text())
    assert "partial" not in record and set(record["devices"]) == {"CORE-1", "AGG-2"}

    back = run_playbook(
        "reconnect", lab.inventory, tmp_path, {"isolation_id": record["id"], **CLEAN}
    )
    assert back.rc == 0, back.stdout
    assert configs(lab) == before and reachable(lab, "nurse-01", "nurse-02")


def test_an_engineer_waiting_for_a_switch_is_told_who_holds_it(fresh_lab, dirs, tmp_path):
    lab = fresh_lab
    isolations, state = dirs
    release = threading.Event()

    def hold_core() -> None:  # a colleague's deploy holds CORE-1 for a moment
        with StateStore(str(state)).locks.hold(["switch:CORE-1"], "switch_deploy", "alice"):
            release.wait(30)

    holder = threading.Thread(target=hold_core)
    holder.start()
    threading.Timer(10, release.set).start()  # past the playbook's start and planning
    try:
        run = run_playbook(
            "isolate", lab.inventory, tmp_path, {"segment": "PHARMACY", "reason": "outbreak"}
        )
    finally:
        release.set()
        holder.join()
    assert run.rc == 0, run.stdout
    assert "waiting for the lock on switch:CORE-1: held by alice (switch_deploy)" in run.stdout
    assert "for the lock on switch:CORE-1, held by alice" in run.stdout  # the result's warning
    assert not reachable(lab, "pharm-01")

    isolated = configs(lab)
    with StateStore(str(state)).locks.hold(["switch:CORE-1"], "switch_deploy", "alice"):
        refused = run_playbook(
            "reconnect", lab.inventory, tmp_path, {"segment": "PHARMACY", "lock_wait": 1, **CLEAN}
        )
    assert refused.rc != 0 and "switch:CORE-1 is locked by alice (switch_deploy)" in refused.stdout
    assert configs(lab) == isolated and not reachable(lab, "pharm-01")  # nothing was touched
