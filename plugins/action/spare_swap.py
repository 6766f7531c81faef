# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills both switches' connections, roles, models and firmware from the inventory."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.netops_action import NetopsActionBase


class ActionModule(NetopsActionBase):
    pass
