# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover as one task (see ``module_utils/pgha/failover.py`` for the steps).

Runs on the controller and drives ``db_failover_step`` on the two database servers
through their own connections (``plugin_utils/db_hosts.py``): both nodes read at once,
the candidate's lock taken in the same call, the verdict, the fences until one is proven,
the promotion; the lock is released whatever happens.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import failover
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import PgHaError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import (
    PRIMARY,
    STOPPED,
    UNREACHABLE,
    NodeState,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.verdict import (
    assess,
    node_state_from_result,
)
from ansible_collections.hisops.emergency.plugins.modules.db_failover import ARGUMENT_SPEC
from ansible_collections.hisops.emergency.plugins.plugin_utils.db_hosts import (
    HostModules,
    validated_args,
)

STEP = "hisops.emergency.db_failover_step"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = validated_args(ARGUMENT_SPEC, self._task.args)
        group = list((task_vars.get("groups") or {}).get(args["group"]) or [])
        try:
            failover.validate(args["candidate"], group, args["fence"], args["fence_command"])
        except PgHaError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        self._task_vars = task_vars
        hosts = HostModules(self, task_vars, connect_timeout=args["connect_timeout"])
        try:
            result.update(self._failover(hosts, group, args))
        finally:
            hosts.close()
        return result

    # ------------------------------------------------------------------ the steps
    def _step_args(self, hosts: HostModules, name: str, peer: str, **extra: Any) -> dict:
        mine, theirs = hosts.variables(name), hosts.variables(peer)
        return {"name": name, "peer": peer, "peer_host": theirs.get("ansible_host", peer),
                "pg_version": str(mine.get("hisops_pg_version", "15")),
                "pg_cluster": str(mine.get("hisops_pg_cluster", "main")),
                "peer_port": int(theirs.get("hisops_pg_port", 5432)), **extra}

    def _failover(self, hosts: HostModules, group: list[str], args: dict) -> dict[str, Any]:
        t0 = time.monotonic()
        check = bool(self._task.check_mode)
        owner = args["owner"] or failover.default_owner()
        candidate = args["candidate"]
        timings: dict[str, float] = {}
        calls = [(name, STEP, self._step_args(
            hosts, name, next(n for n in group if n != name), step="begin", owner=owner,
            lock=not candidate or candidate == name, break_stale_s=args["break_stale_s"]),
            "postgres") for name in group]
        begun = dict(zip(group, hosts.run_each(calls), strict=True))
        for name, r in begun.items():  # a lock left by a run of this controller that died
            if r.get("failed") and failover.gone_holder(r.get("holder")):
                args_retry = {**next(c[2] for c in calls if c[0] == name),
                              "break_owner": r["holder"]["owner"]}
                begun[name] = hosts.run(name, STEP, args_retry, "postgres")
        timings["read_s"] = round(time.monotonic() - t0, 3)
        locked = [n for n, r in begun.items() if r.get("locked")]
        promoted = False
        try:
            held = [r["msg"] for r in begun.values() if r.get("failed") and r.get("holder")]
            if held:
                raise AnsibleActionFail(held[0])
            states = [NodeState.from_dict(node_state_from_result({**r, "item": n}))
                      for n, r in begun.items()]
            if candidate and _already_done(states, candidate):
                return {"changed": False, "msg": f"{candidate} already is the only primary; "
                                                 "nothing changed", "nodes": _roles(states)}
            verdict = assess(states, candidate or None).as_dict()
            if not verdict["failover"]["go"]:
                raise AnsibleActionFail(verdict["failover"]["summary"] + "; nothing changed")
            new = verdict["candidate"]
            old = next(n for n in group if n != new)
            if verdict["needs_accept_data_loss"] and not args["accept_data_loss"]:
                gap = verdict["gap_bytes"]
                raise AnsibleActionFail(
                    f"refused: the data a failover to {new} would lose is "
                    f"{'unknown' if gap is None else f'{gap} bytes of WAL'}; set "
                    "accept_data_loss=true to fail over anyway (nothing was touched)")
            if new not in locked and not check:
                raise AnsibleActionFail(f"{new}: the failover lock was not taken "
                                        f"({begun[new].get('msg', 'not a standby')})")
            if check:
                fenced = self._fence(hosts, old, new, args, check, timings, t0)
                t1 = time.monotonic()
                promote = hosts.run(new, STEP, self._step_args(
                    hosts, new, old, step="promote", owner=owner, old_primary=fenced["state"],
                    fence_proof=f"check mode: {', '.join(args['fence'])} would fence {old}",
                    accept_data_loss=args["accept_data_loss"], timeout=args["timeout"]),
                    "postgres")
            else:
                fenced, promote, t1 = self._fence_then_promote(hosts, old, new, owner, args,
                                                               timings, t0)
            promoted = True
            timings["promote_s"] = round(time.monotonic() - t1, 3)
            timings["total_s"] = round(time.monotonic() - t0, 3)
            out = {"changed": bool(promote.get("changed")) or fenced["changed"], "old": old,
                   "new": new, "fence": fenced["methods"], "fence_proof": fenced["proof"],
                   "old_primary": fenced["state"], "gap": promote.get("gap", "unknown"),
                   "gap_bytes": promote.get("gap_bytes"), "timeline": promote.get("timeline"),
                   "promote_s": promote.get("promote_s"), "timings": timings,
                   "verdict": verdict, "commands": fenced["commands"]
                   + [f"{new}: {c}" for c in promote.get("commands", [])]}
            if promote.get("failed"):
                msg = str(promote.get("msg", "the promotion failed")).replace(
                    "refused: the old primary is not proven fenced",
                    f"refused: {old} is not proven fenced")
                raise AnsibleActionFail(msg, result=out)
            out["msg"] = (f"{new} is primary on timeline {out['timeline']} (promotion "
                          f"{out['promote_s']} s, failover task {timings['total_s']} s); "
                          f"data lost: {out['gap']}; {old} is fenced "
                          f"({fenced['proof']}); bring it back with playbooks/db_rejoin.yml")
            proven = [a["method"] for a in fenced["methods"] if a.get("proof")]
            if proven == ["site_command"]:
                # A power-off holds only while the power stays off: powered on, the old
                # primary's PostgreSQL starts as a primary (it was never fenced from inside).
                out["warnings"] = [
                    f"{old} is fenced by the site command only: keep it powered off until "
                    "playbooks/db_rejoin.yml, or it comes back as a second primary; "
                    "fence_all with [switch_port, site_command] also cuts its port so that it "
                    "comes back cut off"]
            if check:
                out["msg"] = (f"check mode: would fence {old} ({', '.join(args['fence'])}) and "
                              f"promote {new}; data lost: {out['gap']}")
            if self._task.diff:
                out["diff"] = {"before": {old: PRIMARY, new: "standby"},
                               "after": {old: "fenced", new: PRIMARY}}
            return out
        finally:
            if not promoted:  # the promote step releases it itself
                for name in locked:
                    hosts.run(name, STEP, self._step_args(
                        hosts, name, next(n for n in group if n != name), step="release",
                        owner=owner), "postgres")

    def _fence_then_promote(self, hosts: HostModules, old: str, new: str, owner: str, args: dict,
                            timings: dict, t0: float) -> tuple[dict, dict, float]:
        """The fence, with the promotion step already started on the candidate: it waits for
        the proof (written to a file there with one raw command), so that its Python start
        and imports overlap the fence. Without a proof it is told not to promote."""
        word_path = f"/var/lib/postgresql/.hisops-failover-{secrets.token_hex(8)}.json"
        budget = args["timeout"] * (len(args["fence"]) + 1) + 60
        with ThreadPoolExecutor(max_workers=1) as early:
            pending = early.submit(hosts.run, new, STEP, self._step_args(
                hosts, new, old, step="promote", owner=owner,
                accept_data_loss=args["accept_data_loss"], timeout=args["timeout"],
                await_file=word_path, await_s=budget), "postgres")
            try:
                fenced = self._fence(hosts, old, new, args, False, timings, t0)
            except BaseException as exc:
                hosts.write_json(new, word_path, {"abort": f"the fence of {old} failed: {exc}"},
                                 "postgres")
                pending.result()
                raise
            t1 = time.monotonic()
            word = ({"fence_proof": fenced["proof"], "old_primary": fenced["state"]}
                    if fenced["proof"] else {"abort": f"{old} is not proven fenced"})
            # Not passed on (the candidate's SSH failed right now): the step gives up unpromoted
            # after its budget, and says so.
            any(hosts.write_json(new, word_path, word, "postgres") for _try in range(3))
            return fenced, pending.result(), t1

    def _fence(self, hosts: HostModules, old: str, new: str, args: dict, check: bool,
               timings: dict, t0: float) -> dict[str, Any]:
        """The methods in order until one is proven (with ``fence_all``, every one of them, at
        least one proven); the old primary's state afterwards."""
        old_vars = hosts.variables(old)
        address = str(old_vars.get("ansible_host", old))
        port = int(old_vars.get("hisops_pg_port", 5432))
        done: dict[str, Any] = {"proof": "", "state": None, "methods": [], "commands": [],
                                "changed": False}
        for method in args["fence"]:
            attempt: dict[str, Any] = {"method": method}
            if method == "ssh":
                fenced = hosts.run(old, STEP, self._step_args(
                    hosts, old, new, step="fence", timeout=args["timeout"]), "postgres")
                kept = ("msg", "before", "after", "unreachable")
                attempt["result"] = {k: fenced[k] for k in kept if k in fenced}
                done["commands"] += [f"{old}: {c}" for c in fenced.get("commands", [])]
                done["changed"] |= bool(fenced.get("changed"))
                if fenced.get("state"):
                    done["state"] = fenced["state"]
                attempt["proof"] = failover.ssh_proof(old, fenced)
            elif method == "site_command":
                if check:
                    attempt["proof"] = ""
                    done["commands"].append(f"controller: {' '.join(args['fence_command'])}")
                else:
                    ran = failover.run_site_command(args["fence_command"], args["timeout"])
                    attempt["result"] = ran
                    done["changed"] = True
                    done["commands"].append(f"controller: {' '.join(args['fence_command'])}")
                    closed = ran.get("rc") == 0 and failover.wait_port_closed(address, port)
                    attempt["proof"] = failover.site_proof(old, args["fence_command"], ran,
                                                           closed)
            else:  # switch_port
                cut = self._fence_switch_port(old, address, args, check)
                attempt["result"] = cut
                done["changed"] |= bool(cut.get("changed"))
                done["commands"] += [f"{sw}: {c}" for sw, lines in
                                     (cut.get("commands") or {}).items() for c in lines]
                closed = not check and not cut.get("failed") \
                    and failover.wait_port_closed(address, port) \
                    and failover.wait_port_closed(address, int(old_vars.get("ansible_port", 22)))
                attempt["proof"] = failover.switch_proof(old, cut, closed, closed)
            timings[f"fence_{method}_s"] = round(time.monotonic() - t0, 3)
            done["methods"].append(attempt)
            if attempt["proof"]:
                done["proof"] = "; ".join(p for p in (done["proof"], attempt["proof"]) if p)
                if not args["fence_all"]:
                    break
        if done["state"] is None:  # unreachable over SSH: its last state is not known
            done["state"] = {"name": old, "role": UNREACHABLE, "error": "not read after fencing"}
        return done

    def _fence_switch_port(self, old: str, address: str, args: dict, check: bool) -> dict:
        """Shut the old primary's access port through the netops isolation (issue 6): located
        by its address, with an SSH-only filter bound on the port, recorded as an isolation
        transaction naming the old primary (db_rejoin undoes it: SSH first, then the rest)."""
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.hisops.emergency.plugins.modules import isolation

        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.hisops.emergency.plugins.plugin_utils.netops_action import (
            NetopsActionBase,
        )

        switches = args["switches"] or [
            h for h in (self._task_vars.get("groups") or {}).get("switches", [])
            if h not in (self._task_vars.get("groups") or {}).get("spare", [])]
        if not switches:
            return {"failed": True, "msg": "switch_port: no switches (switches, or the "
                                           "inventory group switches)"}
        # The network knows the server by its address there (hisops_endpoints), which may
        # differ from the address Ansible reaches it on (ansible_host).
        endpoints = self._templar.template(
            (self._task_vars.get("hostvars") or {}).get(old, {}).get("hisops_endpoints") or [])
        where = next((e for e in endpoints if isinstance(e, dict) and e.get("name") == old), {})
        target = str(where.get("ip") or where.get("mac") or address)
        helper = NetopsActionBase(self._task, self._connection, self._play_context, self._loader,
                                  self._templar, self._shared_loader_obj)
        params = helper.fleet_args({
            "hosts": switches, "host": target, "force": True, "fence_of": old,
            # The port can come back up with nothing but the controller's SSH possible: the
            # rejoin stops PostgreSQL over SSH before anything else is let through.
            "quarantine_ssh_to": str(self._templar.template(
                self._task_vars.get("hisops_controller_ip") or "")),
            "reason": f"db_failover: fence of the old database primary {old}",
            "operator": args["owner"] or failover.default_owner(),
            "store": args["isolation_store"] or None}, self._task_vars)
        checked = ArgumentSpecValidator(isolation.argument_spec()).validate(params)
        if checked.error_messages:
            return {"failed": True, "msg": "; ".join(checked.error_messages)}
        try:
            cut = isolation.run(checked.validated_parameters, check, False)
        except Exception as exc:  # noqa: BLE001 - NetdevError and its kin: a fence not proven
            return {"failed": True, "msg": f"switch_port: {exc}"}
        kept = ("changed", "failed", "msg", "isolation_id", "located", "commands", "verified",
                "message")
        return {k: cut[k] for k in kept if k in cut}


def _already_done(states: list[NodeState], candidate: str) -> bool:
    mine = next(s for s in states if s.name == candidate)
    others = [s for s in states if s.name != candidate]
    return mine.role == PRIMARY and not mine.standby_signal \
        and all(s.role in (STOPPED, UNREACHABLE) for s in others)


def _roles(states: list[NodeState]) -> dict[str, str]:
    return {s.name: s.role for s in states}
