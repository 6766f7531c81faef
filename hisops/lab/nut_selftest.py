"""The lab UPS's self-test: a NUT driver socket in front of ``dummy-ups``.

NUT's ``dummy-ups`` serves the lab UPS's state from a .dev file but implements no instant
command, so upsd refuses ``test.battery.start``. This stdlib process is what upsd talks
to for the UPS ``ups`` (``driver = hisops-lab-ups`` in ups.conf; upsd connects to
``<statepath>/hisops-lab-ups-<ups>``, the driver socket protocol): it relays everything
between upsd and dummy-ups (section ``<ups>-hw``, the .dev file), adds the commands
``test.battery.start``/``test.battery.stop``, and performs the test as the UPS would: the
.dev file says ``ups.test.result: In progress`` at once and, ``--seconds`` later, the
outcome the lab set (``--outcome`` file: ``Done and passed`` or ``Done and warning``);
dummy-ups re-reads the file and upsd serves the result. Started by
``hisops.lab.hosts.inspection.start_ups`` inside the host, with the machine's python3.
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import re
import socket
import threading
from pathlib import Path

COMMANDS = ("test.battery.start", "test.battery.stop")


def set_result(dev: Path, result: str) -> None:
    """Rewrite the .dev file's ups.test.result (mtime moved on: dummy-ups compares seconds)."""
    before = int(dev.stat().st_mtime)
    text = dev.read_text()
    line = f"ups.test.result: {result}"
    if re.search(r"^ups\.test\.result:.*$", text, flags=re.M):
        text = re.sub(r"^ups\.test\.result:.*$", line, text, flags=re.M)
    else:
        text += line + "\n"
    tmp = dev.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, dev)
    if int(dev.stat().st_mtime) <= before:
        os.utime(dev, (before + 1, before + 1))


class Relay:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.dev = Path(args.dev)
        self.timer: threading.Timer | None = None

    def selftest(self, command: str) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if command == "test.battery.stop":
            set_result(self.dev, "Aborted")
            return
        set_result(self.dev, "In progress")
        try:
            outcome = Path(self.args.outcome).read_text().strip() or "Done and passed"
        except OSError:
            outcome = "Done and passed"
        self.timer = threading.Timer(self.args.seconds, set_result, (self.dev, outcome))
        self.timer.daemon = True
        self.timer.start()

    def serve(self, client: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX)
        upstream.connect(os.path.join(self.args.statepath, self.args.upstream))
        lock = threading.Lock()

        def to_client(data: bytes) -> None:
            with lock:
                client.sendall(data)

        def from_driver() -> None:
            for raw in upstream.makefile("rb"):
                if raw.strip() == b"DUMPDONE":  # our commands before the dump ends
                    to_client(b"".join(b"ADDCMD %s\n" % c.encode() for c in COMMANDS))
                to_client(raw)
            client.close()

        threading.Thread(target=from_driver, daemon=True).start()
        try:
            for raw in client.makefile("rb"):
                words = raw.decode(errors="replace").split()
                if words[:1] == ["INSTCMD"] and len(words) > 1 and words[1] in COMMANDS:
                    self.selftest(words[1])
                    if "TRACKING" in words:
                        tracking = words[words.index("TRACKING") + 1]
                        to_client(f"TRACKING {tracking} 0\n".encode())
                    continue
                upstream.sendall(raw)
        finally:
            upstream.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statepath", required=True)
    parser.add_argument("--ups", required=True)
    parser.add_argument("--upstream", required=True, help="dummy-ups's socket name")
    parser.add_argument("--dev", required=True)
    parser.add_argument("--outcome", required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    path = os.path.join(args.statepath, f"hisops-lab-ups-{args.ups}")
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    os.chmod(path, 0o660)
    with contextlib.suppress(KeyError):  # upsd runs as the nut user
        os.chown(path, -1, grp.getgrnam("nut").gr_gid)
    server.listen(8)
    relay = Relay(args)
    while True:
        client, _ = server.accept()
        threading.Thread(target=relay.serve, args=(client,), daemon=True).start()


if __name__ == "__main__":
    main()
