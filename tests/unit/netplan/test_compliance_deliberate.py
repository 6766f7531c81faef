"""Compliance that knows what the hospital did on purpose (issue 20), on real configuration
text: the lab's device engines (which print configurations as Huawei VRP, H3C Comware and
Cisco IOS do) deployed with the hospital plan rendered by the role's templates, then
changed by the commands the isolation and vendor-window code itself plans (typed into the
engine's CLI), recorded as those workflows record them. No SSH: the lab test is in
tests/integration/test_switch_plan.py.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects import dialect_for
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.push import (
    PushRequest,
    plan_commands,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import DeviceParams
from ansible_collections.hisops.emergency.plugins.module_utils.netops import (
    isolate,
    names,
    network,
    vendor,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import Store
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import compliance
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import (
    compliance_deliberate as cd,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore
from plan_engines import fresh_engine, render_intended, type_into

from hisops.lab import vlanplan
from hisops.lab.topology import load_topology


@pytest.fixture(scope="module")
def topology():
    return load_topology()


class Switch:
    """One engine, deployed with the plan: ``type`` as an engineer types, ``config`` as the
    platform prints its running configuration."""

    def __init__(self, topology, name: str, intended: str | None = None) -> None:
        self.name = name
        self.device = fresh_engine(topology, name)
        self.platform = self.device.platform
        self.intended = intended or render_intended(topology, name)
        deploy = plan_commands(self.config, PushRequest(intended=self.intended), self.platform)
        self.type(deploy)
        assert compliance.compare(self.config, self.intended, self.platform).compliant

    @property
    def config(self) -> str:
        return self.device.render_config(self.device.running)

    def type(self, commands: list[str]) -> None:
        for output in type_into(self.device, commands):
            assert "rror" not in output and "%" not in output, (commands, output)

    def view(self) -> network.SwitchView:
        params = DeviceParams(self.name, self.platform, "h", "u", "p")
        view = network.SwitchView(
            switch=network.Switch(self.name, params, "core"), config=self.config
        )
        view.ports = names.ports(view.config, self.platform)
        return view

    def isolate(self, blocks, record_id: str, **record) -> dict:
        """Type an isolation's blocks, recorded as isolate records it (before, after)."""
        change = isolate.DeviceChange(self.name, self.platform, blocks)
        before = self.config
        self.type(change.commands)
        return {
            "id": record_id,
            "state": "open",
            "opened_by": "nurse-ratched",
            "opened_at": "2026-12-06T08:00:00Z",
            **record,
            "devices": {
                self.name: {
                    "platform": self.platform,
                    "commands": change.commands,
                    "inverse": change.inverse,
                    "before": before,
                    "after": self.config,
                }
            },
        }


def inventory(topology) -> network.Inventory:
    plan = vlanplan.group_vars(topology)
    return network.Inventory({}, plan["hisops_vlans"], plan["hisops_mgmt_vlan"])


def check(switch: Switch, records) -> cd.DeliberateReport:
    return cd.check(switch.name, switch.config, switch.intended, switch.platform, records)


SEGMENT_ID = "iso-20261206T080000Z-aaaaaa"
HOST_ID = "iso-20261206T080500Z-bbbbbb"


