# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""client_fleet on the controller: one client job on every workstation of ``hosts``, each
reached over its own Ansible connection (``plugin_utils/client_connections.py``), the job
itself ``module_utils/client/ssh_runs.py``. The task is ``run_once`` and delegated to
localhost."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import ClientError
from ansible_collections.hisops.emergency.plugins.module_utils.client.release import RELEASE_SPEC
from ansible_collections.hisops.emergency.plugins.module_utils.client.ssh_runs import (
    run_fleet_job,
)
from ansible_collections.hisops.emergency.plugins.modules.client_fleet import ARGUMENT_SPEC
from ansible_collections.hisops.emergency.plugins.plugin_utils.client_connections import (
    sender,
    workstation_hosts,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.spec_action import (
    SpecCheckedAction,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import (
    default_workers,
    fleet_hosts,
)


class ActionModule(SpecCheckedAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def complete(self, args, task_vars):
        args.setdefault("workers", default_workers())
        return args

    def act(self, args, task_vars):
        names = [name for name, _variables in fleet_hosts(args["hosts"], task_vars)]
        release = {k: args[k] for k in RELEASE_SPEC if args[k] is not None}
        release["check_mode"] = bool(self._task.check_mode)
        hosts, _served = workstation_hosts(
            self, task_vars, names, args["connections"], args["connect_timeout"]
        )
        try:
            job = run_fleet_job(
                names,
                sender(hosts),
                release,
                workers=args["workers"],
                timeout=args["timeout"],
                record_action=args["record_action"],
                record_target=args["record_target"],
                earlier=args["earlier"],
                package_src=args["package_src"],
                store=args["store"],
            )
        except ClientError as exc:
            return {"failed": True, "msg": str(exc), "field": getattr(exc, "field", "")}
        finally:
            hosts.close()
        diffs = job.pop("diffs")
        if self._task.diff:
            job["diff"] = diffs
        return job
