"""Where a lab keeps its state: pid, control socket, log, host keys, known_hosts, inventory."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

STATE_ENV = "HISOPS_LAB_DIR"


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def default_state_dir() -> Path:
    return Path(os.environ.get(STATE_ENV) or repo_root() / "var" / "lab")


@dataclass(frozen=True)
class StateDir:
    root: Path

    @classmethod
    def of(cls, path: str | Path | None = None) -> StateDir:
        return cls(Path(path).resolve() if path else default_state_dir().resolve())

    @property
    def pid(self) -> Path:
        return self.root / "lab.pid"

    @property
    def socket(self) -> Path:
        return self.root / "control.sock"

    @property
    def log(self) -> Path:
        return self.root / "lab.log"

    @property
    def host_keys(self) -> Path:
        """Each device's own SSH host key, one file per device name."""
        return self.root / "hostkeys"

    @property
    def known_hosts(self) -> Path:
        """The key of every lab device and host (the lab inventory's ``hisops_known_hosts``)."""
        return self.root / "known_hosts"

    @property
    def inventory(self) -> Path:
        return self.root / "inventory.yml"

    def read_pid(self) -> int | None:
        try:
            return int(self.pid.read_text().strip())
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        """Delete what a lab wrote here, and the directory itself when that empties it."""
        for path in (self.pid, self.socket, self.log, self.known_hosts, self.inventory):
            path.unlink(missing_ok=True)
        if self.host_keys.is_dir():
            for key in self.host_keys.iterdir():
                key.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self.host_keys.rmdir()
        (self.root / "ssh_host_ed25519_key").unlink(missing_ok=True)  # the shared key of old labs
        (self.root / "daemon.err").unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.root.rmdir()
