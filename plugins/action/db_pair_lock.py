# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pair's lock on both database servers, taken in name order (see the module's docs).

A role holds it over several tasks, so the owner names the ansible-playbook process (the
parent of this worker): a later run of this controller can tell that a holder is gone.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import failover
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.ops import describe_holder
from ansible_collections.hisops.emergency.plugins.modules.db_pair_lock import ARGUMENT_SPEC
from ansible_collections.hisops.emergency.plugins.plugin_utils.hosts import Hosts
from ansible_collections.hisops.emergency.plugins.plugin_utils.spec_action import (
    SpecCheckedAction,
)

LOCK = "hisops.emergency.db_failover_lock"


class ActionModule(SpecCheckedAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, args, task_vars):
        result: dict = {}
        nodes = sorted((task_vars.get("groups") or {}).get(args["group"]) or [])
        if len(nodes) != 2:
            raise AnsibleActionFail(
                f"group: {args['group']} must hold exactly the two database "
                f"servers, got {nodes}; nothing changed"
            )
        if args["state"] == "absent" and not args["owner"]:
            raise AnsibleActionFail("owner: empty; give the owner the lock was taken for")
        owner = args["owner"] or failover.default_owner(pid=os.getppid())
        hosts = Hosts(self, task_vars, connect_timeout=args["connect_timeout"])
        try:
            if args["state"] == "absent":
                done = [self._call(hosts, n, owner, args, "absent") for n in reversed(nodes)]
                result.update(changed=any(r.get("changed") for r in done), owner=owner, nodes=nodes)
                return result
            taken: list[str] = []
            try:
                for name in nodes:
                    res = self._call(hosts, name, owner, args, "present")
                    if res.get("failed") and failover.gone_holder(res.get("holder")):
                        res = self._call(
                            hosts, name, owner, args, "present", break_owner=res["holder"]["owner"]
                        )
                    if res.get("failed"):
                        holder = res.get("holder")
                        why = (
                            f"{name}: {describe_holder(holder)}"
                            if holder
                            else str(res.get("msg", "the lock could not be taken"))
                        )
                        raise AnsibleActionFail(
                            f"refused: {why}; nothing was changed: wait for that run to end "
                            "and run again (a run of this controller that died is noticed "
                            "and its lock broken; one of another controller is broken past "
                            "break_stale_s)",
                            result={"holder": holder or {}},
                        )
                    taken.append(name)
                    result["changed"] = bool(result.get("changed") or res.get("changed"))
            except BaseException:
                for name in reversed(taken):
                    self._call(hosts, name, owner, args, "absent")
                raise
            result.update(
                owner=owner,
                nodes=nodes,
                msg=f"the pair's lock is held by {owner} for a {args['operation']}"
                if not self._task.check_mode
                else "check mode: the pair's lock is free",
            )
            return result
        finally:
            hosts.close()

    @staticmethod
    def _call(
        hosts: Hosts, name: str, owner: str, args: dict, state: str, break_owner: str = ""
    ) -> dict:
        return hosts.run(
            name,
            LOCK,
            {
                "owner": owner,
                "state": state,
                "operation": args["operation"],
                "break_stale_s": args["break_stale_s"],
                "break_owner": break_owner,
            },
            "postgres",
        )
