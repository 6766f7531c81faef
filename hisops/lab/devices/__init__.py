"""Simulated switch CLI engines: Huawei VRP, H3C Comware 7, Cisco IOS/IOS-XE, Ruijie RGOS.

``make_device(spec)`` builds the engine for a device spec (keys in ``base.Spec``:
hostname, platform, model, firmware, serial, mac, interfaces, users, enable_secret, mgmt,
startup_config). The engine implements ``contract.SimDevice``:

* ``attach(host)`` once, before sessions; ``open_session(user)`` per SSH login, after
  ``check_login(user, password)``; the session's ``login_banner()``, ``prompt()`` and
  ``handle(line)`` are the whole terminal conversation (a pending ``[Y/N]``/``Password:``
  question makes ``prompt()`` empty; the next line is its answer).
* ``power_on()`` after a power cycle: running := saved. Reloads the engine starts itself
  (``reboot``, scheduled reboots) call ``host.notify_reboot(60.0)``.
* Timers (scheduled reboot, Comware commit delay, Cisco revert timer) go through
  ``host.call_later``; nothing here sleeps or touches sockets.
* Optional: a host method ``link_up(port) -> bool`` lets the displays show cabled-down
  ports as down (PHY/Status/Link columns); without it an admin-up port shows up.

``device.running`` / ``device.saved`` are ``model.DeviceConfig`` objects, which the data
plane reads (``model`` explains how); ``device.render_config(cfg)`` prints one in the
platform's own syntax, and ``startup_config`` text is parsed by typing it into the same
CLI grammar (a bad line raises ``ConfigLoadError`` naming the line).
"""

from __future__ import annotations

import importlib
from typing import Any

from hisops.lab.devices.base import BaseDevice, ConfigLoadError
from hisops.lab.platforms import LAB_PLATFORMS


def make_device(spec: dict[str, Any]) -> BaseDevice:
    """The engine for ``spec["platform"]``, as ``hisops/lab/platforms.py`` registers it
    (``huawei``, ``hp_comware``, ``cisco_ios``, ``ruijie_os``)."""
    platform = LAB_PLATFORMS.get(str(spec.get("platform")))
    if platform is None:
        known = ", ".join(LAB_PLATFORMS)
        raise ValueError(f"unknown platform {spec.get('platform')!r} ({known})")
    module, _, name = platform.engine.partition(":")
    engine: type[BaseDevice] = getattr(importlib.import_module(module), name)
    return engine(spec)


__all__ = ["BaseDevice", "ConfigLoadError", "make_device"]
