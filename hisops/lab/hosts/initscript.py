"""The program that runs as pid 1 of every lab host.

It is started by ``unshare --pid --fork --kill-child --mount --uts --propagation private
--mount-proc`` inside the host's cgroup, so everything it and its sshd sessions start
stays in the host's namespaces; killing the cgroup kills the host and its mount
namespace (and every mount in it) disappears with it.

It boots the host: mounts the host's own view of the filesystem, starts sshd, then runs
``/etc/rc2.d/S*`` (the services enabled with ``update-rc.d``/``systemctl enable``), then
reaps orphans until the lab kills it. ``/run/systemd/system`` exists so that Ansible
and Debian's scripts use ``systemctl`` (the lab's shim, ``systemctl_shim.py``).
"""

from __future__ import annotations

# Paths overlaid copy-on-write on the controller's own tree: a host sees the machine's
# OS but what it writes there (dpkg, /etc changes, /opt releases) stays its own.
OVERLAY_DIRS = ("/etc", "/usr", "/var", "/opt", "/srv", "/home")
# Paths that start empty and private on every host (bind mounts of per-host dirs).
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

INIT_SCRIPT = r"""#!/bin/sh
# hisops lab host init (pid 1 of the host's pid, mount and UTS namespaces).
set -eu
HOSTDIR="$1"
. "$HOSTDIR/host.env"
hostname "$HISOPS_HOST"
for d in $HISOPS_OVERLAY; do
    mkdir -p "$HOSTDIR/fs/upper$d" "$HOSTDIR/fs/work$d"
    mount -t overlay "hisops-$HISOPS_HOST" \
        -o "lowerdir=$d,upperdir=$HOSTDIR/fs/upper$d,workdir=$HOSTDIR/fs/work$d" "$d"
done
for d in $HISOPS_PRIVATE; do
    mkdir -p "$HOSTDIR/fs/private$d" "$d"
    mount --bind "$HOSTDIR/fs/private$d" "$d"
done
mount -t tmpfs -o mode=0755,size=64m "hisops-run" /run
mkdir -p /run/sshd /run/lock /run/hisops /run/systemd/system
chmod 1777 /run/lock
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
AuthorizedKeysFile .ssh/authorized_keys
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
