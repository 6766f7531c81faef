"""Issue 16: the network campaign (reliability/network.py) in short on the small lab, and
its invariant checker shown to catch broken states (so the campaign cannot pass on a
checker that sees nothing). The full run (>= 30 cycles) and its figures:
docs/reliability/network.md.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from reliability import network  # noqa: E402
from reliability._common import CampaignFailed, run_campaign  # noqa: E402

SEED = 5


class Scripted(network.Network):
    """The campaign's own steps, in an order fixed so that a short run has a concurrent
    pair (an isolation and a deploy of the same switches at once) and closes everything."""

    SCRIPT = ("pair",)

    def step(self, index: int, rng: random.Random) -> dict:
        if index == 0:
            return super().step(index, rng)
        self.cycle = index
        return self._do(self.SCRIPT[(index - 1) % len(self.SCRIPT)], rng)

    def _pair(self, rng: random.Random, done: dict) -> list:
        real = rng.choice
        rng.choice = lambda seq: "isolate+deploy" if "isolate+deploy" in seq else real(seq)  # type: ignore[method-assign]
        try:
            return super()._pair(rng, done)
        finally:
            del rng.choice


CORE = """\
sysname CORE-1
#
vlan batch 10 50 99
#
interface Vlanif10
 ip address 10.10.10.1 255.255.255.0
#
interface GigabitEthernet1/0/2
 port link-type access
 port default vlan 10
#
return"""
SHUT = CORE.replace(" port default vlan 10\n", " port default vlan 10\n shutdown\n")
RECORD = {
    "id": "iso-20261206T080000Z-abcdef",
    "state": "open",
    "target": "CORE-1:GigabitEthernet1/0/2",
    "devices": {"CORE-1": {"platform": "huawei", "before": CORE, "after": SHUT}},
}
WINDOW = {"id": "va-20261206T080000Z-abcdef", "device": "CORE-1", "vendor_ip": network.VENDOR_IP}


def test_the_checker_catches_a_line_without_a_record_and_a_record_without_its_lines() -> None:
    start, platforms = {"CORE-1": CORE}, {"CORE-1": "huawei"}
    assert network.check_state({"CORE-1": CORE}, start, platforms, [], []) == []
    assert network.check_state({"CORE-1": SHUT}, start, platforms, [RECORD], []) == []

    # an isolation line on the switch with no open record
    found = network.check_state({"CORE-1": SHUT}, start, platforms, [], [])
    assert found == [
        "CORE-1: 'interface GigabitEthernet1/0/2 / shutdown' is on the switch, "
        "no open record explains it (open here: none)"
    ], found
    # an open record whose lines are missing from the switch
    found = network.check_state({"CORE-1": CORE}, start, platforms, [RECORD], [])
    assert found == [
        "CORE-1: 'interface GigabitEthernet1/0/2 / shutdown' is missing from the switch "
        f"(expected by its start and the open records ['{RECORD['id']}'])"
    ], found
    # a change nobody recorded (a VLAN more: VLAN lists are read one VLAN a line)
    more = SHUT.replace("vlan batch 10 50 99", "vlan batch 10 50 77 99")
    found = network.check_state({"CORE-1": more}, start, platforms, [RECORD], [])
    assert len(found) == 1 and "77" in found[0] and "no open record explains it" in found[0]
    # a vendor window explains its own lines on its own switch, and nothing else
    window = SHUT.replace(
        "return", f"acl number 3998\n rule 1 permit ip source {network.VENDOR_IP} 0\n#\nreturn"
    )
    assert network.check_state({"CORE-1": window}, start, platforms, [RECORD], [WINDOW]) == []
    assert network.check_state({"CORE-1": window}, start, platforms, [RECORD], [])
    found = network.check_state({"CORE-1": SHUT}, start, platforms, [RECORD], [WINDOW])
    assert found and "is not on the switch" in found[0], found


def test_a_broken_invariant_stops_the_run_naming_the_step_and_the_seed() -> None:
    start, platforms = {"CORE-1": CORE}, {"CORE-1": "huawei"}

    def check(index: int) -> list[str]:  # the isolation's lines left after its record closed
        return network.check_state(
            {"CORE-1": SHUT if index >= 1 else CORE}, start, platforms, [], []
        )

    with pytest.raises(CampaignFailed) as failed:
        run_campaign("network", 4242, 4, lambda i, rng: {"action": "reconnect"}, check)
    text = str(failed.value)
    assert "network campaign FAILED at step 1 (reconnect), seed 4242" in text
    assert "replay: python reliability/network.py --seed 4242 --steps 2" in text


@pytest.mark.lab
def test_a_short_history_with_a_concurrent_pair_keeps_every_invariant(tmp_path) -> None:
    """Deploy (the start), then an isolation and a deploy started at once by two engineers; the checker run on the real state, and on that state broken; the
    settling, byte-for-byte starts, isolation_status empty and compliance clean."""
    small = Scripted(tmp_path, "small")
    small.boot()
    try:
        figures = run_campaign("network", SEED, 2, small.step, small.check)
        assert figures.steps == 2 and figures.checks == 3
        log = {e["action"]: e for e in figures.log}
        assert log["deploy_first"]["outcome"] == "ok"
        pair = log["pair"]
        assert pair["pair"] == "isolate+deploy" and len(pair["runs"]) == 2, pair
        # the deploy waited for the isolation's locks and refused its switches, or went
        # first; never a failure that is not a refusal (check() would have said so)
        assert {r["outcome"] for r in pair["runs"]} <= {"ok", "refused"}, pair
        assert pair["runs"][0]["outcome"] == "ok", pair  # the isolation itself went through
        assert small.counts["concurrent_pairs"] == 1

        # the real state, broken behind the records' back, is caught
        records = small.open_isolations()
        assert records and small.check(9) == []
        record = records[0]
        name, device = next(iter(record["devices"].items()))
        configs, start = small.configs(), {**small.start, **small.start_lines}
        platforms = {n: small.platforms[n] for n in small.names()}
        found = network.check_state(
            {**configs, name: device["before"]}, start, platforms, records, []
        )
        assert any(name in p and "is missing from the switch" in p for p in found), found
        found = network.check_state(configs, start, platforms, [], [])
        assert any(name in p and "no open record explains it" in p for p in found), found

        settled = small.settle()
        assert settled and all(o.ok for o in settled), [o.text[-2000:] for o in settled]
        assert small.check(10) == []
        assert small.final(status_playbook=False) == []  # the records: isolation_status reads them
    finally:
        small.close()
