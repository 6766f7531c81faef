"""Engines driven directly through their ``CliSession``, with the in-memory host."""

from __future__ import annotations

from typing import Any

import pytest
from engine_specs import PC_MAC, PC_PORT, PC_VLANIF, SPECS

from hisops.lab.contract import ArpEntry, MacEntry
from hisops.lab.devices import make_device
from hisops.lab.devices.base import BaseDevice, BaseSession

from .fakes import FakeHost

__all__ = ["SPECS", "Lab"]  # the engine tests import SPECS from here


class Lab:
    """One device, its fake host and a session, with a helper to type lines."""

    def __init__(self, platform: str, **overrides: Any) -> None:
        self.platform = platform
        self.host = FakeHost()
        self.device: BaseDevice = make_device({**SPECS[platform], **overrides})
        self.device.attach(self.host)
        self.host.macs = [MacEntry(PC_MAC, 10, PC_PORT[platform])]
        self.host.arps = [
            ArpEntry("10.10.10.20", PC_MAC, 10, PC_VLANIF[platform], PC_PORT[platform])
        ]
        self.session: BaseSession = self.device.open_session("admin")

    def run(self, *lines: str) -> str:
        """Type lines; return the output of the last one."""
        output = ""
        for line in lines:
            output = self.session.handle(line).output
        return output

    def config(self, *lines: str) -> str:
        if self.platform == "ruijie_os" and self.session.mode == "user":
            self.run("enable")
        ios_like = self.platform in ("cisco_ios", "ruijie_os")
        enter, leave = ("conf t", "end") if ios_like else ("sys", "return")
        return self.run(enter, *lines, leave)


@pytest.fixture
def huawei() -> Lab:
    return Lab("huawei")


@pytest.fixture
def comware() -> Lab:
    return Lab("hp_comware")


@pytest.fixture
def cisco() -> Lab:
    return Lab("cisco_ios")
