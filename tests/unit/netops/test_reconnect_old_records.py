"""Isolation records written by releases before issue 17 keep the bare Huawei unbinding
``undo traffic-filter inbound``, which an S-series switch refuses in interface view
("Error: Incomplete command found at '^' position."). Reconnect replays them with the ACL
the interface binds: from the running configuration, else from the record's own bind step;
never a guessed number."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netops import reconnect
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import (
    TransactionError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import replayable
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import (
    Store,
    new_id,
)

BEFORE = """\
sysname CORE-1
#
interface Vlanif10
 ip address 10.10.10.1 255.255.255.0
#
interface Vlanif30
 ip address 10.10.30.1 255.255.255.0
#
return"""

ISOLATED = BEFORE.replace(
    "interface Vlanif10\n ip address 10.10.10.1 255.255.255.0\n",
    "acl number 3999\n rule 5 deny ip source 10.10.10.101 0\n rule 4000 permit ip\n#\n"
    "interface Vlanif10\n ip address 10.10.10.1 255.255.255.0\n traffic-filter inbound acl 3999\n",
)
COMMANDS = [  # as every release sent them
    "acl number 3999",
    "rule 5 deny ip source 10.10.10.101 0",
    "rule 4000 permit ip",
    "quit",
    "interface Vlanif10",
    "traffic-filter inbound acl 3999",
    "quit",
]
OLD_INVERSE = [  # as releases before issue 17 recorded it
    "interface Vlanif10",
    "undo traffic-filter inbound",
    "quit",
    "undo acl number 3999",
]
NEW_INVERSE = [
    "interface Vlanif10",
    "undo traffic-filter inbound acl 3999",
    "quit",
    "undo acl number 3999",
]


def test_the_acl_comes_from_the_running_configuration() -> None:
    assert replayable(OLD_INVERSE, "huawei", ISOLATED, [], "iso-1 on CORE-1") == NEW_INVERSE


def test_the_acl_comes_from_the_records_bind_step_when_the_device_shows_none() -> None:
    assert replayable(OLD_INVERSE, "huawei", BEFORE, COMMANDS, "iso-1 on CORE-1") == NEW_INVERSE


def test_what_the_interface_binds_now_wins_over_the_record() -> None:
    rebound = ISOLATED.replace("traffic-filter inbound acl 3999", "traffic-filter inbound acl 3001")
    sent = replayable(OLD_INVERSE, "huawei", rebound, COMMANDS, "iso-1 on CORE-1")
    assert sent[1] == "undo traffic-filter inbound acl 3001"


def test_a_named_acl_and_the_outbound_direction() -> None:
    running = BEFORE.replace(
        " ip address 10.10.30.1 255.255.255.0\n",
        " ip address 10.10.30.1 255.255.255.0\n traffic-filter outbound acl name WARD-30\n",
    )
    inverse = ["interface Vlanif30", "undo traffic-filter outbound", "quit"]
    assert replayable(inverse, "huawei", running, [], "iso-1 on CORE-1") == [
        "interface Vlanif30",
        "undo traffic-filter outbound acl name WARD-30",
        "quit",
    ]


def test_the_interface_view_is_the_one_the_line_stands_in() -> None:
    """Vlanif30 binds another ACL; the bare line under Vlanif10 takes Vlanif10's."""
    running = ISOLATED.replace(
        " ip address 10.10.30.1 255.255.255.0\n",
        " ip address 10.10.30.1 255.255.255.0\n traffic-filter inbound acl 3001\n",
    )
    inverse = [*OLD_INVERSE[:3], "interface Vlanif30", "undo traffic-filter inbound", "quit"]
    assert replayable(inverse, "huawei", running, [], "iso-1 on CORE-1") == [
        "interface Vlanif10",
        "undo traffic-filter inbound acl 3999",
        "quit",
        "interface Vlanif30",
        "undo traffic-filter inbound acl 3001",
        "quit",
    ]


@pytest.mark.parametrize(
    ("inverse", "platform"),
    [
        (NEW_INVERSE, "huawei"),
        (["interface Vlan-interface10", "undo packet-filter 3999 inbound", "quit"], "hp_comware"),
        (["interface Vlan10", "no ip access-group HISOPS-ISOLATE-3999 in", "exit"], "cisco_ios"),
    ],
    ids=["today's huawei form", "comware", "ios"],
)
def test_todays_records_are_sent_as_recorded(inverse: list[str], platform: str) -> None:
    assert replayable(inverse, platform, "", [], "iso-1 on CORE-1") is inverse


def test_unknown_acl_is_refused_naming_the_interface_and_what_to_do() -> None:
    with pytest.raises(TransactionError) as refused:
        replayable(OLD_INVERSE, "huawei", BEFORE, [], "iso-7 on CORE-1")
    message = str(refused.value)
    assert message.startswith("isolation_id: iso-7 on CORE-1:Vlanif10: ")
    assert "'undo traffic-filter inbound'" in message and "names no ACL" in message
    assert "nothing was changed" in refused.value.hint
    assert "undo traffic-filter inbound acl N" in refused.value.hint


def _record(store: Store, inverse: list[str], commands: list[str], opened_ns: int) -> str:
    record = {
        "id": new_id(),
        "state": "open",
        "kind": "host",
        "target": "10.10.10.101",
        "key": f"host:10.10.10.{opened_ns}",
        "opened_ns": opened_ns,
        "devices": {
            "CORE-1": {
                "platform": "huawei",
                "before": BEFORE,
                "after": ISOLATED,
                "commands": commands,
                "inverse": inverse,
            }
        },
    }
    store.save(record)
    return str(record["id"])


def _preview(store: Store, ident: str, now: str, monkeypatch) -> dict:
    monkeypatch.setattr(reconnect, "_read", lambda switch: now)
    return reconnect._reconnect(
        store,
        store.load(ident),
        {"CORE-1": None},  # type: ignore[dict-item]
        "it",
        {},
        False,
        True,
        1,
        "",
        {},
    )


def test_a_reconnect_of_an_old_record_sends_todays_form(tmp_path, monkeypatch) -> None:
    store = Store(str(tmp_path / "isolations"))
    ident = _record(store, OLD_INVERSE, COMMANDS, 1)
    result = _preview(store, ident, ISOLATED, monkeypatch)
    assert result["commands"] == {"CORE-1": NEW_INVERSE}
    assert store.load(ident)["devices"]["CORE-1"]["inverse"] == OLD_INVERSE  # record kept as is


def test_a_refused_old_record_changes_nothing(tmp_path, monkeypatch) -> None:
    """The binding was taken off by hand and the record has no bind step: refused before
    anything is sent (force changes nothing here: the number is still unknown)."""
    store = Store(str(tmp_path / "isolations"))
    ident = _record(store, OLD_INVERSE, [], 1)
    now = ISOLATED.replace(" traffic-filter inbound acl 3999\n", "")
    monkeypatch.setattr(reconnect, "_read", lambda switch: now)
    with pytest.raises(TransactionError, match="CORE-1:Vlanif10"):
        reconnect._reconnect(
            store,
            store.load(ident),
            {"CORE-1": None},  # type: ignore[dict-item]
            "it",
            {},
            True,
            False,
            1,
            "",
            {},
        )
    assert store.load(ident)["state"] == "open" and "reconnects" not in store.load(ident)
