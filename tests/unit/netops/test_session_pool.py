"""SessionPool: one login per switch across the steps of one action (issue 6 performance)."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import DeviceParams
from ansible_collections.hisops.emergency.plugins.module_utils.netops import network
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import CommandRejected


class Counting:
    """Stands in for DeviceSession: counts logins and logouts (no device involved)."""

    opened: list[str] = []
    closed: list[str] = []

    def __init__(self, params):
        self.params = params

    def open(self):
        Counting.opened.append(self.params.name)

    def close(self):
        Counting.closed.append(self.params.name)


@pytest.fixture
def switches(monkeypatch):
    Counting.opened, Counting.closed = [], []
    monkeypatch.setattr(network, "DeviceSession", Counting)
    return [
        network.Switch(n, DeviceParams(n, "cisco_ios", "127.0.0.1", "u", "p"))
        for n in ("CORE-1", "AGG-1")
    ]


def test_steps_share_one_login_per_switch(switches):
    core, agg = switches
    with network.SessionPool() as pool:
        for _step in ("read", "push", "read back", "save"):
            for switch in (core, agg):
                with network.session_for(switch, pool) as session:
                    assert session.params.name == switch.name
        assert Counting.opened == ["CORE-1", "AGG-1"] and Counting.closed == []
    assert sorted(Counting.closed) == ["AGG-1", "CORE-1"]


def test_a_failed_step_drops_its_session_and_the_next_logs_in_again(switches):
    core = switches[0]
    with network.SessionPool() as pool:
        with pytest.raises(CommandRejected), network.session_for(core, pool):
            raise CommandRejected("% Invalid input")
        assert Counting.closed == ["CORE-1"]
        with network.session_for(core, pool):
            pass
    assert Counting.opened == ["CORE-1", "CORE-1"] and Counting.closed == ["CORE-1", "CORE-1"]
