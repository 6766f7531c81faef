"""Three host blocks on one core ACL, the first reconnected first: the third inherits the
ACL's teardown, and its own reconnect, while the second is still open, removes its rule once
(found by the network campaign, reliability/network.py --seed 2 --cycles 30 --topology
hospital, step 17: 'undo rule 15' sent twice, the device refused the second ("The rule does
not exist") and the reconnect was left half done: the access port open again, the gateway
unbound, the isolation still open)."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import share_out
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import (
    Store,
    new_id,
)


def _host(store: Store, ip: str, vlan: int, rule: int, inverse_tail: list[str]) -> dict:
    record = {
        "id": new_id(),
        "state": "open",
        "kind": "host",
        "target": ip,
        "key": f"host:{ip}",
        "opened_ns": rule,
        "located": {"vlan": vlan},
        "blast_radius": {"blocked_at_core": f"{ip} at CORE-1:Vlanif{vlan} (ACL 3999)"},
        "devices": {
            "CORE-1": {
                "platform": "huawei",
                "commands": [
                    "acl number 3999",
                    f"rule {rule} deny ip source {ip} 0",
                    "quit",
                    f"interface Vlanif{vlan}",
                    "traffic-filter inbound acl 3999",
                    "quit",
                ],
                "inverse": [
                    f"interface Vlanif{vlan}",
                    "undo traffic-filter inbound",
                    "quit",
                    "acl number 3999",
                    f"undo rule {rule}",
                    "quit",
                    *inverse_tail,
                ],
            }
        },
    }
    store.save(record)
    return record


def test_an_inherited_teardown_does_not_remove_the_rule_twice(tmp_path) -> None:
    store = Store(str(tmp_path))
    second = _host(store, "10.10.50.101", 50, 10, [])
    # the first (the ACL's creator) was reconnected: its teardown went to the third
    third = _host(store, "10.10.60.101", 60, 15, ["undo acl number 3999"])
    inverse, handover = share_out(store, third, "CORE-1")
    assert inverse == [
        "interface Vlanif60",
        "undo traffic-filter inbound",
        "quit",
        "acl number 3999",
        "undo rule 15",
        "quit",
    ]
    assert handover["heir"]["id"] == second["id"]
    assert handover["lines"] == ["undo acl number 3999"]


def test_the_creators_teardown_still_becomes_its_rule_removal(tmp_path) -> None:
    store = Store(str(tmp_path))
    creator = _host(store, "10.10.10.101", 10, 5, [])
    creator["devices"]["CORE-1"]["inverse"] = [
        "interface Vlanif10",
        "undo traffic-filter inbound",
        "quit",
        "undo acl number 3999",
    ]
    store.save(creator)
    _host(store, "10.10.50.101", 50, 10, [])
    inverse, handover = share_out(store, creator, "CORE-1")
    assert inverse == [
        "interface Vlanif10",
        "undo traffic-filter inbound",
        "quit",
        "acl number 3999",
        "undo rule 5",
        "quit",
    ]
    assert handover["lines"] == ["undo acl number 3999"]
