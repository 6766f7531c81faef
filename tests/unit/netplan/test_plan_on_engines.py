"""The VLAN plan's templates and compliance against the lab's device engines, without SSH.

For one switch of each platform in the hospital topology: render the intended
configuration with the role's Jinja2 templates, diff it with the engine's running
configuration, type the remediation into the engine's CLI, and check that the switch is
then compliant and that a second diff finds nothing (the idempotent twin). The engines
print configurations the way the real platforms do, so this pins the templates to real
syntax quickly; tests/integration does the same over SSH with the playbooks.
"""

from __future__ import annotations

import re

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.push import (
    PushRequest,
    plan_commands,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import compliance, configtree
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.model import build_intent
from plan_engines import fresh_engine, render, render_intended, type_into

from hisops.lab import vlanplan
from hisops.lab.dataplane import DataPlane
from hisops.lab.topology import load_topology


@pytest.fixture(scope="module")
def topology():
    return load_topology()


@pytest.mark.parametrize("name", ["CORE-1", "ACC-1", "AGG-3", "ACC-2", "AGG-4", "ACC-3", "AGG-5"])
def test_remediation_makes_the_engine_compliant(topology, name: str) -> None:
    device = fresh_engine(topology, name)
    intended = render_intended(topology, name)
    running = device.render_config(device.running)

    commands = plan_commands(running, PushRequest(intended=intended), device.platform)
    errors = type_into(device, commands)
    assert not [e for e in errors if "rror" in e or "%" in e], (commands, errors)

    after = device.render_config(device.running)
    final = compliance.compare(after, intended, device.platform)
    assert final.compliant, final.to_dict()
    again = plan_commands(after, PushRequest(intended=intended), device.platform)
    assert again == [], "a second deploy would send commands: not idempotent"


def test_drift_on_a_trunk_is_one_range_command(topology) -> None:
    """VLAN lists fold back into ranges: removing 3 VLANs is one line, not three."""
    device = fresh_engine(topology, "CORE-1")
    intended = render_intended(topology, "CORE-1")
    commands = plan_commands(
        device.render_config(device.running), PushRequest(intended=intended), "huawei"
    )
    type_into(device, commands)
    trunk = "XGigabitEthernet2/0/0"
    type_into(
        device,
        [
            f"interface {trunk}",
            "undo port trunk allow-pass vlan 10",
            "port trunk allow-pass vlan 200 to 202",
        ],
    )
    report = compliance.compare(
        device.render_config(device.running), intended, "huawei", ["interfaces"]
    )
    feature = report.features["interfaces"]
    assert feature.missing == [f"interface {trunk}: port trunk allow-pass vlan 10"]
    assert feature.extra == [f"interface {trunk}: port trunk allow-pass vlan 200 to 202"]
    assert feature.remediation == [
        f"interface {trunk}",
        " undo port trunk allow-pass vlan 200 to 202",
        " port trunk allow-pass vlan 10",
    ]


# --- ACLs ---------------------------------------------------------------------------------


def deployed_engine(topology, name: str):
    device = fresh_engine(topology, name)
    intended = render_intended(topology, name)
    type_into(
        device,
        plan_commands(
            device.render_config(device.running), PushRequest(intended=intended), device.platform
        ),
    )
    return device, intended


@pytest.mark.parametrize("name", ["CORE-1", "AGG-3", "ACC-3"])
def test_acl_text_is_what_the_engine_prints(topology, name: str) -> None:
    """After a deploy the ACL sections read back exactly as rendered, in the same order."""
    device, intended = deployed_engine(topology, name)
    running = configtree.canonical(device.render_config(device.running), device.platform, ("acl",))
    wanted = configtree.canonical(intended, device.platform, ("acl",))
    assert wanted["acl"], "the lab plan applies no ACL on this switch"
    assert by_line(running["acl"]) == by_line(wanted["acl"])


def by_line(sections) -> dict[str, list[str]]:
    return {s.line: s.children for s in sections}


ACL_DRIFT = {
    "CORE-1": (
        [
            "acl 3001",
            "undo rule 20",
            "rule 7 permit tcp destination 10.10.100.0 0.0.0.255 destination-port eq 22",
            "rule 10 permit udp source 10.10.10.0 0.0.0.255 destination 10.10.100.0 0.0.0.255",
            "quit",
            "interface Vlanif100",
            "undo traffic-filter outbound acl 3001",
            "quit",
        ],
        [
            "acl name HIS-DB-PROTECT 3001: rule 10 permit tcp source 10.10.10.0 0.0.0.255 "
            "destination 10.10.100.0 0.0.0.255 destination-port eq 5432",
            "acl name HIS-DB-PROTECT 3001: rule 20 permit tcp source 10.10.30.0 0.0.0.255 "
            "destination 10.10.100.0 0.0.0.255 destination-port eq 5432",
            "interface Vlanif100: traffic-filter outbound acl 3001",
        ],
        [
            "acl name HIS-DB-PROTECT 3001: rule 7 permit tcp destination 10.10.100.0 0.0.0.255 "
            "destination-port eq 22",
            "acl name HIS-DB-PROTECT 3001: rule 10 permit udp source 10.10.10.0 0.0.0.255 "
            "destination 10.10.100.0 0.0.0.255",
        ],
    ),
    "AGG-3": (
        [
            "acl advanced 3010",
            "undo rule 10",
            "rule 1 permit tcp destination-port eq 3389",
            "quit",
            "interface GigabitEthernet1/0/2",
            "undo packet-filter 3010 inbound",
            "quit",
        ],
        [
            "acl advanced 3010: rule 10 deny tcp destination-port eq 3389",
            "interface GigabitEthernet1/0/2: packet-filter 3010 inbound",
        ],
        ["acl advanced 3010: rule 1 permit tcp destination-port eq 3389"],
    ),
    "ACC-3": (
        [
            "ip access-list extended WS-EDGE",
            "no 20",
            "5 permit tcp any any eq 3389",
            "exit",
            "interface GigabitEthernet1/0/2",
            "no ip access-group WS-EDGE in",
            "exit",
        ],
        [
            "ip access-list extended WS-EDGE: deny tcp any any eq 3389",
            "interface GigabitEthernet1/0/2: ip access-group WS-EDGE in",
        ],
        ["ip access-list extended WS-EDGE: permit tcp any any eq 3389"],
    ),
}


def rule_order(device) -> list[tuple]:
    return [
        (acl.name, r.action, r.protocol, r.source, r.destination, r.destination_port)
        for acl in device.running.acls.values()
        for r in acl.rules
    ]


@pytest.mark.parametrize("name", sorted(ACL_DRIFT))
def test_acl_drift_is_named_item_by_item_and_remediated_in_order(topology, name: str) -> None:
    """A missing rule, an extra rule, a changed rule and an unapplied ACL, on each platform."""
    device, intended = deployed_engine(topology, name)
    order = rule_order(device)
    drift, missing, extra = ACL_DRIFT[name]
    assert not [e for e in type_into(device, drift) if "rror" in e or "%" in e]

    report = compliance.compare(device.render_config(device.running), intended, device.platform)
    acl = report.features["acl"]
    assert sorted(acl.missing) == sorted(missing)
    assert sorted(acl.extra) == sorted(extra)
    assert [f for f, r in report.features.items() if not r.compliant] == ["acl"]

    commands = plan_commands(
        device.render_config(device.running), PushRequest(intended=intended), device.platform
    )
    assert not [e for e in type_into(device, commands) if "rror" in e or "%" in e], commands
    assert rule_order(device) == order, "the remediation changed the order of the rules"
    after = device.render_config(device.running)
    assert compliance.compare(after, intended, device.platform).compliant
    assert plan_commands(after, PushRequest(intended=intended), device.platform) == []


def test_vrp_rule_is_removed_by_id_before_it_is_rewritten(topology) -> None:
    device, intended = deployed_engine(topology, "CORE-1")
    type_into(device, ["acl 3001", "rule 45 permit ip", "quit"])  # the final deny became a permit
    remediation = (
        compliance.compare(device.render_config(device.running), intended, "huawei")
        .features["acl"]
        .remediation
    )
    assert remediation == [
        "acl name HIS-DB-PROTECT 3001",
        " undo rule 45",
        " rule 45 deny ip destination 10.10.100.0 0.0.0.255",
    ]


def numbered(device) -> str:
    """The engine's running configuration as the collection reads it before an edit: on a
    release that prints no sequence numbers (ACC-3, IOS 15.2), with the numbers of
    ``show ip access-lists`` written in (compliance.numbered_running)."""
    running = device.render_config(device.running)
    if device.platform != "cisco_ios" or device.is_xe():
        return running
    return configtree.with_ios_sequences(running, device.show_access_lists())


def test_ios_entries_in_another_order_are_reported_and_edited_in_place(topology) -> None:
    device, intended = deployed_engine(topology, "ACC-3")
    order = rule_order(device)
    # The SMB deny moved after the final permit: same entries, it no longer matches first.
    type_into(
        device, ["ip access-list extended WS-EDGE", "no 10", "40 deny tcp any any eq 445", "exit"]
    )
    acl = compliance.compare(device.render_config(device.running), intended, "cisco_ios").features[
        "acl"
    ]
    assert acl.missing == [
        "ip access-list extended WS-EDGE: order deny tcp any any eq 445 | "
        "deny tcp any any eq 3389 | permit ip any any"
    ]
    assert acl.extra == [
        "ip access-list extended WS-EDGE: order deny tcp any any eq 3389 | "
        "permit ip any any | deny tcp any any eq 445"
    ]
    # In place, by the device's sequence numbers: the moved entry goes and comes back
    # before entry 20; the ACL is never removed (it would be undefined meanwhile).
    commands = plan_commands(numbered(device), PushRequest(intended=intended), "cisco_ios")
    assert commands == [
        "ip access-list extended WS-EDGE",
        "no 40",
        "10 deny tcp any any eq 445",
        "exit",
    ]
    assert not [e for e in type_into(device, commands) if "%" in e]
    assert rule_order(device) == order
    assert compliance.compare(device.render_config(device.running), intended, "cisco_ios").compliant


def test_ios_without_sequence_numbers_is_edited_by_entry_text(topology) -> None:
    """Read without ``show ip access-lists`` (no numbers known): entries are removed by their
    text and the ones after an insertion point entered again, never guessed numbers."""
    device, intended = deployed_engine(topology, "ACC-3")
    order = rule_order(device)
    type_into(device, ["ip access-list extended WS-EDGE", "no 10", "exit"])
    running = device.render_config(device.running)
    assert " deny   tcp any any eq 3389" in running.splitlines()  # 15.2 pads, no numbers
    commands = plan_commands(running, PushRequest(intended=intended), "cisco_ios")
    assert not any(c.startswith("no ip access-list") for c in commands), commands
    assert commands[:1] == ["ip access-list extended WS-EDGE"]
    assert "no 20" not in commands and "deny tcp any any eq 445" in commands
    assert not [e for e in type_into(device, commands) if "%" in e]
    assert rule_order(device) == order


RICH_ACLS = [
    {
        "name": "FORMS",
        "number": 3100,
        "rules": [
            {
                "action": "permit",
                "protocol": "udp",
                "source": "host 10.10.60.5",
                "destination": "10.10.100.0/25",
                "port": 514,
            },
            {
                "action": "permit",
                "protocol": "tcp",
                "source": "10.10.60.4",
                "destination": "any",
                "port": 443,
            },
            {
                "action": "deny",
                "protocol": "icmp",
                "source": "any",
                "destination": "host 10.10.100.11",
            },
            {"action": "permit", "protocol": "ip"},
        ],
    },
]


def deploy_acls(topology, name: str, bindings: list[dict], acls: list[dict]):
    """The switch's plan with these ACLs and bindings, rendered and typed into a fresh
    engine with no line refused: (device, intended, running configuration after)."""
    device = fresh_engine(topology, name)
    plan = vlanplan.group_vars(topology)
    switch = vlanplan.switch_vars(topology)[name]["hisops_switch"]
    switch["acls"] = bindings
    intent = build_intent(name, device.platform, switch, plan["hisops_vlans"], 99, acls)
    intended = render(intent)
    commands = plan_commands(
        device.render_config(device.running), PushRequest(intended=intended), device.platform
    )
    assert not [e for e in type_into(device, commands) if "rror" in e or "%" in e], commands
    return device, intended, device.render_config(device.running)


@pytest.mark.parametrize("name", ["CORE-1", "AGG-3", "AGG-4"])
def test_every_address_form_renders_to_what_the_engine_prints(topology, name: str) -> None:
    """Hosts, networks, any, udp, no description, both directions: deploy, then compliant."""
    port = vlanplan.switch_vars(topology)[name]["hisops_switch"]["access_ports"][0]["interface"]
    bindings = [
        {"acl": "FORMS", "interfaces": [port], "direction": "inbound"},
        {"acl": "FORMS", "vlan": 99, "direction": "outbound"},
    ]
    device, intended, after = deploy_acls(topology, name, bindings, RICH_ACLS)
    assert compliance.compare(after, intended, device.platform).compliant
    assert plan_commands(after, PushRequest(intended=intended), device.platform) == []
    acl = next(iter(device.running.acls.values()))
    assert [
        (
            r.action,
            r.protocol,
            r.source,
            r.source_wildcard,
            r.destination,
            r.destination_wildcard,
            r.destination_port,
        )
        for r in acl.rules
    ] == [
        ("permit", "udp", "10.10.60.5", "0.0.0.0", "10.10.100.0", "0.0.0.127", 514),
        ("permit", "tcp", "10.10.60.4", "0.0.0.0", None, "0.0.0.0", 443),
        ("deny", "icmp", None, "0.0.0.0", "10.10.100.11", "0.0.0.0", None),
        ("permit", "ip", None, "0.0.0.0", None, "0.0.0.0", None),
    ]


NAMED_PORTS = [
    {
        "name": "NAMED-PORTS",
        "number": 3101,
        "rules": [
            {"action": "permit", "protocol": "tcp", "destination": "10.10.100.0/24", "port": 80},
            {"action": "permit", "protocol": "udp", "port": 53},
            {"action": "permit", "protocol": "tcp", "port": 53},
            {"action": "deny", "protocol": "tcp", "port": 23},
            {"action": "permit", "protocol": "udp", "port": 139},
            {"action": "permit", "protocol": "tcp", "port": 443},
            {"action": "deny", "protocol": "ip"},
        ],
    },
]
# How each platform prints those ports (docs/research/issue17.md (b), port-name tables).
PRINTED_PORTS = {
    "huawei": ["www", "dns", "domain", "telnet", "netbios-ssn", "443"],
    "hp_comware": ["www", "dns", "domain", "telnet", "netbios-ssn", "443"],
    "cisco_ios": ["www", "domain", "domain", "telnet", "netbios-ss", "443"],
}


@pytest.mark.parametrize("name", ["CORE-1", "AGG-3", "AGG-4", "ACC-3"])
def test_a_plan_on_well_known_ports_reads_back_by_name_and_is_no_drift(topology, name: str) -> None:
    """The plan says ``port: 80``, the device prints ``eq www`` (VRP, Comware, IOS), UDP 53
    ``dns`` on VRP/Comware but ``domain`` on IOS: after a deploy the switch is compliant and
    a second deploy sends nothing."""
    bindings = [{"acl": "NAMED-PORTS", "vlan": 99, "direction": "inbound"}]
    device, intended, after = deploy_acls(topology, name, bindings, NAMED_PORTS)
    header = "NAMED-PORTS" if device.platform == "cisco_ios" else "3101"
    printed = re.findall(r"eq (\S+)", after[after.index(header) :])
    assert printed[:6] == PRINTED_PORTS[device.platform], after
    report = compliance.compare(after, intended, device.platform)
    assert report.compliant, report.to_dict()
    assert plan_commands(after, PushRequest(intended=intended), device.platform) == []
    assert plan_commands(numbered(device), PushRequest(intended=intended), device.platform) == []


def test_the_deployed_plan_protects_the_database_and_keeps_every_lab_host_reachable(
    topology,
) -> None:
    """The whole hospital deployed in process, then the lab's data plane: the HIS database
    takes only its port from departments, and the controller still reaches every endpoint
    (the lab cuts a real host the controller cannot reach)."""
    devices = {name: fresh_engine(topology, name) for name in topology.devices}
    for name in vlanplan.switch_vars(topology):
        device, intended = devices[name], render_intended(topology, name)
        type_into(
            device,
            plan_commands(
                device.render_config(device.running),
                PushRequest(intended=intended),
                device.platform,
            ),
        )
    plane = DataPlane(topology, devices, lambda _name: "up")
    cut = {
        host: plane.reach(topology.controller, host).reason
        for host in topology.endpoints
        if host != topology.controller and not plane.reach(topology.controller, host).reachable
    }
    assert cut == {}
    workstations = [e.name for e in topology.endpoints.values() if e.kind == "workstation"]
    for workstation in workstations:
        assert plane.reach(workstation, "his-db-1", "tcp", 5432).reachable, workstation
        denied = plane.reach(workstation, "his-db-1", "tcp", 22)
        assert denied.reason.startswith("ACL 3001 on CORE-1 Vlanif100 outbound denies"), (
            denied.reason
        )
    assert "ACL WS-EDGE on ACC-3" in plane.reach("lis-ws-01", "doc-01", "tcp", 445).reason
    assert "ACL 3010 on AGG-3" in plane.reach("doc-01", "lis-ws-01", "tcp", 3389).reason
    assert plane.reach("doc-01", "lis-ws-01", "tcp", 443).reachable


VENDOR_WINDOW = {  # what a vendor access window adds (hisops.emergency.vendor_access)
    "CORE-1": [
        "time-range HISOPS-VENDOR-1 from 08:00 2026/11/22 to 18:00 2026/11/22",
        "acl number 3998",
        "rule 5 permit ip source 10.10.99.77 0 time-range HISOPS-VENDOR-1",
        "quit",
        "user-interface vty 0 4",
        "acl 3998 inbound",
        "quit",
        "acl number 3500",
        "rule 5 permit ip",
        "quit",
    ],
    "AGG-3": [
        "time-range HISOPS-VENDOR-1 from 08:00 11/22/2026 to 18:00 11/22/2026",
        "acl advanced 3998",
        "rule 5 permit ip source 10.10.99.77 0 time-range HISOPS-VENDOR-1",
        "quit",
        "ssh server acl 3998",  # Comware 7: system view, not line vty
        "acl advanced 3500",
        "rule 5 permit ip",
        "quit",
    ],
    "ACC-3": [
        "time-range HISOPS-VENDOR-1",
        "absolute start 08:00 22 November 2026 end 18:00 22 November 2026",
        "exit",
        "ip access-list extended HISOPS-VTY-3998",
        "permit ip host 10.10.99.77 any time-range HISOPS-VENDOR-1",
        "exit",
        "line vty 0 4",
        "access-class HISOPS-VTY-3998 in",
        "exit",
        "ip access-list extended ROGUE",
        "permit ip any any",
        "exit",
    ],
}
ROGUE = {
    "CORE-1": "acl number 3500",
    "AGG-3": "acl advanced 3500",
    "ACC-3": "ip access-list extended ROGUE",
}


@pytest.mark.parametrize("name", sorted(VENDOR_WINDOW))
def test_an_acl_on_the_vty_lines_is_management_access_not_plan_drift(topology, name: str) -> None:
    """A vendor access window (VTY ACL + time range) survives a deploy; a hand-made ACL
    elsewhere is still reported and removed."""
    device, intended = deployed_engine(topology, name)
    assert not [e for e in type_into(device, VENDOR_WINDOW[name]) if "rror" in e or "%" in e]
    acl = compliance.compare(
        device.render_config(device.running), intended, device.platform
    ).features["acl"]
    assert acl.missing == []
    assert [line.split(":")[0] for line in acl.extra] == [ROGUE[name]] * len(acl.extra)
    commands = plan_commands(
        device.render_config(device.running), PushRequest(intended=intended), device.platform
    )
    type_into(device, commands)
    after = device.render_config(device.running)
    assert "HISOPS-VENDOR-1" in after and ROGUE[name] not in after
    assert compliance.compare(after, intended, device.platform).compliant


# --- replace pushes: a spare taking a deployed switch's configuration, and the way back -----


@pytest.mark.parametrize(
    "failed,spare",
    [
        ("AGG-1", "SPARE-S5735"),
        ("CORE-1", "SPARE-CORE-1"),
        ("AGG-3", "SPARE-S5560X"),
        ("AGG-4", "SPARE-C9300"),
    ],
)
def test_a_spare_takes_a_deployed_configuration_and_gives_it_back_without_a_refusal(
    topology, failed: str, spare: str
) -> None:
    """The spare swap's push (replace) and the revert a refused push runs (replace, back to
    what was read): both converge on the engine with no refused line, and a second plan is
    empty. Found by the drill: after a VLAN plan deploy the swap left VLAN 1 on new VRP
    trunks, and its revert deleted VLANs twice ('undo vlan batch 10 30', then 'undo vlan
    10': "The VLAN 10 does not exist.") and ports whole ('undo interface GE0/0/1')."""
    source, _ = deployed_engine(topology, failed)
    backup = source.render_config(source.running)
    target = fresh_engine(topology, spare)
    startup = target.render_config(target.running)
    for label, wanted in (("swap", backup), ("revert", startup)):
        running = target.render_config(target.running)
        commands = plan_commands(
            running, PushRequest(intended=wanted, replace=True), target.platform
        )
        errors = type_into(target, commands)
        assert not [e for e in errors if "rror" in e or "%" in e], (label, commands, errors)
        again = plan_commands(
            target.render_config(target.running),
            PushRequest(intended=wanted, replace=True),
            target.platform,
        )
        assert again == [], (label, "a second push would still send", again)


def test_a_new_vrp_trunk_drops_vlan_1_right_after_its_link_type() -> None:
    running = "interface XGigabitEthernet0/0/1\n#\nreturn\n"
    intended = (
        "interface XGigabitEthernet0/0/1\n port link-type trunk\n"
        " undo port trunk allow-pass vlan 1\n port trunk allow-pass vlan 10 30\n#\n"
    )
    assert plan_commands(running, PushRequest(intended=intended, replace=True), "huawei") == [
        "interface XGigabitEthernet0/0/1",
        "port link-type trunk",
        "undo port trunk allow-pass vlan 1",
        "port trunk allow-pass vlan 10 30",
        "quit",
    ]


def test_a_trunk_turning_access_loses_its_vlans_before_its_link_type() -> None:
    running = (
        "interface GigabitEthernet0/0/1\n description uplink\n port link-type trunk\n"
        " port trunk allow-pass vlan 10 30\n#\n"
    )
    intended = "interface GigabitEthernet0/0/1\n#\n"
    commands = plan_commands(running, PushRequest(intended=intended, replace=True), "huawei")
    assert commands.index("undo port trunk allow-pass vlan 1 10 30") < commands.index(
        "undo port link-type"
    )


def test_an_ios_entry_on_a_taken_sequence_number_is_a_refused_line(topology) -> None:
    """IOS answers '% Duplicate sequence number' and keeps the entry it had: a push that
    sent such a line must fail there, not be found out later by reading the switch back."""
    from ansible_collections.hisops.emergency.plugins.module_utils.netdev.platforms import (
        get_platform,
    )

    device = fresh_engine(topology, "AGG-4")
    outputs = type_into(
        device,
        ["ip access-list extended HISOPS-DUP", "10 permit ip any any", "10 deny ip any any"],
    )
    refused = [o for o in outputs if get_platform("cisco_ios").rejected(o)]
    assert refused == ["% Duplicate sequence number"], outputs
    assert " 10 permit ip any any" in device.render_config(device.running)
