# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The UPS as NUT's upsd serves it (module_utils.inspection.ups.UPSD_ARGS)
    DOCUMENTATION = r"""
options:
  host:
    description: Address of C(upsd).
    type: str
    required: true
  port:
    description: Port of C(upsd).
    type: int
    default: 3493
  ups:
    description: The UPS's name in C(upsd) (its C(ups.conf) section).
    type: str
    default: ups
requirements:
  - PyNUTClient (NUT's Python client) on the controller
"""
