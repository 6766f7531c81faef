"""The VLAN plan's templates and compliance against the lab's device engines, without SSH.

For one switch of each platform in the hospital topology: render the intended
configuration with the role's Jinja2 templates, diff it with the engine's running
configuration, type the remediation into the engine's CLI, and check that the switch is
then compliant and that a second diff finds nothing (the idempotent twin). The engines
print configurations the way the real platforms do, so this pins the templates to real
syntax quickly; tests/integration does the same over SSH with the playbooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.push import (
    PushRequest,
    plan_commands,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import compliance
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.model import build_intent

from hisops.lab import vlanplan
from hisops.lab.devices import make_device
from hisops.lab.server import engine_spec
from hisops.lab.topology import load_topology

TEMPLATES = Path(__file__).resolve().parents[3] / "roles" / "switch_intended" / "templates"
FEATURES = ["vlans", "vlanif", "interfaces", "acl", "management"]


@dataclass
class Host:
    """The server's side of the engine contract, reduced to what a config push needs."""

    timers: list = field(default_factory=list)

    def now(self) -> float:
        return 1_795_000_000.0

    def call_later(self, seconds, callback):
        class Timer:
            def cancel(self) -> None:
                pass

        self.timers.append(callback)
        return Timer()

    def disconnect_sessions(self) -> None:
        pass

    def notify_reboot(self, downtime_seconds: float) -> None:
        pass

    def mac_table(self):
        return []

    def arp_table(self):
        return []

    def link_up(self, port: str) -> bool:
        return True


@pytest.fixture(scope="module")
def topology():
    return load_topology()


def render_intended(topology, name: str) -> str:
    device = topology.devices[name]
    plan = vlanplan.group_vars(topology)
    switch = vlanplan.switch_vars(topology)[name]["hisops_switch"]
    intent = build_intent(name, device.platform, switch, plan["hisops_vlans"], plan["hisops_mgmt_vlan"],
                          plan.get("hisops_acls"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), trim_blocks=True,
                             lstrip_blocks=False, keep_trailing_newline=True)
    return env.get_template("intended.j2").render(intent=intent.to_dict(), switch_intended_features=FEATURES)


def type_into(device, commands: list[str]) -> list[str]:
    session = device.open_session("admin")
    enter, leave = (["configure terminal"], ["end"]) if device.platform == "cisco_ios" else (
        ["system-view"], ["return"])
    outputs = [session.handle(line).output for line in [*enter, *commands, *leave]]
    return [o for o in outputs if o.strip()]


@pytest.mark.parametrize("name", ["CORE-1", "ACC-1", "AGG-3", "ACC-2", "AGG-4", "ACC-3"])
def test_remediation_makes_the_engine_compliant(topology, name: str) -> None:
    device = make_device(engine_spec(topology.devices[name]))
    device.attach(Host())
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
    device = make_device(engine_spec(topology.devices["CORE-1"]))
    device.attach(Host())
    intended = render_intended(topology, "CORE-1")
    commands = plan_commands(device.render_config(device.running), PushRequest(intended=intended),
                                "huawei")
    type_into(device, commands)
    trunk = "XGigabitEthernet2/0/0"
    type_into(device, [f"interface {trunk}", "undo port trunk allow-pass vlan 10", "port trunk allow-pass vlan 200 to 202"])
    report = compliance.compare(device.render_config(device.running), intended, "huawei", ["interfaces"])
    feature = report.features["interfaces"]
    assert feature.missing == [f"interface {trunk}: port trunk allow-pass vlan 10"]
    assert feature.extra == [f"interface {trunk}: port trunk allow-pass vlan 200 to 202"]
    assert feature.remediation == [
        f"interface {trunk}",
        " undo port trunk allow-pass vlan 200 to 202",
        " port trunk allow-pass vlan 10",
    ]
