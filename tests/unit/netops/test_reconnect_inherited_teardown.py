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
                    "undo traffic-filter inbound acl 3999",
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
        "undo traffic-filter inbound acl 3999",
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
        "undo traffic-filter inbound acl 3999",
        "quit",
        "undo acl number 3999",
    ]
    store.save(creator)
    _host(store, "10.10.50.101", 50, 10, [])
    inverse, handover = share_out(store, creator, "CORE-1")
    assert inverse == [
        "interface Vlanif10",
        "undo traffic-filter inbound acl 3999",
        "quit",
        "acl number 3999",
        "undo rule 5",
        "quit",
    ]
    assert handover["lines"] == ["undo acl number 3999"]


def test_lines_handed_to_a_later_isolation_are_counted_once_for_one_between(tmp_path) -> None:
    """The second of three is reconnected after the first handed its ACL to the third: what
    the second's switch should hold counts the ACL's permit rule once (seed 2, hospital lab,
    step 17 of the history with the fix above: refused, '- acl number 3999 / rule 4000
    permit ip')."""
    from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import (
        expected_now,
        line_set,
    )

    base = (
        "sysname CORE-1\n#\ninterface Vlanif10\n#\ninterface Vlanif50\n#\ninterface Vlanif60\n#\n"
    )

    def config(rules: list[str], bound: list[int]) -> str:
        acl = "acl number 3999\n" + "".join(f" {r}\n" for r in rules) + "#\n" if rules else ""
        text = base
        for vlan in bound:
            text = text.replace(
                f"interface Vlanif{vlan}\n",
                f"interface Vlanif{vlan}\n traffic-filter inbound acl 3999\n",
            )
        return acl + text

    permit = "rule 4000 permit ip"
    r5, r10, r15 = (
        f"rule {n} deny ip source 10.10.{v}.101 0" for n, v in ((5, 10), (10, 50), (15, 60))
    )
    store = Store(str(tmp_path))

    def record(n: int, before: str, after: str, **extra) -> dict:
        data = {
            "id": new_id(),
            "state": "open",
            "opened_ns": n,
            "devices": {"CORE-1": {"platform": "huawei", "before": before, "after": after}},
        }
        data["devices"]["CORE-1"].update(extra)
        store.save(data)
        return data

    first = record(1, config([], []), config([r5, permit], [10]))
    second = record(2, config([r5, permit], [10]), config([r5, r10, permit], [10, 50]))
    third = record(
        3, config([r5, r10, permit], [10, 50]), config([r5, r10, r15, permit], [10, 50, 60])
    )
    # the first reconnected: its teardown and permit rule handed to the third
    first["state"], first["closed_ns"] = "closed", 4
    first["devices"]["CORE-1"].update(
        handed_over=[["acl number 3999", permit, 1]], handed_to=third["id"]
    )
    store.save(first)
    third["devices"]["CORE-1"]["inherited"] = [["acl number 3999", permit, 1]]
    store.save(third)
    now = config([r10, r15, permit], [50, 60])
    expected, others = expected_now(store, second, "CORE-1")
    assert expected == line_set(now, "huawei")
    assert others == sorted([first["id"], third["id"]])
