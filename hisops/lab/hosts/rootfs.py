"""A host's disk, prepared before it boots.

``<state>/hosts/<name>/fs/upper`` is the upper layer of the host's overlay (its own
``/etc/ssh``, ``/etc/hostname``, ``/usr/lib/hisops-lab/init``, the ``systemctl`` shim,
``/usr/sbin/init``), ``fs/private`` its private directories (``/root``), and
``host.env`` tells ``initscript.INIT_SCRIPT`` what to mount and which services not to
start. Everything here persists across power cycles and ``down``/``up``.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from hisops.lab.hosts import initscript, sshkeys
from hisops.lab.hosts.spec import HostSpec

SYSTEMCTL_SHIM = Path(__file__).with_name("systemctl_shim.py")


def init_script(state_dir: Path) -> Path:
    """The script the controller starts as each host's pid 1 (``bin/hisops-host-init``)."""
    return state_dir / "bin" / "hisops-host-init"


def write_init(state_dir: Path) -> None:
    bin_dir = state_dir / "bin"
    bin_dir.mkdir(exist_ok=True)
    path = init_script(state_dir)
    path.write_text(initscript.INIT_SCRIPT, encoding="utf-8")
    path.chmod(0o755)


def prepare_host(state_dir: Path, spec: HostSpec) -> None:
    """Write the host's own files (keys kept, everything else rewritten)."""
    hostdir = state_dir / "hosts" / spec.name
    upper_etc = hostdir / "fs" / "upper" / "etc"
    ssh_etc = upper_etc / "ssh"
    ssh_etc.mkdir(parents=True, exist_ok=True)
    sshkeys.prepare_host_key(ssh_etc, spec.name)
    (ssh_etc / "sshd_config").write_text(
        initscript.SSHD_CONFIG.format(name=spec.name, address=spec.address), encoding="utf-8"
    )
    (upper_etc / "hostname").write_text(spec.name + "\n", encoding="utf-8")
    # /sbin/init is systemd's on the controller; a lab host is a sysvinit host.
    lib = hostdir / "fs" / "upper" / "usr" / "lib" / "hisops-lab"
    lib.mkdir(parents=True, exist_ok=True)
    (lib / "init").write_text(initscript.INIT_SCRIPT, encoding="utf-8")
    (lib / "init").chmod(0o755)
    # No systemd on a lab host: a systemctl with the same interface drives the init
    # scripts, so playbooks control services as on a production Debian server.
    systemctl = hostdir / "fs" / "upper" / "usr" / "bin" / "systemctl"
    systemctl.parent.mkdir(parents=True, exist_ok=True)
    systemctl.write_text(SYSTEMCTL_SHIM.read_text(encoding="utf-8"), encoding="utf-8")
    systemctl.chmod(0o755)
    sbin_init = hostdir / "fs" / "upper" / "usr" / "sbin" / "init"
    sbin_init.parent.mkdir(parents=True, exist_ok=True)
    if not sbin_init.is_symlink():
        sbin_init.symlink_to("/usr/lib/hisops-lab/init")
    sshkeys.authorize_controller(hostdir / "fs" / "private" / "root", state_dir)
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
    }
    (hostdir / "host.env").write_text(
        "".join(f"{k}={shlex.quote(v)}\n" for k, v in env.items()), encoding="utf-8"
    )
