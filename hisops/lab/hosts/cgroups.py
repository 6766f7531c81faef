"""The fleet's control groups: a cgroup v2 ``hisops-<fleet id>/<host>`` per host (every
process of a host, for killing it whole and for the nftables SNAT by cgroup) and, where
the kernel has a cgroup v1 ``pids`` hierarchy, a pids limit per host.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from hisops.lab.hosts.errors import HostPrerequisiteError

# A fork bomb in one host must not take the machine down: each host gets a pids
# limit where the kernel offers one (cgroup v1 "pids" hierarchy, as on this machine;
# on a pure cgroup v2 machine the limit is skipped).
MAX_PIDS = 2048


def cgroup2_mount() -> Path:
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            left, _, right = line.partition(" - ")
            if right.split()[0] == "cgroup2":
                return Path(left.split()[4])
    raise HostPrerequisiteError(
        "no cgroup v2 hierarchy is mounted: mount -t cgroup2 none /sys/fs/cgroup/unified"
    )


class HostCgroups:
    """The cgroups of fleet ``fleet_id``; host names are taken as given (no spec check)."""

    def __init__(self, fleet_id: str):
        self.fleet_id = fleet_id
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = cgroup2_mount() / f"hisops-{self.fleet_id}"
        return self._root

    def host(self, name: str) -> Path:
        return self.root / name

    def remove(self) -> None:
        """Remove the (empty) host cgroups, the fleet's cgroup and the pids limits."""
        root = self.root
        if root.exists():
            for child in root.iterdir():
                if child.is_dir():
                    child.rmdir()
            root.rmdir()
        self.remove_pids_limits()

    def nft_prefix(self) -> str | None:
        """The fleet's cgroup as nftables' ``socket cgroupv2`` names it (None: not under
        /sys/fs/cgroup, so no SNAT by cgroup)."""
        mount = cgroup2_mount()
        base = Path("/sys/fs/cgroup")
        if mount == base or base in mount.parents:
            rel = mount.relative_to(base).as_posix()
            return f"hisops-{self.fleet_id}" if rel == "." else f"{rel}/hisops-{self.fleet_id}"
        return None

    # ------------------------------------------------------------------ pids limits
    @property
    def pids_root(self) -> Path | None:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            for line in handle:
                left, _, right = line.partition(" - ")
                fields = right.split()
                if fields and fields[0] == "cgroup" and "pids" in fields[-1].split(","):
                    return Path(left.split()[4]) / f"hisops-{self.fleet_id}"
        return None

    def pids_procs(self, name: str) -> str:
        """The host's pids-limit ``cgroup.procs`` to join, or "" when there is none."""
        root = self.pids_root
        return str(root / name / "cgroup.procs") if root and (root / name).exists() else ""

    def make_pids_limits(self, names: Iterable[str], max_pids: int = MAX_PIDS) -> None:
        root = self.pids_root
        if root is None:
            return
        for name in names:
            (root / name).mkdir(parents=True, exist_ok=True)
            (root / name / "pids.max").write_text(str(max_pids))

    def remove_pids_limits(self) -> None:
        root = self.pids_root
        if root is None or not root.exists():
            return
        for child in root.iterdir():
            if child.is_dir():
                with contextlib.suppress(OSError):
                    child.rmdir()
        with contextlib.suppress(OSError):
            root.rmdir()
