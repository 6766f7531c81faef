"""The lab's platforms, one row each, as netmiko maps a device type to its class.

A platform is a netmiko ``device_type`` (the lab's ``platform`` in topologies and
inventories). Its row names the engine class (``hisops/lab/devices/``) and the few facts
the rest of the lab needs about it: the MAC prefix its switches get, the serial prefix of
a switch whose topology entry gives none, and how it names a VLAN interface (the data
plane's ARP entries and the management-address messages). Adding a platform: a row here,
its engine (on a family base), its models in ``catalog.py`` and its startup-configuration
renderer in ``startup.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabPlatform:
    name: str  # netmiko device_type
    engine: str  # "module:Class" of the engine (a hisops.lab.devices.base.BaseDevice)
    family: str  # CLI family: "vrp" or "ios"
    oui: str  # first three bytes of the switches' MAC addresses, 6 hex digits
    serial_prefix: str  # a generated serial number starts with it
    vlanif_prefix: str  # "Vlanif" + "10": how the platform names the VLAN 10 interface


LAB_PLATFORMS: dict[str, LabPlatform] = {
    p.name: p
    for p in (
        LabPlatform(
            "huawei", "hisops.lab.devices.huawei:HuaweiDevice", "vrp", "00e0fc", "2102351",
            "Vlanif",
        ),
        LabPlatform(
            "hp_comware", "hisops.lab.devices.comware:ComwareDevice", "vrp", "7057bf",
            "219801A", "Vlan-interface",
        ),
        LabPlatform(
            "cisco_ios", "hisops.lab.devices.cisco:CiscoDevice", "ios", "00a3d1", "FOC2", "Vlan"
        ),
        LabPlatform(
            "ruijie_os", "hisops.lab.devices.ruijie:RuijieDevice", "ios", "00d0f8", "G1QH",
            "VLAN ",
        ),
    )
}  # fmt: skip
