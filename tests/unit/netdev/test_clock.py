"""The device clock readers on real ``display clock``/``show clock`` captures
(tests/fixtures/captures/, sources in SOURCES.md there)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.clock import (
    ClockFormatError,
    clock_command,
    parse_clock,
)

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "captures"

EXPECTED = {
    # H3C Comware 5 (ntc-templates): UTC, a zone name, zone + summer-time lines
    ("hp_comware", "hp_comware_display_clock.raw"): datetime(2011, 1, 8, 19, 35, 31),
    ("hp_comware", "hp_comware_display_clock_1.raw"): datetime(2015, 3, 16, 10, 9, 0),
    ("hp_comware", "hp_comware_display_clock_2.raw"): datetime(2015, 3, 16, 15, 10, 0),
    ("hp_comware", "hp_comware_display_clock_3.raw"): datetime(2015, 3, 16, 15, 11, 0),
    # Comware 7 (command reference format: milliseconds)
    ("hp_comware", "hp_comware7_display_clock_doc.raw"): datetime(2018, 3, 16, 10, 9, 0),
    ("hp_comware", "hp_comware7_display_clock_doc_summer.raw"): datetime(2018, 3, 16, 15, 9, 0),
    # Huawei VRP: plain, with the zone offset, in summer time
    ("huawei", "huawei_vrp_display_clock_doc_zone.raw"): datetime(2019, 8, 21, 9, 27, 1),
    ("huawei", "huawei_vrp_display_clock_doc_offset.raw"): datetime(2017, 12, 12, 8, 56, 0),
    ("huawei", "huawei_vrp_display_clock_doc_dst.raw"): datetime(2012, 7, 12, 11, 8, 52),
    # Cisco IOS: not authoritative (*), NTP not synchronised (.)
    ("cisco_ios", "cisco_ios_show_clock.raw"): datetime(2015, 10, 19, 18, 57, 38),
    ("cisco_ios", "cisco_ios_show_clock_2.raw"): datetime(2015, 10, 19, 18, 57, 38),
}
DIRS = {
    "huawei": "huawei_vrp/display_clock",
    "hp_comware": "hp_comware/display_clock",
    "cisco_ios": "cisco_ios/show_clock",
}


def test_every_stored_clock_capture_is_covered() -> None:
    stored = {
        (platform, path.name)
        for platform, folder in DIRS.items()
        for path in (CAPTURES / folder).glob("*.raw")
    }
    assert stored == set(EXPECTED)


@pytest.mark.parametrize(("platform", "name"), sorted(EXPECTED))
def test_real_clock_outputs_read(platform: str, name: str) -> None:
    text = (CAPTURES / DIRS[platform] / name).read_text()
    assert parse_clock(platform, text) == EXPECTED[(platform, name)]


def test_commands() -> None:
    assert clock_command("huawei") == clock_command("hp_comware") == "display clock"
    assert clock_command("cisco_ios") == "show clock"


@pytest.mark.parametrize(
    ("platform", "text"),
    [
        # the format of another platform is not this platform's clock
        ("hp_comware", "2026-12-05 23:13:51\nSaturday\nTime Zone(UTC) : UTC"),
        ("huawei", "19:35:31 UTC Sat 01/08/2011"),
        ("cisco_ios", "19:35:31 UTC Sat 01/08/2011"),
        ("huawei", "% Unrecognized command found at '^' position."),
        ("hp_comware", ""),
    ],
)
def test_other_formats_are_refused(platform: str, text: str) -> None:
    with pytest.raises(ClockFormatError, match="cannot read the clock"):
        parse_clock(platform, text)


def test_vendor_window_reads_the_clock_through_the_reader() -> None:
    from ansible_collections.hisops.emergency.plugins.module_utils.netops import vendor

    class Session:
        class platform:  # noqa: N801 - stands in for Platform
            name = "hp_comware"

        class params:  # noqa: N801
            name = "AGG-2"

        def show(self, command: str) -> str:
            assert command == "display clock"
            return (CAPTURES / DIRS["hp_comware"] / "hp_comware_display_clock_3.raw").read_text()

    assert vendor.device_clock(Session()) == datetime(2015, 3, 16, 15, 11, 0)  # type: ignore[arg-type]
