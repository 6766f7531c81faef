from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import vlanset


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", {10}),
        ("10 20 to 23", {10, 20, 21, 22, 23}),
        ("2 to 3 4094", {2, 3, 4094}),
    ],
)
def test_parse_vrp(text: str, expected: set[int]) -> None:
    assert vlanset.parse_vrp(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10", {10}), ("10,20-23", {10, 20, 21, 22, 23}), ("none", set())],
)
def test_parse_ios(text: str, expected: set[int]) -> None:
    assert vlanset.parse_ios(text) == expected


@pytest.mark.parametrize("bad", ["0", "4095", "10 to", "30 to 20", "x"])
def test_parse_vrp_refuses(bad: str) -> None:
    with pytest.raises(vlanset.VlanListError):
        vlanset.parse_vrp(bad)


def test_all_means_every_vlan() -> None:
    assert len(vlanset.parse_vrp("all")) == 4094
    assert vlanset.parse_ios("all") == vlanset.parse_vrp("all")


def test_format_round_trip() -> None:
    vlans = {10, 20, 21, 22, 30, 31, 99}
    assert vlanset.format_vrp(vlans) == "10 20 to 22 30 to 31 99"
    assert vlanset.format_ios(vlans) == "10,20-22,30,31,99"
    assert vlanset.parse_vrp(vlanset.format_vrp(vlans)) == vlans
    assert vlanset.parse_ios(vlanset.format_ios(vlans)) == vlans


def test_parse_any_accepts_the_data_model_forms() -> None:
    assert vlanset.parse_any([10, "20-21", "30 to 31"]) == {10, 20, 21, 30, 31}
    assert vlanset.parse_any("10,20") == {10, 20}
    assert vlanset.parse_any(7) == {7}
