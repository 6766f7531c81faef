#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vlan_plan
short_description: Validate the hospital VLAN plan of one or many switches and render their intended configurations
version_added: 0.1.0
description:
  - Checks the VLAN plan data model (C(hisops_vlans), C(hisops_mgmt_vlan),
    C(hisops_switch)) before anything is rendered or sent, and returns the expanded intent
    that the templates of C(hisops.emergency.switch_intended) render.
  - Refuses duplicate VLAN ids, ids outside 1-4094, overlapping subnets, a gateway
    outside its subnet, a trunk or port carrying an undefined VLAN, an interface name the
    platform does not have and a VLAN name the platform would reject; the message names
    every bad field.
  - Refuses ACLs (C(hisops_acls)) with duplicate names or numbers, a number outside
    3000-3999, a bad address, a port without tcp/udp, and an application
    (C(hisops_switch.acls)) of an unknown ACL or on a VLAN or port the switch does not have.
  - Fleet mode (O(hosts)) validates every listed switch first and renders none while any
    of them is wrong; a problem shared by many switches is reported once, naming them.
  - With O(render_to), renders C(<render_to>/<host>/intended.cfg) from O(templates),
    writing a file only when its content differs (changed only then).
author: hisops developers (@hisops)
options:
  hostname:
    description: The switch's hostname (sysname). Single-switch mode.
    type: str
  platform:
    description: netmiko device type of the switch. Single-switch mode.
    type: str
  switch:
    description: The switch's C(hisops_switch) mapping (role, trunks, access_ports, mgmt, vlans). Single-switch mode.
    type: dict
  vlans:
    description: The hospital VLAN plan, C(hisops_vlans). Single-switch mode.
    type: list
    elements: dict
  mgmt_vlan:
    description: The management VLAN id, C(hisops_mgmt_vlan). Single-switch mode.
    type: int
  acls:
    description:
      - The hospital's ACLs, C(hisops_acls) (name, number, description, rules). Single-switch mode.
      - Where the switch applies them is C(acls) of O(switch).
    type: list
    elements: dict
  name:
    description: Inventory name of the switch (folder under O(render_to)); defaults to O(hostname). Single-switch mode.
    type: str
  hosts:
    description:
      - Fleet mode. Inventory hostnames whose plans to validate (and render), usually
        C("{{ ansible_play_batch }}") with C(run_once=true). The action plugin reads each
        host's C(hisops_switch) (its C(hostname) defaults to the inventory name),
        C(hisops_platform) (or C(ansible_network_os)), C(hisops_vlans), C(hisops_mgmt_vlan)
        and C(hisops_acls).
    type: list
    elements: str
  switches:
    description: Fleet mode, as built by the action plugin from O(hosts); not set by hand.
    type: list
    elements: dict
  render_to:
    description: Folder on the controller to render C(<host>/intended.cfg) into; without it nothing is rendered.
    type: path
  templates:
    description: Folder of C(intended.j2) and C(<platform>/<feature>.j2); required with O(render_to).
    type: path
  features:
    description: Features rendered, in order.
    type: list
    elements: str
    choices: [vlans, vlanif, interfaces, acl, management]
    default: [vlans, vlanif, interfaces, acl, management]
attributes:
  check_mode:
    description: Validates and renders in memory; writes nothing and reports what would change.
    support: full
  diff_mode:
    description: Before and after of each intended file that changes.
    support: full
"""

EXAMPLES = r"""
- name: Validate the plan for this switch
  hisops.emergency.vlan_plan:
    hostname: "{{ inventory_hostname }}"
    platform: "{{ hisops_platform }}"
    switch: "{{ hisops_switch }}"
    vlans: "{{ hisops_vlans }}"
    mgmt_vlan: "{{ hisops_mgmt_vlan }}"
  register: plan

- name: Validate every switch of the play and render their intended configurations
  hisops.emergency.vlan_plan:
    hosts: "{{ ansible_play_batch }}"
    render_to: var/intended
    templates: "{{ role_path }}/templates"
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
intent:
  description: The switch's expanded intent (VLANs, trunks, access ports, gateways, management, ACLs and where they apply).
  returned: success, single-switch mode
  type: dict
