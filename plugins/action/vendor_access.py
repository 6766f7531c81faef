# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills the switch's connection, the management subnet, the controller's address and
``state_dir`` (the switch's lock and the vendor window's hold) by the one rule."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import SwitchActionBase


class ActionModule(SwitchActionBase):
    STATE_DIR = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        args = self._task.args
        if not args.get("mgmt_subnet"):
            mgmt = task_vars.get("hisops_mgmt_vlan")
            for vlan in task_vars.get("hisops_vlans") or []:
                if mgmt is not None and str(vlan.get("id")) == str(mgmt) and vlan.get("subnet"):
                    args["mgmt_subnet"] = self._templar.template(vlan["subnet"])
        if not args.get("controller_ip") and task_vars.get("hisops_controller_ip"):
            args["controller_ip"] = self._templar.template(task_vars["hisops_controller_ip"])
        return super().run(tmp, task_vars)
