"""A vendor window opened, extended or closed on a switch while an isolation is open there
does not make the isolation unreconnectable (found by the network campaign,
reliability/network.py --seed 1 --cycles 30: an isolation of 10.10.10.101 opened on CORE-1
while a vendor window was open there, the window closed, and every reconnect was refused,
"the configuration changed since the isolation on CORE-1: - acl number 3998 ..."), while any
other change since the isolation still is refused."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netops import reconnect
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import (
    TransactionError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import (
    Store,
    new_id,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.vendor import VendorStore

BEFORE = """\
sysname CORE-1
#
interface Vlanif10
 ip address 10.10.10.1 255.255.255.0
#
user-interface vty 0 4
 authentication-mode aaa
#
return"""

ISOLATED = BEFORE.replace(
    "interface Vlanif10\n ip address 10.10.10.1 255.255.255.0\n",
    "acl number 3999\n rule 5 deny ip source 10.10.10.101 0\n rule 4000 permit ip\n#\n"
    "interface Vlanif10\n ip address 10.10.10.1 255.255.255.0\n traffic-filter inbound acl 3999\n",
)
INVERSE = [
    "interface Vlanif10",
    "undo traffic-filter inbound acl 3999",
    "quit",
    "undo acl number 3999",
]

WINDOW = [
    "time-range HISOPS-VENDOR-203-0-113-7 from 07:59 2026/12/6 to 09:00 2026/12/6",
    "acl number 3998",
    "rule 1 permit ip source 203.0.113.7 0 time-range HISOPS-VENDOR-203-0-113-7",
    "rule 100 permit ip source 10.10.99.0 0.0.0.255",
    "quit",
    "user-interface vty 0 4",
    "acl 3998 inbound",
    "quit",
]


def _with_window(config: str) -> str:
    return config.replace(
        "user-interface vty 0 4\n authentication-mode aaa\n",
        "time-range HISOPS-VENDOR-203-0-113-7 from 07:59 2026/12/6 to 09:00 2026/12/6\n#\n"
        "acl number 3998\n"
        " rule 1 permit ip source 203.0.113.7 0 time-range HISOPS-VENDOR-203-0-113-7\n"
        " rule 100 permit ip source 10.10.99.0 0.0.0.255\n#\n"
        "user-interface vty 0 4\n authentication-mode aaa\n acl 3998 inbound\n",
    )


def _isolation(store: Store, before: str, after: str) -> str:
    record = {
        "id": new_id(),
        "state": "open",
        "kind": "host",
        "target": "10.10.10.101",
        "key": "host:10.10.10.101",
        "opened_ns": 1,
        "devices": {
            "CORE-1": {
                "platform": "huawei",
                "before": before,
                "after": after,
                "commands": [],
                "inverse": INVERSE,
            }
        },
    }
    store.save(record)
    return str(record["id"])


def _window(tmp_path, state: str) -> None:
    VendorStore(str(tmp_path / "vendor"), str(tmp_path / "state")).save(
        {
            "id": "va-20261206T075900Z-abcdef",
            "state": state,
            "device": "CORE-1",
            "vendor_ip": "203.0.113.7",
            "commands": WINDOW,
            "key": "vendor:CORE-1:203.0.113.7",
        }
    )


def _preview(store: Store, ident: str, now: str, monkeypatch) -> dict:
    monkeypatch.setattr(reconnect, "_read", lambda switch: now)
    record = store.load(ident)
    return reconnect._reconnect(
        store,
        record,
        {"CORE-1": None},
        "it",
        {},
        False,
        True,
        1,
        "",
        {},  # type: ignore[dict-item]
    )


@pytest.mark.parametrize(
    ("isolated_with_window", "now_with_window"),
    [(True, False), (False, True)],
    ids=["window closed since the isolation", "window opened since the isolation"],
)
def test_a_vendor_windows_lines_since_the_isolation_do_not_block_its_reconnect(
    tmp_path, monkeypatch, isolated_with_window, now_with_window
) -> None:
    store = Store(str(tmp_path / "isolations"), str(tmp_path / "state"))
    before, after = (
        (_with_window(BEFORE), _with_window(ISOLATED))
        if isolated_with_window
        else (BEFORE, ISOLATED)
    )
    ident = _isolation(store, before, after)
    _window(tmp_path, "closed" if isolated_with_window else "open")
    now = _with_window(ISOLATED) if now_with_window else ISOLATED
    result = _preview(store, ident, now, monkeypatch)
    assert result["changed"] and result["commands"] == {"CORE-1": INVERSE}


def test_without_a_vendor_window_on_record_the_same_lines_still_block(
    tmp_path, monkeypatch
) -> None:
    store = Store(str(tmp_path / "isolations"), str(tmp_path / "state"))
    ident = _isolation(store, BEFORE, ISOLATED)
    with pytest.raises(TransactionError, match="changed since the isolation on CORE-1"):
        _preview(store, ident, _with_window(ISOLATED), monkeypatch)


def test_a_change_outside_the_windows_sections_still_blocks(tmp_path, monkeypatch) -> None:
    store = Store(str(tmp_path / "isolations"), str(tmp_path / "state"))
    ident = _isolation(store, BEFORE, ISOLATED)
    _window(tmp_path, "open")
    now = _with_window(ISOLATED).replace("sysname CORE-1\n", "sysname CORE-1\n#\nvlan batch 77\n")
    with pytest.raises(TransactionError, match="vlan batch 77"):
        _preview(store, ident, now, monkeypatch)
