"""The lab's device engines with the hospital plan, without SSH: what the netplan tests on
engines share (test_plan_on_engines, test_compliance_deliberate). An engine is made from
the topology, attached to a stand-in for the lab server, given the intended configuration
that the switch_intended role's templates render, and typed into as an engineer types."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.model import build_intent

from hisops.lab import vlanplan
from hisops.lab.devices import make_device
from hisops.lab.server import engine_spec

TEMPLATES = Path(__file__).resolve().parents[3] / "roles" / "switch_intended" / "templates"
FEATURES = ["vlans", "vlanif", "interfaces", "acl", "management"]


@dataclass
class Host:
    """The lab server's side of the engine contract, reduced to what typing commands needs."""

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


def fresh_engine(topology, name: str):
    """The switch ``name``'s engine as the lab starts it (its startup configuration)."""
    device = make_device(engine_spec(topology.devices[name]))
    device.attach(Host())
    return device


def render(intent) -> str:
    """The intended configuration of ``intent`` (netplan.model) by the role's templates."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("intended.j2").render(
        intent=intent.to_dict(), switch_intended_features=FEATURES
    )


def render_intended(topology, name: str) -> str:
    """The hospital plan's intended configuration of the switch ``name``."""
    device = topology.devices[name]
    plan = vlanplan.group_vars(topology)
    switch = vlanplan.switch_vars(topology)[name]["hisops_switch"]
    return render(
        build_intent(
            name,
            device.platform,
            switch,
            plan["hisops_vlans"],
            plan["hisops_mgmt_vlan"],
            plan.get("hisops_acls"),
        )
    )


def type_into(device, commands: list[str]) -> list[str]:
    """Type ``commands`` in the platform's configuration mode; the non-empty outputs."""
    session = device.open_session("admin")
    enter, leave = {
        "cisco_ios": (["configure terminal"], ["end"]),
        # RGOS logins start in user EXEC; the lab's startup sets an enable secret
        "ruijie_os": (["enable", device.spec.enable_secret, "configure terminal"], ["end"]),
    }.get(device.platform, (["system-view"], ["return"]))
    outputs = [session.handle(line).output for line in [*enter, *commands, *leave]]
    return [o for o in outputs if o.strip()]
