"""A throwaway device engine for server tests: prompts and a few commands, no config model.

Used only when a test asks for it (``HISOPS_LAB_ENGINE=tests.lab.stub_engine:make_device``).
"""

from __future__ import annotations

from typing import Any

from hisops.lab.contract import DeviceHost, Reply
from hisops.lab.devices.model import DeviceConfig


class StubSession:
    def __init__(self, device: StubDevice) -> None:
        self.device = device
        self.config_mode = False

    def login_banner(self) -> str:
        return "Info: stub engine."

    def prompt(self) -> str:
        name = self.device.name
        if self.device.platform == "cisco_ios":
            return f"{name}(config)#" if self.config_mode else f"{name}#"
        return f"[{name}]" if self.config_mode else f"<{name}>"

    def handle(self, line: str) -> Reply:
        words = line.split()
        if not words:
            return Reply("")
        if (
            words[0] in ("display", "show")
            and len(words) > 1
            and words[1].startswith(("cur", "run"))
        ):
            return Reply(self.device.text)
        if words[0] in ("system-view", "configure"):
            self.config_mode = True
            return Reply("")
        if words[0] in ("return", "end"):
            self.config_mode = False
            return Reply("")
        if words[0] in ("quit", "exit") and not self.config_mode:
            return Reply("", close=True)
        if words[0] == "reboot":
            self.device.host.notify_reboot(1.0)
            return Reply("rebooting", close=True)
        return Reply("")


class StubDevice:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.name = spec["hostname"]
        self.platform = spec["platform"]
        self.spec = spec
        self.text = spec.get("startup_config") or f"sysname {self.name}\n"
        self.running = DeviceConfig(hostname=self.name)
        self.saved = self.running
        self.host: DeviceHost | None = None
        self.boots = 0

    def attach(self, host: DeviceHost) -> None:
        self.host = host

    def open_session(self, username: str) -> StubSession:
        return StubSession(self)

    def check_login(self, username: str, password: str) -> bool:
        return any(u["name"] == username and u["password"] == password for u in self.spec["users"])

    def power_on(self) -> None:
        self.boots += 1

    def render_config(self, config: DeviceConfig) -> str:
        return self.text


def make_device(spec: dict[str, Any]) -> StubDevice:
    return StubDevice(spec)
