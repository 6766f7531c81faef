"""A host of a segment another isolation has cut off is refused naming that isolation, not
as an unknown host (found by the network campaign, reliability/network.py --seed 1
--cycles 30, steps 46-47: MEDTECH isolated, then host 10.10.60.101 refused with "is in no
ARP table of the core (CORE-1): unknown host, or it is switched off")."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netops import isolate
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import (
    InputError,
    Refused,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import (
    Store,
    new_id,
)

ARP_MISS = (
    "host: 10.10.60.101 is in no ARP table of the core (CORE-1): "
    "unknown host, or it is switched off"
)


def _not_in_arp(*args, **kwargs):
    raise InputError(ARP_MISS)


def _segment_isolation(store: Store) -> str:
    record = {
        "id": new_id(),
        "state": "open",
        "kind": "segment",
        "target": "MEDTECH",
        "key": "segment:60",
        "reason": "outbreak",
        "opened_by": "alice",
        "blast_radius": {
            "endpoints": [{"name": "lis-1", "ip": "10.10.60.101", "mac": "52:54:00:3c:00:01"}]
        },
        "devices": {},
    }
    store.save(record)
    return str(record["id"])


def _host() -> isolate.Target:
    return isolate.Target("host", "10.10.60.101", ip="10.10.60.101")


def test_a_host_of_an_isolated_segment_is_refused_naming_the_isolation(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(isolate, "make_plan", _not_in_arp)
    store = Store(str(tmp_path / "isolations"), str(tmp_path / "state"))
    ident = _segment_isolation(store)
    with pytest.raises(Refused) as refused:
        isolate.isolate(None, store, _host(), "bob", "virus")  # type: ignore[arg-type]
    text = str(refused.value)
    assert ARP_MISS in text and f"cut off already by isolation {ident}" in text, text
    assert "segment MEDTECH: outbreak" in text and "opened by alice" in text, text
    assert "nothing was changed" in refused.value.hint


def test_a_host_nobody_cut_off_is_still_an_unknown_host(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(isolate, "make_plan", _not_in_arp)
    store = Store(str(tmp_path / "isolations"), str(tmp_path / "state"))
    with pytest.raises(InputError) as unknown:
        isolate.isolate(None, store, _host(), "bob", "virus")  # type: ignore[arg-type]
    assert str(unknown.value) == ARP_MISS and not isinstance(unknown.value, Refused)
