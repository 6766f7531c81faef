"""One exception tree for the lab hosts: callers catch ``HostLabError``."""

from __future__ import annotations


class HostLabError(RuntimeError):
    """Something about the lab hosts failed; the message says what to do."""


class HostSpecError(HostLabError, ValueError):
    """A host specification is invalid (names the host and the field)."""


class HostPrerequisiteError(HostLabError):
    """The machine lacks something the lab hosts need (package, root, cgroup v2)."""


class HostStartError(HostLabError):
    """A host did not come up (its console log tail is in the message)."""


class UnknownHostError(HostLabError, KeyError):
    """No host of that name in the fleet."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "unknown host"


class HostCommandError(HostLabError):
    """A command run inside a host failed."""