def test_segment_and_host_isolations_on_the_core_are_expected_and_kept(topology) -> None:
    """The issue's case: the pharmacy (VLAN 30) isolated on CORE-1, a host of outpatient
    blocked at its gateway too. The plan alone calls CORE-1 drifted and its remediation
    brings VLAN 30 back; with the records both are expected deviations with their ids, the
    remediation is empty, and a description changed by hand is the only drift."""
    core = Switch(topology, "CORE-1")
    target = isolate.parse_target(inventory(topology), segment="PHARMACY")
    segment = isolate.plan_segment(inventory(topology), target, {"CORE-1": core.view()})
    seg = core.isolate(
        segment.changes["CORE-1"].blocks,
        SEGMENT_ID,
        kind="segment",
        target="PHARMACY",
        reason="ransomware",
    )
    host = core.isolate(
        isolate._acl_commands(core.view(), 10, "10.10.10.104", 3999),
        HOST_ID,
        kind="host",
        target="10.10.10.104",
        reason="beaconing",
    )

    plain = compliance.compare(core.config, core.intended, "huawei")
    assert not plain.compliant
    assert "undo shutdown" in [c.strip() for c in plain.remediation]  # would reconnect VLAN 30
    assert any(c.strip().startswith("port trunk allow-pass vlan 30") for c in plain.remediation)

    records = [cd.from_isolation(seg, "CORE-1"), cd.from_isolation(host, "CORE-1")]
    result = check(core, records)
    assert result.compliant
    assert result.report.remediation == [] and result.drift == []
    by_id = {e.id: e for e in result.expected}
    assert [e.kind for e in result.expected] == ["isolation", "isolation"]
    assert "+ interface Vlanif30: shutdown" in by_id[SEGMENT_ID].lines
    trunks = [p for p in core.view().ports.values() if p.trunk]
    assert {f"- interface {p.name}: port trunk allow-pass vlan 30" for p in trunks} >= {
        line for line in by_id[SEGMENT_ID].lines if "allow-pass" in line
    }
    assert any("allow-pass vlan 30" in line for line in by_id[SEGMENT_ID].lines)
    assert by_id[HOST_ID].extra == [
        "acl number 3999",
        "acl number 3999: rule 5 deny ip source 10.10.10.104 0",
        "acl number 3999: rule 4000 permit ip",
        "interface Vlanif10: traffic-filter inbound acl 3999",
    ]
    assert result.summary.startswith("CORE-1: compliant apart from expected deviations: ")
    expected, unexplained = cd.classify("CORE-1", result.to_dict(), [])  # the inspection's split
    assert (
        unexplained == []
        and {"line": "+ interface Vlanif30: shutdown", "kind": "isolation", "id": SEGMENT_ID}
        in expected
    )
    assert SEGMENT_ID in result.summary and HOST_ID in result.summary

    core.type(["interface Vlanif30", "description changed by hand", "quit"])
    drifted = check(core, records)
    assert not drifted.compliant
    assert drifted.drift == [
        "- interface Vlanif30: description PHARMACY",
        "+ interface Vlanif30: description changed by hand",
    ]
    assert [c.strip() for c in drifted.report.remediation] == [
        "interface Vlanif30",
        "description PHARMACY",
    ]
    assert {e.id for e in drifted.expected} == {SEGMENT_ID, HOST_ID}  # still named
    assert drifted.summary.startswith("CORE-1: 2 unexplained lines (vlanif); expected: ")

    # a record that no longer holds (reconnected: not among the open ones) explains nothing
    alone = check(core, records[1:])
    assert "+ interface Vlanif30: shutdown" in alone.drift
    assert "undo shutdown" in [c.strip() for c in alone.report.remediation]


FENCE_ID = "iso-20261206T090000Z-cccccc"


@pytest.mark.parametrize("name", ["CORE-1", "ACC-2", "AGG-4"])  # VRP, Comware, IOS
def test_a_switch_port_fence_is_a_db_fence(topology, name: str) -> None:
    """db_failover's switch_port fence: the old primary's access port shut with the
    SSH-only quarantine filter bound, recorded as an isolation naming the server (a port
    with a filter already is refused by the fence: a port without one, in the plan where
    the switch has one)."""
    switch = Switch(topology, name)
    planned = {line[len("interface ") :] for line in switch.intended.splitlines()}
    free = [
        p
        for p in switch.view().ports.values()
        if not p.trunk
        and not p.name.startswith(("Vlan", "NULL"))
        and not any("filter" in line or "access-group" in line for line in p.lines)
    ]
    port = next((p for p in free if p.name in planned), free[0])
    blocks = isolate._quarantine_commands(
        switch.view(), port.name, "10.10.100.11", "10.10.99.250", 3998
    ) + isolate._shut(port.name, switch.platform)
    record = switch.isolate(
        blocks,
        FENCE_ID,
        kind="host",
        target="10.10.100.11",
        reason="db_failover: fence of the old database primary his-db-1",
        fence_of="his-db-1",
    )
    assert not compliance.compare(switch.config, switch.intended, switch.platform).compliant
    result = check(switch, [cd.from_isolation(record, name, fence="fence-his-db-1")])
    assert result.compliant and result.report.remediation == [], result.drift
    (fence,) = result.expected
    assert (fence.kind, fence.id, fence.fence) == ("db_fence", FENCE_ID, "fence-his-db-1")
    assert (f"+ interface {port.name}: shutdown" in fence.lines) == (port.name in planned)
    assert any(
        line.startswith(f"+ interface {port.name}: ") and "3998" in line for line in fence.lines
    )
    assert fence.to_dict()["fence"] == "fence-his-db-1"
    assert "his-db-1" in fence.summary

    # an unrelated port of the plan shut by hand on the same switch is drift, its fix offered
    other = next(
        p
        for p in switch.view().ports.values()
        if p.name in planned and not p.trunk and p.name != port.name
    )
    switch.type([f"interface {other.name}", "shutdown"])
    drifted = check(switch, [cd.from_isolation(record, name)])
    assert drifted.drift == [f"+ interface {other.name}: shutdown"]
    assert [c.strip() for c in drifted.report.remediation][0] == f"interface {other.name}"


