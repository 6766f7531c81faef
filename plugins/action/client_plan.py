# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""client_plan on the controller: fills ``state_dir`` (the hospital's deliberate state: open
isolations) and each workstation's ``aliases`` (address, IP, MAC: the names a hold may
use), and plans; a rollout's canary candidates are probed over their own Ansible
connections (``plugin_utils/client_connections.py``)."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import ClientError
from ansible_collections.hisops.emergency.plugins.module_utils.client.hold import (
    isolated_workstations,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.ledger import Ledger
from ansible_collections.hisops.emergency.plugins.module_utils.client.plan import plan_rollout
from ansible_collections.hisops.emergency.plugins.module_utils.client.ssh_runs import (
    reachability_probe,
)
from ansible_collections.hisops.emergency.plugins.modules.client_plan import ARGUMENT_SPEC
from ansible_collections.hisops.emergency.plugins.plugin_utils.client_connections import (
    aliases_of,
    sender,
    workstation_hosts,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.spec_action import (
    SpecCheckedAction,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.state_dir import state_dir_for


class ActionModule(SpecCheckedAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def complete(self, args, task_vars):
        args["state_dir"] = state_dir_for(args, task_vars, self._templar.template)
        if args.get("aliases") is None:
            hostvars = task_vars.get("hostvars") or {}
            endpoints = task_vars.get("hisops_endpoints")
            if endpoints is not None:
                endpoints = self._templar.template(endpoints)
            args["aliases"] = {
                h: aliases_of(h, hostvars[h], endpoints) for h in self._members(args, task_vars)
            }
        return args

    @staticmethod
    def _members(args, task_vars) -> list:
        hostvars = task_vars.get("hostvars") or {}
        group = args.get("group") or "workstations"
        return [
            str(h)
            for h in (args.get("inventory_groups") or {}).get(group) or []
            if str(h) in hostvars
        ]

    def act(self, args, task_vars):
        hosts = None
        try:
            isolated = {}
            if args["state_dir"]:
                names = dict.fromkeys((args["inventory_groups"] or {}).get(args["group"]) or [])
                names.update(args["aliases"] or {})
                isolated = isolated_workstations(args["state_dir"], names)
            probe = None
            if args["purpose"] == "rollout" and args["connections"] != []:
                # a host client_fleet would refuse is not probed here: the rollout names it
                hosts, served = workstation_hosts(
                    self,
                    task_vars,
                    self._members(args, task_vars),
                    args["connections"],
                    args["probe_timeout"],
                    skip_refused=True,
                )
                probe = reachability_probe(sender(hosts), served, args["probe_timeout"] * 3)
            plan = plan_rollout(
                store_root=args["store"],
                package=args["name"],
                version=args["version"],
                kind=args["kind"],
                group=args["group"],
                groups=args["inventory_groups"],
                ledger=Ledger(args["ledger"]).read(),
                test_group=args["test_group"],
                skip_test_gate=args["skip_test_gate"],
                skip_test_gate_reason=args["skip_test_gate_reason"],
                canary_per_department=args["canary_per_department"],
                batch_size=args["batch_size"],
                max_fail_percent=args["max_fail_percent"],
                limit_hosts=args["limit_hosts"],
                purpose=args["purpose"],
                isolated=isolated,
                probe=probe,
            )
        except (ClientError, OSError) as exc:
            return {
                "failed": True,
                "field": getattr(exc, "field", ""),
                "msg": "refused before any workstation was touched: %s" % exc,
            }
        finally:
            if hosts is not None:
                hosts.close()
        return {"changed": False, "plan": plan}
