# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover as one task: Ansible wired to ``module_utils/pgha/orchestrate.py``.

The orchestration reaches the two database servers through ``plugin_utils/db_hosts.py``
(``db_failover_step`` on each over its own connection); this plugin checks the arguments,
gives it the switch-port fence (the netops isolation, run in this process) and turns its
outcome into the task's result or failure.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import orchestrate
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import PgHaError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.failover import default_owner
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.fences import (
    ControllerEffects,
)
from ansible_collections.hisops.emergency.plugins.modules.db_failover import ARGUMENT_SPEC
from ansible_collections.hisops.emergency.plugins.plugin_utils.db_hosts import (
    HostModules,
    validated_args,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = validated_args(ARGUMENT_SPEC, self._task.args)
        group = list((task_vars.get("groups") or {}).get(args["group"]) or [])
        request = orchestrate.Request.from_args(
            args, group, check=bool(self._task.check_mode), diff=bool(self._task.diff)
        )
        effects = ControllerEffects(
            switch_port=lambda old, address, check: self._cut_switch_port(
                old, address, check, args, task_vars
            )
        )
        hosts = HostModules(self, task_vars, connect_timeout=args["connect_timeout"])
        try:
            result.update(orchestrate.failover(hosts, request, effects))
        except orchestrate.FailoverFailed as exc:
            raise AnsibleActionFail(str(exc), result=exc.result) from exc
        except PgHaError as exc:  # an input refused before anything is touched
            raise AnsibleActionFail(str(exc)) from exc
        finally:
            hosts.close()
        return result

    def _cut_switch_port(
        self, old: str, address: str, check: bool, args: dict, task_vars: dict
    ) -> dict[str, Any]:
        """Shut the old primary's access port through the netops isolation (issue 6): located
        by its address, with an SSH-only filter bound on the port, recorded as an isolation
        transaction naming the old primary (db_rejoin undoes it: SSH first, then the rest)."""
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.hisops.emergency.plugins.modules import isolation

        groups = task_vars.get("groups") or {}
        switches = args["switches"] or [
            h for h in groups.get("switches", []) if h not in groups.get("spare", [])
        ]
        if not switches:
            return {
                "failed": True,
                "msg": "switch_port: no switches (switches, or the inventory group switches)",
            }
        # The network knows the server by its address there (hisops_endpoints), which may
        # differ from the address Ansible reaches it on (ansible_host).
        endpoints = self._templar.template(
            (task_vars.get("hostvars") or {}).get(old, {}).get("hisops_endpoints") or []
        )
        where = next((e for e in endpoints if isinstance(e, dict) and e.get("name") == old), {})
        target = str(where.get("ip") or where.get("mac") or address)
        # The isolation's own action plugin, as the task executor loads it, turns the
        # switches' inventory into the module's arguments.
        isolation_action = self._shared_loader_obj.action_loader.get(
            "hisops.emergency.isolation",
            task=self._task,
            connection=self._connection,
            play_context=self._play_context,
            loader=self._loader,
            templar=self._templar,
            shared_loader_obj=self._shared_loader_obj,
        )
        params = isolation_action.fleet_args(
            {
                "hosts": switches,
                "host": target,
                "force": True,
                "fence_of": old,
                # The port can come back up with nothing but the controller's SSH possible: the
                # rejoin stops PostgreSQL over SSH before anything else is let through.
                "quarantine_ssh_to": str(
                    self._templar.template(task_vars.get("hisops_controller_ip") or "")
                ),
                "reason": f"db_failover: fence of the old database primary {old}",
                "operator": args["owner"] or default_owner(),
                "store": args["isolation_store"] or None,
            },
            task_vars,
        )
        checked = ArgumentSpecValidator(isolation.argument_spec()).validate(params)
        if checked.error_messages:
            return {"failed": True, "msg": "; ".join(checked.error_messages)}
        try:
            cut = isolation.run(checked.validated_parameters, check, False)
        except Exception as exc:  # noqa: BLE001 - NetdevError and its kin: a fence not proven
            return {"failed": True, "msg": f"switch_port: {exc}"}
        kept = (
            "changed",
            "failed",
            "msg",
            "isolation_id",
            "located",
            "commands",
            "verified",
            "partial",
            "message",
        )
        return {k: cut[k] for k in kept if k in cut}