VTY_ACL = {
    "huawei": "acl number 3998\n rule 100 permit ip source 10.10.99.0 0.0.0.255\n#\n",
    "hp_comware": "acl advanced 3998\n rule 100 permit ip source 10.10.99.0 0.0.0.255\n#\n",
    "cisco_ios": "ip access-list extended HISOPS-VTY-3998\n permit ip 10.10.99.0 0.0.0.255 any\n!\n",
}


@pytest.mark.parametrize("name", ["ACC-1", "ACC-2", "ACC-3"])
def test_a_vendor_window_in_a_planned_vty_acl_is_expected(topology, name: str) -> None:
    """A site whose plan names its VTY ACL: a vendor window adds a rule and a time range to
    it; the plan alone would remove them (closing the window early)."""
    platform = topology.devices[name].platform
    switch = Switch(topology, name, render_intended(topology, name) + VTY_ACL[platform])
    dialect = dialect_for(platform)
    for bind, _unbind in dialect.login_acl_bindings(dialect.acl_id(3998, "HISOPS-VTY-3998")):
        switch.type(bind)
    assert compliance.compare(switch.config, switch.intended, platform).compliant
    request = vendor.VendorRequest(vendor_ip="203.0.113.7", minutes=60, approved_by="it-head")
    start, end = datetime(2026, 12, 6, 8, 0), datetime(2026, 12, 6, 9, 0)
    blocks, _created = vendor.plan_open(switch.config, platform, request, start, end)
    commands = [c for block, _inverse in blocks for c in block]
    switch.type(commands)
    plain = compliance.compare(switch.config, switch.intended, platform)
    assert not plain.compliant and plain.remediation
    record = {
        "id": "va-20261206T080000Z-dddddd",
        "device": name,
        "vendor_ip": "203.0.113.7",
        "approved_by": "it-head",
        "reason": "firmware support",
        "window": {
            "name": request.window_name,
            "start": "2026-12-06 08:00",
            "end": "2026-12-06 09:00",
        },
        "commands": commands,
    }
    result = check(switch, [cd.from_vendor_window(record, platform)])
    assert result.compliant and result.report.remediation == [], result.drift
    (window,) = result.expected
    assert (window.kind, window.id) == ("vendor_window", "va-20261206T080000Z-dddddd")
    assert any("203.0.113.7" in line for line in window.extra), window.extra
    assert any(line.startswith(f"time-range {request.window_name}") for line in window.extra)

    # a rule typed by hand into the same ACL is drift, the window's lines stay expected
    switch.type(
        {
            "huawei": ["acl number 3998", "rule 50 permit ip source 198.51.100.9 0", "quit"],
            "hp_comware": ["acl advanced 3998", "rule 50 permit ip source 198.51.100.9 0", "quit"],
            "cisco_ios": [
                "ip access-list extended HISOPS-VTY-3998",
                "permit ip host 198.51.100.9 any",
                "exit",
            ],
        }[platform]
    )
    drifted = check(switch, [cd.from_vendor_window(record, platform)])
    assert not drifted.compliant
    assert all(
        "198.51.100.9" in line
        for line in drifted.drift
        if line[2:].startswith(("acl", "ip access-list"))
    ), drifted.drift
    assert not any(
        "203.0.113.7" in c or request.window_name in c for c in drifted.report.remediation
    )


def test_sources_read_the_holds_and_their_records(tmp_path, topology) -> None:
    """The records come from the hospital's deliberate state: the open holds on the switch
    (an isolation saved with a state directory writes its hold), each read from its record
    file; a hold whose record is gone is a note, its lines unexplained."""
    core = Switch(topology, "CORE-1")
    target = isolate.parse_target(inventory(topology), segment="PHARMACY")
    plan = isolate.plan_segment(inventory(topology), target, {"CORE-1": core.view()})
    record = core.isolate(
        plan.changes["CORE-1"].blocks, SEGMENT_ID, kind="segment", target="PHARMACY", reason="x"
    )
    state = tmp_path / "state"
    Store(str(tmp_path / "isolations"), str(state)).save(record)
    sources = cd.Sources(str(state), str(tmp_path / "isolations"), str(tmp_path / "vendor"))
    found, notes = sources.for_device("CORE-1", "huawei")
    assert [r.id for r in found] == [SEGMENT_ID] and notes == []
    assert sources.for_device("ACC-1", "huawei") == ([], [])
    (tmp_path / "isolations" / f"{SEGMENT_ID}.json").unlink()
    found, notes = sources.for_device("CORE-1", "huawei")
    assert found == [] and SEGMENT_ID in notes[0]
    result = cd.check("CORE-1", core.config, core.intended, "huawei", found, notes=notes)
    assert not result.compliant and result.to_dict()["notes"] == notes
    StateStore(str(state)).close(SEGMENT_ID, "t")
    assert sources.for_device("CORE-1", "huawei") == ([], [])


CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "captures"


def _after(config: str, blocks, platform: str) -> str:
    """``config`` as the device prints it after the blocks: each block's section (its
    first command) gets the block's lines, a section it creates goes before the first
    interface (where IOS and RGOS print ACLs)."""
    lines = config.replace("\r", "").split("\n")
    for commands, _inverse in blocks:
        header, body = commands[0], [f" {c}" for c in commands[1:-1]]
        if header in lines:
            at = lines.index(header) + 1
            while at < len(lines) and lines[at].startswith(" "):
                at += 1
            lines[at:at] = body
        else:
            first = next(i for i, line in enumerate(lines) if line.startswith("interface "))
            lines[first:first] = [header, *body, "!"]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("capture", "platform", "plan"),
    [
        ("cisco_ios/show_running-config/hier_config_running_config_acl.raw", "cisco_ios", "host"),
        (
            "ruijie_os/show_running-config/ruijie_os_show_running-config_s2628g_10.4.raw",
            "ruijie_os",
            "port",
        ),
    ],
)
def test_real_captures_with_an_isolation(capture: str, platform: str, plan: str) -> None:
    """Real running configurations (tests/fixtures/captures, ntc-templates' test data) as
    their own plan, then isolated: a host blocked at its IOS gateway with the isolation ACL,
    an RGOS trunk port shut; the isolation is expected, a description typed by hand is not."""
    before = (CAPTURES / capture).read_text()
    view = network.SwitchView(
        switch=network.Switch("SW", DeviceParams("SW", platform, "h", "u", "p"), "core"),
        config=before,
    )
    view.ports = names.ports(before, platform)
    if plan == "host":
        blocks = isolate._acl_commands(view, 2, "10.0.2.50", 3999)
        port = "Vlan2"
    else:
        port = "GigabitEthernet 1/0/25"
        blocks = isolate._shut(port, platform)
    after = _after(before, blocks, platform)
    change = isolate.DeviceChange("SW", platform, blocks)
    record = {
        "id": HOST_ID,
        "kind": plan,
        "target": "10.0.2.50" if plan == "host" else f"SW:{port}",
        "devices": {
            "SW": {
                "platform": platform,
                "commands": change.commands,
                "inverse": change.inverse,
                "before": before,
                "after": after,
            }
        },
    }
    plain = compliance.compare(after, before, platform)
    assert not plain.compliant and plain.remediation
    result = cd.check("SW", after, before, platform, [cd.from_isolation(record, "SW")])
    assert result.compliant and result.report.remediation == [], result.drift
    (expected,) = result.expected
    if plan == "host":
        assert expected.extra == [
            "ip access-list extended HISOPS-ISOLATE-3999",
            "ip access-list extended HISOPS-ISOLATE-3999: deny ip host 10.0.2.50 any",
            "ip access-list extended HISOPS-ISOLATE-3999: permit ip any any",
            "interface Vlan2: ip access-group HISOPS-ISOLATE-3999 in",
        ]
    else:
        assert expected.extra == [f"interface {port}: shutdown"]
    if plan == "host":  # Vlan2 has no description (its "descripton" is a typo the device kept)
        by_hand = after.replace("interface Vlan2\n", "interface Vlan2\n description by hand\n")
        drift = ["+ interface Vlan2: description by hand"]
        fix = ["interface Vlan2", "no description"]
    else:
        by_hand = after.replace("description Link_To_SW1_G0/24", "description by hand")
        drift = [
            f"- interface {port}: description Link_To_SW1_G0/24",
            f"+ interface {port}: description by hand",
        ]
        fix = [f"interface {port}", "description Link_To_SW1_G0/24"]
    drifted = cd.check("SW", by_hand, before, platform, [cd.from_isolation(record, "SW")])
    assert drifted.drift == drift and [c.strip() for c in drifted.report.remediation] == fix
    assert [e.id for e in drifted.expected] == [HOST_ID]
