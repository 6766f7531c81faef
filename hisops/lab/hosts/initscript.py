"""The program that runs as pid 1 of every lab host.

It is started by ``unshare --pid --fork --kill-child --mount --uts --propagation private
--mount-proc`` inside the host's cgroup, so everything it and its sshd sessions start
stays in the host's namespaces; killing the cgroup kills the host and its mount
namespace (and every mount in it) disappears with it.

It boots the host: mounts the host's own disk (``DISK``: ext4 in the image
``<host dir>/disk.img``, made at the first boot, attached with ``mount -o loop`` so the
loop device goes when the namespace's last mount does) and the host's view of the
filesystem on it, starts sshd, then runs ``/etc/rc2.d/S*`` (the services enabled with
``update-rc.d``/``systemctl enable``), then reaps orphans until the lab kills it.

Everything the host writes outside ``/run`` and ``/tmp`` (tmpfs) lands on its disk: the
upper layers of the overlays (``DISK/upper``) and the private dirs (``DISK/private``).
The lab's own files for the host (sshd configuration, host key, init, ``systemctl``
shim, written by the controller before boot) are a read-only layer between the
machine's tree and the disk (``<host dir>/fs/base``). The disk's root holds
``.hisops-disk-full``, the filler of the ``disk_full`` fault, out of the host's sight. ``/run/systemd/system`` exists so that Ansible
and Debian's scripts use ``systemctl`` (the lab's shim, ``systemctl_shim.py``).
"""

from __future__ import annotations

# Paths overlaid copy-on-write on the controller's own tree: a host sees the machine's
# OS but what it writes there (dpkg, /etc changes, /opt releases) stays its own.
OVERLAY_DIRS = ("/etc", "/usr", "/var", "/opt", "/srv", "/home")
# Where a host's own disk is mounted inside it (its filesystem root).
DISK = "/run/hisops/disk"
# The disk_full fault's filler, on the disk's root (not under any path the host uses).
DISK_FILLER = DISK + "/.hisops-disk-full"
# Paths that start empty and private on every host (bind mounts of dirs on its disk).
PRIVATE_DIRS = (
    "/root",
    "/var/log",
    "/var/lib/postgresql",
    "/etc/postgresql",
    "/etc/his-client",
    "/opt/his-client",
    "/srv/backup",
)
# rc links from the controller's /etc that a lab host does not run.
# etcd: the Patroni bench (bench/db_patroni.py) installs it on the controller only.
NOT_ON_HOSTS = ("dbus", "hwclock.sh", "procps", "x11-common", "pgbouncer", "etcd")

INIT_SCRIPT_TEMPLATE = r"""#!/bin/sh
# hisops lab host init (pid 1 of the host's pid, mount and UTS namespaces).
set -eu
HOSTDIR="$1"
. "$HOSTDIR/host.env"
hostname "$HISOPS_HOST"
mount -t tmpfs -o mode=0755,size=64m "hisops-run" /run
mkdir -p /run/sshd /run/lock /run/hisops /run/systemd/system __DISK__
chmod 1777 /run/lock
# The host's own disk: a sparse image, no journal (the kernel unmounts it cleanly when
# the host's mount namespace dies), no blocks reserved for root (free is free for all).
IMG="$HOSTDIR/disk.img"
if [ ! -e "$IMG" ]; then
    rm -f "$IMG.new"
    truncate -s "${HISOPS_DISK_MB}M" "$IMG.new"
    mkfs.ext4 -q -F -m 0 -O ^has_journal -E lazy_itable_init=1,nodiscard \
        -L "$HISOPS_HOST" "$IMG.new"
    mv "$IMG.new" "$IMG"
fi
# discard: what the host deletes is given back to the machine (holes in the image)
mount -o loop,discard "$IMG" __DISK__
if [ ! -d __DISK__/private ]; then
    mkdir -p __DISK__/private/root
    chmod 0700 __DISK__/private/root
    # a host of an older lab kept its private dirs in the state dir: bring them over
    [ ! -d "$HOSTDIR/fs/private" ] || cp -a "$HOSTDIR/fs/private/." __DISK__/private/
fi
# the disk_full fault cleared while the host was off
[ ! -e "$HOSTDIR/disk-full.clear" ] || rm -f __FILLER__ "$HOSTDIR/disk-full.clear"
for d in $HISOPS_OVERLAY; do
    mkdir -p "$HOSTDIR/fs/base$d" __DISK__/upper"$d" __DISK__/work"$d"
    mount -t overlay "hisops-$HISOPS_HOST" \
        -o "lowerdir=$HOSTDIR/fs/base$d:$d,upperdir=__DISK__/upper$d,workdir=__DISK__/work$d" "$d"
done
for d in $HISOPS_PRIVATE; do
    mkdir -p __DISK__/private"$d" "$d"
    mount --bind __DISK__/private"$d" "$d"
done
[ -d "$HISOPS_STATE_DIR" ] && mount -t tmpfs -o mode=0700,size=64k hisops-hidden "$HISOPS_STATE_DIR"
mount -t tmpfs -o mode=1777,size=512m "hisops-tmp" /tmp
if [ ! -e /etc/hisops-lab-host ]; then
    for name in $HISOPS_NO_RC; do rm -f /etc/rc[0-6S].d/[SK][0-9][0-9]"$name"; done
    printf 'name=%s\naddress=%s\n' "$HISOPS_HOST" "$HISOPS_ADDR" > /etc/hisops-lab-host
fi
set +e
/usr/sbin/sshd -D -f /etc/ssh/sshd_config -E /var/log/sshd.log &
for script in /etc/rc2.d/S*; do
    [ -x "$script" ] || continue
    case "$script" in */S[0-9][0-9]ssh) continue ;; esac
    echo "boot: $script start" >> /var/log/boot.log
    "$script" start >> /var/log/boot.log 2>&1 < /dev/null
done
: > /run/hisops/booted
while :; do
    sleep 2147483647 &
    wait $!
done
"""

INIT_SCRIPT = INIT_SCRIPT_TEMPLATE.replace("__DISK__", DISK).replace("__FILLER__", DISK_FILLER)

# Graceful shutdown (lab reboot): what sysvinit runs for runlevel 6, minus the kill.
SHUTDOWN_SCRIPT = r"""
for script in /etc/rc6.d/K*; do
    [ -x "$script" ] || continue
    echo "shutdown: $script stop" >> /var/log/boot.log
    "$script" stop >> /var/log/boot.log 2>&1 < /dev/null
done
"""

SSHD_CONFIG = """# hisops lab host {name}: only this host's address
Include /etc/ssh/sshd_config.d/hisops-*.conf
ListenAddress {address}:22
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/hisops-lab-authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
MaxStartups 200:30:400
MaxSessions 64
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
"""
