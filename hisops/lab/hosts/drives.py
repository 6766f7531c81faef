"""The removable drive of a backup host (plan P6.3): a real ext4 filesystem that can be
plugged into and pulled out of the running host.

The drive is an ext4 image of its own, ``<state>/hosts/<name>/removable.img`` (sparse,
``DRIVE_MB`` large, made when it is first plugged). Plugging attaches it to a loop
device from the controller and mounts that device at ``DRIVE_MOUNT`` inside the host's
mount namespace; the loop device is then detached at once, so the kernel frees it when
the mount goes (unplug, power off, ``down``). Unplugging unmounts it (lazily when a
process still has a file open on it, as a drive pulled during a copy). What the host
wrote on it stays in the image: plug it again and the copies are there.

Whether it is plugged is the file ``removable.plugged`` in the host's directory, so a
plugged drive is mounted again when the host boots, as a drive left in the port is. A
fleet's backup host starts without the drive plugged (nothing to make, nothing to
mount): ``plug_drive`` puts it in. The lab daemon reaches both through the fault
``drive_unplugged`` (``hisops lab host unplug NAME`` / ``hisops lab host plug NAME``).
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING, Any

from hisops.lab.hosts.errors import HostLabError, HostSpecError

DRIVE_MOUNT = "/srv/removable"
DRIVE_MB = 2048
DRIVE_KINDS = ("backup_target",)

if TYPE_CHECKING:
    from hisops.lab.hosts.core import FleetCore
else:
    FleetCore = object


class DrivesMixin(FleetCore):
    """The fleet's removable-drive methods (part of :class:`HostFleet`)."""

    def _drive_files(self, name: str) -> tuple[Any, Any]:
        spec = self.spec(name)
        if spec.kind not in DRIVE_KINDS:
            raise HostSpecError(
                f"{name}: field 'kind': a {spec.kind} has no removable drive "
                f"(only {', '.join(DRIVE_KINDS)} hosts have one)"
            )
        hostdir = self.host_dir(name)
        return hostdir / "removable.img", hostdir / "removable.plugged"

    def drive_plugged(self, name: str) -> bool:
        """Whether the host's removable drive is plugged in."""
        return self._drive_files(name)[1].exists()

    def plug_drive(self, name: str) -> dict[str, Any]:
        """Plug the removable drive in (made empty at the first plug); idempotent."""
        image, marker = self._drive_files(name)
        if not image.exists():
            new = image.with_suffix(".new")
            new.unlink(missing_ok=True)
            with open(new, "wb") as handle:
                handle.truncate(DRIVE_MB * 1024 * 1024)
            _check(
                ["mkfs.ext4", "-q", "-F", "-m", "0", "-O", "^has_journal",
                 "-E", "lazy_itable_init=1,nodiscard", "-L", "HISOPS-DRIVE", str(new)],
                "making the removable drive's filesystem",
            )  # fmt: skip
            new.rename(image)
        marker.write_text("the removable drive is plugged in\n", encoding="utf-8")
        mounted = self._mount_drive(name) if self.is_on(name) else False
        return {"plugged": True, "mount": DRIVE_MOUNT, "mounted": mounted}

    def unplug_drive(self, name: str) -> dict[str, Any]:
        """Pull the removable drive out (lazily if a file on it is open); idempotent."""
        _, marker = self._drive_files(name)
        marker.unlink(missing_ok=True)
        if self.is_on(name):
            self.run(
                name,
                ["/bin/sh", "-c", _UNMOUNT, "unplug", DRIVE_MOUNT],
                label="pulling the removable drive out",
            )
        return {"plugged": False, "mount": DRIVE_MOUNT}

    def _mount_drive(self, name: str) -> bool:
        """Mount the plugged drive in the running host (False: it already was)."""
        image, _ = self._drive_files(name)
        if self._drive_mounted(name):
            return False
        device = _check(
            ["losetup", "--find", "--show", str(image)], "attaching the removable drive"
        ).strip()
        try:
            self.run(
                name,
                ["/bin/sh", "-c", "mkdir -p \"$2\" && mount -o discard \"$1\" \"$2\"",
                 "plug", device, DRIVE_MOUNT],
                label="mounting the removable drive",
            )  # fmt: skip
        finally:
            # mounted: freed by the kernel when the mount goes; not mounted: freed now
            subprocess.run(["losetup", "-d", device], capture_output=True, check=False)
        return True

    def _drive_mounted(self, name: str) -> bool:
        done = self.run(name, ["mountpoint", "-q", DRIVE_MOUNT], check=False)
        return done.returncode == 0

    def _boot_drive(self, name: str) -> None:
        """At boot: a drive left plugged is mounted again."""
        spec = self.spec(name)
        if spec.kind in DRIVE_KINDS and self.drive_plugged(name):
            self._mount_drive(name)


def _check(argv: list[str], what: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HostLabError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


_UNMOUNT = r"""set -eu
mountpoint -q "$1" || exit 0
umount "$1" 2>/dev/null || umount -l "$1"
"""
