"""Simulated switch CLI engines: Huawei VRP, H3C Comware, Cisco IOS.

``make_device(spec)`` builds the engine for a device spec (see ``base.Spec`` for the
keys). ``device.running`` / ``device.saved`` are ``model.DeviceConfig`` objects, which
the data plane reads (``model`` explains how); ``device.render_config(cfg)`` prints one
in the platform's own syntax.
"""

from __future__ import annotations

from typing import Any

from hisops.lab.devices.base import BaseDevice, ConfigLoadError


def make_device(spec: dict[str, Any]) -> BaseDevice:
    """The engine for ``spec["platform"]``: ``huawei``, ``hp_comware`` or ``cisco_ios``."""
    platform = spec.get("platform")
    if platform == "huawei":
        from hisops.lab.devices.huawei import HuaweiDevice

        return HuaweiDevice(spec)
    if platform == "hp_comware":
        from hisops.lab.devices.comware import ComwareDevice

        return ComwareDevice(spec)
    if platform == "cisco_ios":
        from hisops.lab.devices.cisco import CiscoDevice

        return CiscoDevice(spec)
    raise ValueError(f"unknown platform {platform!r} (huawei, hp_comware, cisco_ios)")


__all__ = ["BaseDevice", "ConfigLoadError", "make_device"]