intents:
  description: Fleet mode, the intent of every switch, per inventory name.
  returned: success, fleet mode
  type: dict
rendered:
  description: Per inventory name, the intended file and whether it changed.
  returned: success, with render_to
  type: dict
problems:
  description: Each bad field as C(path), C(reason) and, in fleet mode, the C(hosts) concerned.
  returned: failure
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.model import PlanError
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.render import (
    HAS_JINJA2,
    JINJA2_IMPORT_ERROR,
    FleetPlanError,
    SwitchPlan,
    render_all,
    validate_all,
)

FEATURES = ["vlans", "vlanif", "interfaces", "acl", "management"]


def main():
    module = AnsibleModule(
        argument_spec={
            "hostname": {"type": "str"},
            "platform": {"type": "str"},
            "switch": {"type": "dict"},
            "vlans": {"type": "list", "elements": "dict"},
            "mgmt_vlan": {"type": "int"},
            "acls": {"type": "list", "elements": "dict"},
            "name": {"type": "str"},
            "hosts": {"type": "list", "elements": "str"},
            "switches": {"type": "list", "elements": "dict"},
            "render_to": {"type": "path"},
            "templates": {"type": "path"},
            "features": {
                "type": "list",
                "elements": "str",
                "choices": FEATURES,
                "default": FEATURES,
            },
        },
        required_one_of=[("switch", "switches")],
        required_together=[("hostname", "platform", "switch", "vlans")],
        mutually_exclusive=[("switch", "switches")],
        required_by={"render_to": "templates"},
        supports_check_mode=True,
    )
    p = module.params
    fleet = p["switches"] is not None
    if fleet:
        plans = [
            SwitchPlan(
                name=s.get("name", ""),
                hostname=s.get("hostname", ""),
                platform=s.get("platform", ""),
                switch=s.get("switch"),
                vlans=s.get("vlans"),
                mgmt_vlan=s.get("mgmt_vlan"),
                acls=s.get("acls"),
            )
            for s in p["switches"]
        ]
    else:
        plans = [
            SwitchPlan(
                name=p["name"] or p["hostname"],
                hostname=p["hostname"],
                platform=p["platform"],
                switch=p["switch"],
                vlans=p["vlans"],
                mgmt_vlan=p["mgmt_vlan"],
                acls=p["acls"],
            )
        ]
    try:
        intents = validate_all(plans)
    except FleetPlanError as exc:
        if not fleet:  # one switch: the message of the model itself
            problems = [(path, reason) for path, reason, _hosts in exc.problems]
            module.fail_json(
                msg=str(PlanError(problems)),
                problems=[{"path": a, "reason": b} for a, b in problems],
            )
        module.fail_json(
            msg=str(exc),
            problems=[{"path": a, "reason": b, "hosts": c} for a, b, c in exc.problems],
        )
    out = {"changed": False}
    if fleet:
        out["intents"] = intents
    else:
        out["intent"] = intents[plans[0].name]
    if p["render_to"]:
        if not HAS_JINJA2:
            module.fail_json(msg=missing_required_lib("jinja2"), exception=str(JINJA2_IMPORT_ERROR))
        try:
            written = render_all(
                intents, p["templates"], p["render_to"], p["features"], module.check_mode
            )
        except (OSError, ValueError) as exc:
            module.fail_json(msg=f"render: {exc}")
        out["rendered"] = {
            name: {"path": w.path, "changed": w.changed} for name, w in written.items()
        }
        out["changed"] = any(w.changed for w in written.values())
        if module._diff:
            out["diff"] = [
                {
                    "before": w.before,
                    "after": w.after,
                    "before_header": w.path,
                    "after_header": w.path,
                }
                for w in written.values()
                if w.changed
            ]
    module.exit_json(**out)


if __name__ == "__main__":
    main()
