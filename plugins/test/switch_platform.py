# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a value names a switch platform hisops has a dialect for (module_utils/netdev/dialects)."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects import DIALECTS


def switch_platform(value) -> bool:
    return isinstance(value, str) and value in DIALECTS


class TestModule:
    def tests(self):
        return {"switch_platform": switch_platform}
