"""Isolation and reconnection against the lab, proved with the lab's data plane (reach)
and the devices' configurations (issue 6, plan P5.1-P5.3, P5.6).

Playbooks run as an operator runs them; the refusals of bad input that need no playbook
around them call the same module_utils the modules call, against the same lab.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import DeviceParams
from ansible_collections.hisops.emergency.plugins.module_utils.netops import (
    isolate,
    network,
    reconnect,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import (
    InputError,
    Refused,
    TransactionError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import Store

from .playbooks import run_playbook

pytestmark = pytest.mark.lab

SWITCHES = ("CORE-1", "AGG-1", "AGG-2", "AGG-3", "AGG-4", "ACC-1", "ACC-2", "ACC-3")


def configs(lab) -> dict[str, str]:
    return {name: lab.client.config(name) for name in SWITCHES}


def reachable(lab, src: str, dst: str = "his-db-1") -> bool:
    return bool(lab.reach(src, dst)["reachable"])


def inventory_of(lab) -> network.Inventory:
    data = yaml.safe_load(Path(lab.inventory).read_text())["all"]
    switches: dict[str, network.Switch] = {}

    def walk(group: dict) -> None:
        for name, v in (group.get("hosts") or {}).items():
            if v and v.get("hisops_role") not in (None, "spare"):
                params = DeviceParams(
                    name,
                    v["hisops_platform"],
                    v["ansible_host"],
                    v["ansible_user"],
                    v["ansible_password"],
                    v["ansible_port"],
                    v["ansible_become_password"],
                    known_hosts=data["vars"]["hisops_known_hosts"],
                )
                switches[name] = network.Switch(
                    name, params, v["hisops_role"], v["hisops_mgmt_ip"].split("/")[0]
                )
        for child in (group.get("children") or {}).values():
            walk(child)

    walk(data)
    v = data["vars"]
    return network.Inventory(
        switches,
        v["hisops_vlans"],
        v["hisops_mgmt_vlan"],
        v["hisops_endpoints"],
        v["hisops_controller_ip"],
    )


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "isolations"
    monkeypatch.setenv("HISOPS_ISOLATION_DIR", str(path))
    monkeypatch.setenv("HISOPS_OPERATOR", "nurse-ratched")
    return path


def open_ids(store: Path) -> list[str]:
    return [r["id"] for r in Store(str(store)).open_records()]


def test_segment_isolation_and_exact_reconnection(fresh_lab, store, tmp_path):
    lab = fresh_lab
    before = configs(lab)
    assert reachable(lab, "opd-reg-01") and reachable(lab, "pharm-01")

    preview = run_playbook(
        "isolate", lab.inventory, tmp_path, {"segment": "OUTPATIENT"}, check=True
    )
    assert preview.rc == 0, preview.stdout
    radius = preview.report("isolation.json")["blast_radius"]
    assert set(radius["by_department"]) == {"outpatient registration", "outpatient billing"}
    assert len(radius["endpoints"]) == 8 and radius["vlans"] == [10]
    assert configs(lab) == before and open_ids(store) == []  # check mode changed nothing

    run = run_playbook(
        "isolate", lab.inventory, tmp_path, {"segment": "10", "reason": "ransomware drill"}
    )
    assert run.rc == 0, run.stdout
    report = run.report("isolation.json")
    assert not reachable(lab, "opd-reg-01") and not reachable(lab, "opd-bill-04")
    assert reachable(lab, "pharm-01")  # same trunk, other VLAN: still working
    assert reachable(lab, "nurse-01")
    record = json.loads((store / f"{report['isolation_id']}.json").read_text())
    assert record["opened_by"] == "nurse-ratched" and record["reason"] == "ransomware drill"
    assert record["devices"]["CORE-1"]["inverse"] and "irreversible-cipher $" not in json.dumps(
        record
    )

    again = run_playbook(
        "isolate", lab.inventory, tmp_path, {"segment": "OUTPATIENT", "reason": "again"}
    )
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout
    assert again.report("isolation.json")["isolation_id"] == report["isolation_id"]

    status = run_playbook("isolation_status", lab.inventory, tmp_path)
    assert [i["id"] for i in status.report("isolation_status.json")] == [report["isolation_id"]]

    isolated = configs(lab)
    deploy = run_playbook("switch_deploy", lab.inventory, tmp_path)
    assert deploy.rc != 0 and "open isolation(s) " + report["isolation_id"] in deploy.stdout, (
        deploy.stdout
    )
    assert configs(lab) == isolated, "a deploy during an open isolation touched a switch"
    assert not reachable(lab, "opd-reg-01")

    refused = run_playbook(
        "reconnect", lab.inventory, tmp_path, {"isolation_id": report["isolation_id"]}
    )
    assert refused.rc != 0 and "clean-up confirmation" in refused.stdout
    assert not reachable(lab, "opd-reg-01")

    back = run_playbook(
        "reconnect",
        lab.inventory,
        tmp_path,
        {
            "isolation_id": report["isolation_id"],
            "cleanup_by": "it-oncall",
            "cleanup_scan": "8/8 clean",
        },
    )
    assert back.rc == 0, back.stdout
    assert configs(lab) == before  # byte for byte, every switch
    assert reachable(lab, "opd-reg-01") and reachable(lab, "opd-bill-04")
    assert open_ids(store) == []
    closed = json.loads((store / f"{report['isolation_id']}.json").read_text())
    assert closed["cleanup"]["by"] == "it-oncall" and closed["state"] == "closed"


def test_host_isolation_follows_two_trunk_hops(fresh_lab, store, tmp_path):
    lab = fresh_lab
    before = configs(lab)
    run = run_playbook(
        "isolate", lab.inventory, tmp_path, {"host": "10.10.10.103", "reason": "beaconing"}
    )
    assert run.rc == 0, run.stdout
    report = run.report("isolation.json")
    located = report["located"]
    assert (located["switch"], located["port"], located["hops"]) == (
        "ACC-1",
        "GigabitEthernet0/0/3",
        2,
    )
    assert [hop["switch"] for hop in located["path"]] == ["CORE-1", "AGG-1", "ACC-1"]
    assert [e["name"] for e in report["blast_radius"]["endpoints"]] == ["opd-reg-03"]
    assert not reachable(lab, "opd-reg-03")
    assert reachable(lab, "opd-reg-02") and reachable(lab, "opd-reg-04")  # that host only
    changed = {n for n, text in configs(lab).items() if text != before[n]}
    assert changed == {"ACC-1", "CORE-1"}

    by_mac = isolate.isolate(
        inventory_of(lab),
        Store(str(store)),
        isolate.parse_target(inventory_of(lab), host="5254.000a.0003"),
        "t",
        "x",
    )
    assert not by_mac["changed"] and by_mac["isolation_id"] == report["isolation_id"]

    result = reconnect.reconnect(
        Store(str(store)),
        report["isolation_id"],
        inventory_of(lab).switches,
        "t",
        cleanup_by="it",
        cleanup_scan="clean",
    )
    assert all(result["verified"].values())
    assert configs(lab) == before and reachable(lab, "opd-reg-03")


def test_a_record_of_an_earlier_release_reconnects_exactly(fresh_lab, store):
    """Releases before issue 17 recorded the Huawei unbinding bare (``undo traffic-filter
    inbound``, isolate.py before f1a56b7: the only line of a record that changed since), which
    the S-series interface view refuses as incomplete. Such a record still reconnects: the
    step is sent with the ACL the gateway binds (read from CORE-1 over SSH)."""
    lab = fresh_lab
    before = configs(lab)
    inv = inventory_of(lab)
    records = Store(str(store))
    opened = isolate.isolate(
        inv, records, isolate.parse_target(inv, host="10.10.10.104"), "t", "beaconing"
    )
    assert not reachable(lab, "opd-reg-04")
    record = records.load(opened["isolation_id"])
    core = record["devices"]["CORE-1"]
    assert "undo traffic-filter inbound acl 3999" in core["inverse"]
    core["inverse"] = [  # as the earlier release wrote it
        "undo traffic-filter inbound" if line.startswith("undo traffic-filter inbound") else line
        for line in core["inverse"]
    ]
    records.save(record)

    preview = reconnect.reconnect(
        records, record["id"], inv.switches, "t", "it", "clean", check_mode=True
    )
    sent = preview["commands"]["CORE-1"]
    assert (
        "undo traffic-filter inbound acl 3999" in sent and "undo traffic-filter inbound" not in sent
    )
    done = reconnect.reconnect(records, record["id"], inv.switches, "t", "it", "clean")
    assert done["verified"] == {"ACC-1": True, "CORE-1": True}, done
    assert configs(lab) == before and reachable(lab, "opd-reg-04")
    assert records.load(record["id"])["state"] == "closed"


def test_guards_refuse_and_change_nothing(fresh_lab, store, tmp_path):
    lab = fresh_lab
    before = configs(lab)
    mgmt = run_playbook(
        "isolate", lab.inventory, tmp_path, {"segment": "MGMT", "reason": "x", "force": True}
    )
    assert mgmt.rc != 0 and "management VLAN" in mgmt.stdout
    icu = run_playbook("isolate", lab.inventory, tmp_path, {"segment": "NURSE", "reason": "x"})
    assert icu.rc != 0 and "icu-monitor-01" in icu.stdout and "force=true" in icu.stdout
    inv = inventory_of(lab)
    with pytest.raises(Refused, match="controller's management path"):
        isolate.isolate(
            inv,
            Store(str(store)),
            isolate.parse_target(inv, port="AGG-1:XGE0/0/1"),
            "t",
            "x",
            force=True,
        )
    with pytest.raises(Refused, match="pacs-server-1"):
        isolate.isolate(
            inv, Store(str(store)), isolate.parse_target(inv, host="10.10.60.101"), "t", "x"
        )
    assert configs(lab) == before and open_ids(store) == []
    assert reachable(lab, "nurse-01") and reachable(lab, "pacs-server-1")


def test_bad_input_is_refused_with_the_field_named(fresh_lab, store, tmp_path):
    lab = fresh_lab
    before = configs(lab)
    inv = inventory_of(lab)
    bad_mac = run_playbook(
        "isolate", lab.inventory, tmp_path, {"host": "52:54:00:0a:00", "reason": "x"}
    )
    assert bad_mac.rc != 0 and "host: '52:54:00:0a:00' is a malformed MAC address" in bad_mac.stdout
    no_target = run_playbook("isolate", lab.inventory, tmp_path, {"reason": "x"})
    assert (
        no_target.rc != 0
        and "give exactly one of segment, host or port (given: none)" in no_target.stdout
    )
    with pytest.raises(InputError, match="segment: VLAN '77' is not in the plan"):
        isolate.parse_target(inv, segment="77")
    with pytest.raises(InputError, match="host: 10.10.10.250 is in no ARP table"):
        isolate.isolate(
            inv, Store(str(store)), isolate.parse_target(inv, host="10.10.10.250"), "t", "x"
        )
    with pytest.raises(InputError, match="port: ACC-1 has no interface"):
        isolate.isolate(
            inv, Store(str(store)), isolate.parse_target(inv, port="ACC-1:Gi9/9/9"), "t", "x"
        )
    with pytest.raises(InputError, match="exactly one of segment, host or port"):
        isolate.parse_target(inv, segment="10", host="10.10.10.101")
    with pytest.raises(InputError, match="reason: say why"):
        isolate.isolate(inv, Store(str(store)), isolate.parse_target(inv, segment="10"), "t", "")
    with pytest.raises(TransactionError, match="no isolation iso-20260101T000000Z-abcdef"):
        reconnect.reconnect(
            Store(str(store)), "iso-20260101T000000Z-abcdef", inv.switches, "t", "a", "b"
        )
    with pytest.raises(InputError, match="isolation_id: 'nope' is not an isolation id"):
        reconnect.reconnect(Store(str(store)), "nope", inv.switches, "t", "a", "b")
    assert configs(lab) == before and open_ids(store) == []
