"""A host's files, prepared before it boots, and its disk.

``<state>/hosts/<name>/disk.img`` is the host's own disk (ext4 in a sparse image, made
by ``initscript.INIT_SCRIPT`` at the first boot, ``spec.disk_size_mb`` large): the upper
layers of its overlays and its private dirs, everything it writes outside ``/run`` and
``/tmp``. ``fs/base`` is a read-only layer the controller writes under the disk's (the
host's ``/etc/ssh`` with the controller's key in ``hisops-lab-authorized_keys``,
``/etc/hostname``, ``/usr/lib/hisops-lab/init``, the ``systemctl`` shim,
``/usr/sbin/init``), and ``host.env`` tells the init what to mount and which services
not to start. Everything here persists across power cycles and ``down``/``up``.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from pathlib import Path

from hisops.lab.hosts import initscript, sshkeys
from hisops.lab.hosts.spec import HostSpec

SYSTEMCTL_SHIM = Path(__file__).with_name("systemctl_shim.py")


def init_script(state_dir: Path) -> Path:
    """The script the controller starts as each host's pid 1 (``bin/hisops-host-init``)."""
    return state_dir / "bin" / "hisops-host-init"


def disk_image(hostdir: Path) -> Path:
    """The host's disk (the image file; the host mounts it when it boots)."""
    return hostdir / "disk.img"


def attached_loops(images: Iterable[Path]) -> dict[str, Path]:
    """Loop devices still attached to these images: ``{"/dev/loopN": image}``."""
    wanted = {str(p) for p in images}
    found: dict[str, Path] = {}
    try:
        entries = os.listdir("/sys/block")
    except FileNotFoundError:
        return found
    for entry in entries:
        if not entry.startswith("loop"):
            continue
        try:
            with open(f"/sys/block/{entry}/loop/backing_file", encoding="utf-8") as handle:
                backing = handle.read().strip()
        except OSError:  # not attached, or detached meanwhile
            continue
        if backing in wanted:
            found[f"/dev/{entry}"] = Path(backing)
    return found


def write_init(state_dir: Path) -> None:
    bin_dir = state_dir / "bin"
    bin_dir.mkdir(exist_ok=True)
    path = init_script(state_dir)
    path.write_text(initscript.INIT_SCRIPT, encoding="utf-8")
    path.chmod(0o755)


def prepare_host(state_dir: Path, spec: HostSpec) -> None:
    """Write the host's own files (keys kept, everything else rewritten)."""
    hostdir = state_dir / "hosts" / spec.name
    base = hostdir / "fs" / "base"
    old_upper = hostdir / "fs" / "upper"
    if old_upper.is_dir() and not base.exists():
        # a host of an older lab wrote into fs/upper: it stays, read-only under the disk
        old_upper.rename(base)
    base_etc = base / "etc"
    ssh_etc = base_etc / "ssh"
    ssh_etc.mkdir(parents=True, exist_ok=True)
    sshkeys.prepare_host_key(ssh_etc, spec.name)
    (ssh_etc / "sshd_config").write_text(
        initscript.SSHD_CONFIG.format(name=spec.name, address=spec.address), encoding="utf-8"
    )
    (base_etc / "hostname").write_text(spec.name + "\n", encoding="utf-8")
    # /sbin/init is systemd's on the controller; a lab host is a sysvinit host.
    lib = base / "usr" / "lib" / "hisops-lab"
    lib.mkdir(parents=True, exist_ok=True)
    (lib / "init").write_text(initscript.INIT_SCRIPT, encoding="utf-8")
    (lib / "init").chmod(0o755)
    # No systemd on a lab host: a systemctl with the same interface drives the init
    # scripts, so playbooks control services as on a production Debian server.
    systemctl = base / "usr" / "bin" / "systemctl"
    systemctl.parent.mkdir(parents=True, exist_ok=True)
    systemctl.write_text(SYSTEMCTL_SHIM.read_text(encoding="utf-8"), encoding="utf-8")
    systemctl.chmod(0o755)
    sbin_init = base / "usr" / "sbin" / "init"
    sbin_init.parent.mkdir(parents=True, exist_ok=True)
    if not sbin_init.is_symlink():
        sbin_init.symlink_to("/usr/lib/hisops-lab/init")
    sshkeys.authorize_controller(ssh_etc / "hisops-lab-authorized_keys", state_dir)
    no_rc = list(initscript.NOT_ON_HOSTS)
    if spec.kind != "db_server":
        no_rc.append("postgresql")
    env = {
        "HISOPS_HOST": spec.name,
        "HISOPS_ADDR": spec.address,
        "HISOPS_STATE_DIR": str(state_dir),
        "HISOPS_OVERLAY": " ".join(initscript.OVERLAY_DIRS),
        "HISOPS_PRIVATE": " ".join(initscript.PRIVATE_DIRS),
        "HISOPS_NO_RC": " ".join(no_rc),
        "HISOPS_DISK_MB": str(spec.disk_size_mb),
    }
    (hostdir / "host.env").write_text(
        "".join(f"{k}={shlex.quote(v)}\n" for k, v in env.items()), encoding="utf-8"
    )
