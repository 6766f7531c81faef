"""The lab daemon: ``python -m hisops.lab.daemon --topology FILE --state-dir DIR``.

``hisops lab up`` starts it detached. It loads the topology, serves every device over
SSH from one asyncio loop, writes the inventory, answers the control socket, and on
SIGTERM/SIGINT or the ``shutdown`` op closes everything and removes its pid and socket.
The control socket appears only once every device listens: it is the readiness signal.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hisops.lab.control import ControlApi
from hisops.lab.hostkeys import LabHostKeys
from hisops.lab.inventory import build_inventory, write_inventory
from hisops.lab.paths import StateDir
from hisops.lab.server import DeviceStartError, LabServer, load_factory
from hisops.lab.topology import TopologyError, load_topology, relocate

if TYPE_CHECKING:
    from hisops.lab.twin import HostTwin

log = logging.getLogger("hisops.lab")


def host_lines(path: Path) -> list[str]:
    """The lab hosts' known_hosts lines (their sshd keys), for the lab's own known_hosts."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line + "\n" for line in text.splitlines() if line.strip() and not line.startswith("#")]


class HostsError(RuntimeError):
    pass


async def start_hosts(lab: LabServer, state: StateDir) -> HostTwin:
    from hisops.lab.twin import HostTwin

    twin: HostTwin | None = None
    try:
        twin = HostTwin(lab, state.root / "hosts")
        timings = await asyncio.to_thread(twin.up)
    except Exception as exc:
        log.exception("lab hosts failed to start")
        if twin is not None:
            await asyncio.to_thread(twin.down)
        raise HostsError(
            f"the lab hosts did not start: {exc} (without --hosts the lab runs the switches only)"
        ) from exc
    log.info("lab hosts up: %s", timings)
    await asyncio.to_thread(twin.sync)
    lab.listeners.append(twin.sync)
    return twin


async def run(
    topology_file: str | None,
    state: StateDir,
    second_octet: int | None,
    hosts: bool,
    boot_seconds: float | None = None,
) -> int:
    topology = load_topology(topology_file)
    if second_octet is not None:
        relocate(topology, second_octet)
    lab = LabServer(
        topology,
        LabHostKeys(state.host_keys),
        load_factory(),
        boot_seconds,
        known_hosts=state.known_hosts,
    )
    await lab.start()
    twin: HostTwin | None = None
    if hosts:
        try:
            twin = await start_hosts(lab, state)
        except HostsError:
            await lab.stop()
            raise
    if twin is not None:
        lab.known_hosts_extra = host_lines(twin.fleet.known_hosts)
    lab.write_known_hosts()
    hosts_inventory = twin.fleet.inventory(state.known_hosts) if twin else None
    extra = hosts_inventory["all"]["children"] if hosts_inventory else None
    built = build_inventory(topology, extra, known_hosts=state.known_hosts)
    if hosts_inventory:  # the lab's UPS and insurance gateway (hisops_ups, hisops_insurance_url)
        built["all"]["vars"].update(hosts_inventory["all"].get("vars", {}))
    inventory = write_inventory(state.inventory, built)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    api = ControlApi(lab, str(inventory), stop.set, twin)
    state.socket.unlink(missing_ok=True)
    control = await asyncio.start_unix_server(api.serve, path=str(state.socket))
    log.info("lab up: %d devices from %s", len(lab.runtimes), topology.source)
    try:
        await stop.wait()
    finally:
        log.info("lab stopping")
        control.close()
        state.socket.unlink(missing_ok=True)
        await lab.stop()
        if twin is not None:
            await asyncio.to_thread(twin.down)
        state.inventory.unlink(missing_ok=True)
        state.known_hosts.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hisops-lab-daemon")
    parser.add_argument("--topology")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--relocate", type=int, help="move lab addresses into 127.N.x.y")
    parser.add_argument("--hosts", action="store_true", help="start the real lab hosts too")
    parser.add_argument(
        "--boot-seconds", type=float, help="how long a device reloaded from its CLI stays down"
    )
    args = parser.parse_args(argv)
    state = StateDir.of(args.state_dir)
    state.root.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=str(state.log),
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    state.pid.write_text(f"{os.getpid()}\n")
    try:
        return asyncio.run(run(args.topology, state, args.relocate, args.hosts, args.boot_seconds))
    except (TopologyError, HostsError, DeviceStartError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except Exception:
        log.exception("the lab daemon failed")
        print(f"error: the lab daemon failed, see {state.log}", file=sys.stderr)
        return 1
    finally:
        if state.read_pid() == os.getpid():
            state.pid.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
