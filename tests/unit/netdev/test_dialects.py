"""The dialect registry: one dialect per platform, each complete, each reading its own
platform's real clock captures (tests/fixtures/captures/)."""

from __future__ import annotations

import inspect
from datetime import datetime
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects import (
    DIALECTS,
    Dialect,
    dialect_for,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import (
    UnsupportedPlatform,
)

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "captures"

# (platform, capture folder, capture) -> the local time it shows (SOURCES.md there)
CLOCK_CAPTURES = {
    ("hp_comware", "hp_comware/display_clock", "hp_comware_display_clock.raw"): datetime(
        2011, 1, 8, 19, 35, 31
    ),
    ("hp_comware", "hp_comware/display_clock", "hp_comware7_display_clock_doc.raw"): datetime(
        2018, 3, 16, 10, 9, 0
    ),
    ("huawei", "huawei_vrp/display_clock", "huawei_vrp_display_clock_doc_dst.raw"): datetime(
        2012, 7, 12, 11, 8, 52
    ),
    ("huawei", "huawei_vrp/display_clock", "huawei_vrp_display_clock_doc_offset.raw"): datetime(
        2017, 12, 12, 8, 56, 0
    ),
    ("cisco_ios", "cisco_ios/show_clock", "cisco_ios_show_clock.raw"): datetime(
        2015, 10, 19, 18, 57, 38
    ),
    ("ruijie_os", "ruijie_os/show_clock", "ruijie_os_show_clock.raw"): datetime(
        2020, 9, 27, 23, 26, 48
    ),
}


@pytest.mark.parametrize("name", ["ruijie", "", "HUAWEI", "huawei_vrp"])
def test_an_unknown_platform_is_refused_naming_it(name: str) -> None:
    with pytest.raises(UnsupportedPlatform) as caught:
        dialect_for(name)
    assert repr(name) in str(caught.value)
    assert all(known in caught.value.hint for known in DIALECTS)


def test_registered_under_their_own_netmiko_device_type() -> None:
    assert set(DIALECTS) >= {"huawei", "hp_comware", "cisco_ios", "ruijie_os"}
    for name, dialect in DIALECTS.items():
        assert dialect.name == name
        assert dialect_for(name) is dialect


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_every_dialect_implements_every_method(name: str) -> None:
    dialect = DIALECTS[name]
    assert not getattr(type(dialect), "__abstractmethods__", None)
    for method, _function in inspect.getmembers(Dialect, inspect.isfunction):
        if method.startswith("_"):
            continue
        assert callable(getattr(dialect, method)), method
    for attribute in Dialect.REQUIRED:
        assert hasattr(dialect, attribute), f"{name} lacks {attribute}"
    for text in (dialect.negation, dialect.leave, dialect.show_running, dialect.templates):
        assert text


@pytest.mark.parametrize(("platform", "folder", "capture"), sorted(CLOCK_CAPTURES))
def test_each_dialect_reads_its_real_clock_captures(
    platform: str, folder: str, capture: str
) -> None:
    text = (CAPTURES / folder / capture).read_text()
    assert dialect_for(platform).read_clock(text) == CLOCK_CAPTURES[(platform, folder, capture)]
    others = [d for n, d in DIALECTS.items() if n != platform and d.show_clock]
    # another family's format is not read as a time (Huawei and Comware differ too)
    assert all(d.read_clock(text) is None for d in others)


def _clock_folder(name: str) -> Path:
    dialect = DIALECTS[name]
    return CAPTURES / dialect.ntc_platform / dialect.show_clock.replace(" ", "_")


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_every_dialect_reads_every_stored_capture_of_its_clock(name: str) -> None:
    """Each registered dialect has real captures of its clock command (ntc-templates layout:
    ``<ntc platform>/<command>/*.raw``), reads every one, and no other family reads them."""
    captures = sorted(_clock_folder(name).glob("*.raw"))
    assert captures, f"{name}: no capture in {_clock_folder(name)}"
    for capture in captures:
        text = capture.read_text()
        assert isinstance(DIALECTS[name].read_clock(text), datetime), capture.name
        for other, dialect in DIALECTS.items():
            if other != name and _clock_folder(other) != _clock_folder(name):
                assert dialect.read_clock(text) is None, (other, capture.name)


def test_trunk_edits_and_negation_by_dialect() -> None:
    assert dialect_for("huawei").trunk_vlan_edit(30) == (
        "undo port trunk allow-pass vlan 30",
        "port trunk allow-pass vlan 30",
    )
    assert dialect_for("hp_comware").trunk_vlan_edit(30)[1] == "port trunk permit vlan 30"
    assert dialect_for("cisco_ios").trunk_vlan_edit(30) == (
        "switchport trunk allowed vlan remove 30",
        "switchport trunk allowed vlan add 30",
    )


def test_a_dialect_with_its_own_textfsm_templates_parses_with_them() -> None:
    """A platform ntc-templates does not cover names a folder of the collection's templates
    (``module_utils/netdev/templates``); a stand-in on the shipped RGOS folder parses a real
    RGOS capture with it, while a registered platform keeps ntc-templates."""
    from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects.base import (
        textfsm_root,
    )
    from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects.cisco_ios import (
        CiscoIos,
    )

    class StandIn(CiscoIos):
        name = ntc_platform = textfsm_templates = "ruijie_os"

    assert Path(textfsm_root(), "ruijie_os", "index").is_file()
    capture = CAPTURES / "ruijie_os" / "show_clock" / "ruijie_os_show_clock.raw"
    rows = StandIn().parse_output("show clock", capture.read_text())
    assert rows and all(key == key.lower() for key in rows[0])
    ios = (CAPTURES / "cisco_ios" / "show_clock" / "cisco_ios_show_clock.raw").read_text()
    assert dialect_for("cisco_ios").parse_output("show clock", ios)
