#!/usr/bin/python3
"""systemctl for hisops lab hosts (installed as /usr/bin/systemctl inside every host).

Lab hosts have no systemd (no PID 1 systemd, no D-Bus). They run Debian's own init
scripts, ``pg_ctlcluster`` and ``update-rc.d``; this program gives them the systemctl
interface that playbooks and Debian's tools use on a production Debian 12 server, so
``ansible.builtin.service``/``ansible.builtin.systemd_service`` behave as there:

* ``postgresql`` (and any unit with an ``/etc/init.d`` script): start/stop/restart/reload
  run the init script; enabled means an ``S`` link in ``/etc/rc2.d`` (``update-rc.d
  NAME enable|disable``), which is what the lab's boot runs;
* ``postgresql@15-main`` (Debian's per-cluster unit): ``pg_ctlcluster 15 main ACTION``;
  enabled means ``start.conf`` is ``auto`` (``disable`` writes ``manual``), which is
  what decides whether Debian starts the cluster at boot.

Only what Ansible's modules and Debian's scripts call is implemented; the rest fails
with a message naming the lab.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

VERSION = "systemd 252 (252.0-hisops-lab-shim)"
# SYSTEMCTL_SKIP_REDIRECT: init scripts must not call back here (lsb init-functions);
# _SKIP_SYSTEMD_NATIVE: update-rc.d must not call back here either.
ENV = dict(
    os.environ,
    SYSTEMCTL_SKIP_REDIRECT="1",
    _SYSTEMCTL_SKIP_REDIRECT="1",
    _SKIP_SYSTEMD_NATIVE="1",
)
ALIASES = {"sshd": "ssh"}


class Unit:
    def __init__(self, name: str) -> None:
        base = name[: -len(".service")] if name.endswith(".service") else name
        self.base = ALIASES.get(base, base)
        self.id = f"{self.base}.service"
        self.cluster: tuple[str, str] | None = None
        if self.base.startswith("postgresql@"):
            version, _, cluster = self.base.partition("@")[2].partition("-")
            self.cluster = (version, cluster)

    # -- what exists
    @property
    def script(self) -> str:
        return f"/etc/init.d/{self.base}"

    @property
    def start_conf(self) -> str:
        assert self.cluster is not None
        return "/etc/postgresql/{}/{}/start.conf".format(*self.cluster)

    def exists(self) -> bool:
        if self.cluster is not None:
            return os.path.exists(os.path.dirname(self.start_conf))
        return os.access(self.script, os.X_OK)

    # -- state
    def active(self) -> bool:
        if not self.exists():
            return False
        if self.cluster is not None:
            return self._pg_ctlcluster("status", quiet=True) == 0
        if self.base == "postgresql":  # the umbrella is active when a cluster runs
            return any(Unit(f"postgresql@{v}-{c}").active() for v, c in _clusters())
        return _run([self.script, "status"], quiet=True) == 0

    def enabled(self) -> bool:
        if self.cluster is not None:
            try:
                with open(self.start_conf, encoding="utf-8") as handle:
                    words = [ln.split("#")[0].strip() for ln in handle]
            except FileNotFoundError:
                return False
            return "auto" in words
        return bool(glob.glob(f"/etc/rc2.d/S[0-9][0-9]{self.base}"))

    # -- actions
    def act(self, action: str) -> int:
        if not self.exists():
            print(f"Failed to {action} {self.id}: Unit {self.id} not found.", file=sys.stderr)
            return 5
        if action in ("enable", "disable"):
            return self._set_enabled(action == "enable")
        if action == "try-restart":
            return self.act("restart") if self.active() else 0
        if action in ("reload-or-restart", "force-reload"):
            action = "restart" if action == "reload-or-restart" else "reload"
        if self.cluster is not None:
            return self._pg_ctlcluster(action)
        return _run([self.script, action])

    def _set_enabled(self, enable: bool) -> int:
        if os.environ.get("SYSTEMCTL_SKIP_SYSV") == "1" or os.environ.get("_SKIP_SYSTEMD_NATIVE"):
            return 0  # called back by update-rc.d: the rc links are its own job
        if self.cluster is not None:
            lines = []
            with open(self.start_conf, encoding="utf-8") as handle:
                for line in handle:
                    word = line.split("#")[0].strip()
                    if word in ("auto", "manual", "disabled"):
                        line = ("auto" if enable else "manual") + "\n"
                    lines.append(line)
            with open(self.start_conf, "w", encoding="utf-8") as handle:
                handle.writelines(lines)
            return 0
        if enable and not glob.glob(f"/etc/rc[0-6S].d/[SK][0-9][0-9]{self.base}"):
            # a service the lab boot left out (no rc links at all): install them first,
            # as Debian's postinst does, so that enable has links to turn on
            _run(["update-rc.d", self.base, "defaults"], quiet=True)
        return _run(["update-rc.d", self.base, "enable" if enable else "disable"], quiet=True)

    def _pg_ctlcluster(self, action: str, quiet: bool = False) -> int:
        assert self.cluster is not None
        argv = ["pg_ctlcluster", "--skip-systemctl-redirect", *self.cluster, action]
        return _run(argv, quiet=quiet)

    def show(self) -> dict[str, str]:
        if not self.exists():
            return {
                "Id": self.id,
                "Names": self.id,
                "LoadState": "not-found",
                "ActiveState": "inactive",
                "SubState": "dead",
                "UnitFileState": "",
            }
        active = self.active()
        return {
            "Id": self.id,
            "Names": self.id,
            "Description": f"{self.base} (hisops lab host, init script)",
            "LoadState": "loaded",
            "ActiveState": "active" if active else "inactive",
            "SubState": "running" if active else "dead",
            "UnitFileState": "enabled" if self.enabled() else "disabled",
            "CanReload": "yes",
            "FragmentPath": self.script if self.cluster is None else self.start_conf,
        }


def _clusters() -> list[tuple[str, str]]:
    found = []
    for path in sorted(glob.glob("/etc/postgresql/*/*/postgresql.conf")):
        parts = path.split("/")
        found.append((parts[3], parts[4]))
    return found


def _run(argv: list[str], quiet: bool = False) -> int:
    out = subprocess.DEVNULL if quiet else None
    try:
        return subprocess.run(argv, env=ENV, stdout=out, stderr=out, check=False).returncode
    except FileNotFoundError:
        return 5


def main(argv: list[str]) -> int:
    depth = int(os.environ.get("HISOPS_SYSTEMCTL_DEPTH", "0"))
    if depth >= 3:
        print("hisops lab host: systemctl called itself back too deeply; refusing", file=sys.stderr)
        return 1
    os.environ["HISOPS_SYSTEMCTL_DEPTH"] = str(depth + 1)
    ENV["HISOPS_SYSTEMCTL_DEPTH"] = str(depth + 1)
    props: list[str] = []
    value_only = quiet = False
    words: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in ("-p", "--property"):
            props += next(args, "").split(",")
        elif arg.startswith("--property="):
            props += arg.split("=", 1)[1].split(",")
        elif arg == "--value":
            value_only = True
        elif arg in ("-q", "--quiet"):
            quiet = True
        elif arg.startswith("-"):
            continue  # --no-block, --no-pager, --system, -l, --full, --no-ask-password ...
        else:
            words.append(arg)
    if not words:
        print("hisops lab host: systemctl needs a command (no systemd here)", file=sys.stderr)
        return 1
    command, names = words[0], words[1:]
    units = [Unit(n) for n in names]
    if command == "--version" or command == "version":
        print(VERSION)
        return 0
    if command in ("daemon-reload", "daemon-reexec", "reset-failed"):
        return 0
    if command == "is-system-running":
        print("running")
        return 0
    if command == "show":
        for unit in units:
            data = unit.show()
            for key in props or list(data):
                print(data.get(key, "") if value_only else f"{key}={data.get(key, '')}")
        return 0
    if command == "is-active":
        rc = 0
        for unit in units:
            state = "active" if unit.active() else "inactive"
            if not quiet:
                print(state)
            rc = rc or (0 if state == "active" else 3)
        return rc
    if command == "is-enabled":
        rc = 0
        for unit in units:
            if not unit.exists():
                print(
                    f"Failed to get unit file state for {unit.id}: No such file or directory",
                    file=sys.stderr,
                )
                rc = 1
                continue
            state = "enabled" if unit.enabled() else "disabled"
            if not quiet:
                print(state)
            rc = rc or (0 if state == "enabled" else 1)
        return rc
    if command == "status":
        rc = 0
        for unit in units:
            data = unit.show()
            print(
                f"* {data['Id']} - {data.get('Description', '')}\n"
                f"     Loaded: {data['LoadState']} ({data.get('UnitFileState', '')})\n"
                f"     Active: {data['ActiveState']} ({data['SubState']})"
            )
            rc = rc or (0 if data["ActiveState"] == "active" else 3)
        return rc
    if command == "list-unit-files":
        pattern = names[0] if names else "*"
        pattern = pattern if "." in pattern or pattern.endswith("*") else pattern + ".service"
        rows = []
        for script in sorted(glob.glob("/etc/init.d/*")):
            unit = Unit(os.path.basename(script))
            rows.append((unit.id, "enabled" if unit.enabled() else "disabled"))
        for version, cluster in _clusters():
            unit = Unit(f"postgresql@{version}-{cluster}")
            rows.append((unit.id, "enabled" if unit.enabled() else "disabled"))
        import fnmatch

        rows = [r for r in rows if fnmatch.fnmatch(r[0], pattern)]
        for unit_id, state in rows:
            print(f"{unit_id:<40} {state}")
        return 0 if rows else 1
    if command in (
        "start",
        "stop",
        "restart",
        "reload",
        "try-restart",
        "reload-or-restart",
        "force-reload",
        "enable",
        "disable",
    ):
        rc = 0
        for unit in units:
            rc = unit.act(command) or rc
        return rc
    print(
        f"hisops lab host: 'systemctl {command}' is not supported here (no systemd; the lab "
        "supports start/stop/restart/reload/enable/disable/show/status/is-active/is-enabled)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
