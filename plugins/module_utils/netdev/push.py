# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Push a configuration safely: diff first, safety net armed, confirm only when reachable.

The one place where check mode is honoured for switch changes: callers describe what the
device should look like, this module decides what to send, and in check mode sends
nothing.

The push arms the platform's own safety net (``safety.SafetyNet``: a revert timer, a
commit delay or a scheduled reboot), so that a push that cuts the controller off reverts
without anybody touching the device, and confirms it only from a new session.

A line the device rejects stops the push; what was already applied is undone with the
remediation back to the configuration read before, and the device is read again to prove
it. A session lost mid-push is reported with the safety net that will restore the device.

With a ``Guard`` (the hospital's deliberate state, module_utils/state), the push holds the
device's lock from the read of "before" to the read-back and save, so that two changes of
one switch (a deploy, an isolation, a vendor window, a swap) are serialized and the one that
waits is told who holds it; and it refuses, before sending anything, a push that would
change a switch on which a hold of a refusing kind (an open isolation) is open.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..netplan import compliance
from ..state.locks import switch as switch_lock
from ..state.store import StateStore
from .backup import mask_secrets
from .dialects import dialect_for
from .errors import CommandRejected, DeviceUnreachable, InputError, NetdevError, SessionLost
from .safety import SafetyNet
from .session import DeviceSession
from .text import strip_comments

SAVE_CHOICES = ("never", "when_changed", "always")
SAFETY_NET_CHOICES = ("auto", "none")


@dataclass
class PushRequest:
    intended: str
    features: list[str] = field(default_factory=lambda: list(compliance.FEATURES))
    replace: bool = True
    save: str = "never"
    safety_net: str = "auto"
    safety_net_minutes: int = 5
    check_mode: bool = False
    wait_for_revert: bool = False
    revert_wait_seconds: float = 600.0

    def validate(self) -> None:
        if not self.intended.strip():
            raise InputError("config is empty: nothing to compare the device with")
        unknown = sorted(set(self.features) - set(compliance.FEATURES))
        if unknown:
            raise InputError(
                f"features: {', '.join(unknown)} unknown; use {', '.join(compliance.FEATURES)}"
            )
        if self.save not in SAVE_CHOICES:
            raise InputError(f"save: {self.save!r} is not one of {', '.join(SAVE_CHOICES)}")
        if self.safety_net not in SAFETY_NET_CHOICES:
            raise InputError(f"safety_net: {self.safety_net!r} is not one of auto, none")
        if not 1 <= int(self.safety_net_minutes) <= 120:
            raise InputError("safety_net_minutes must be between 1 and 120")


@dataclass
class PushResult:
    changed: bool = False
    commands: list[str] = field(default_factory=list)
    before: str = ""
    after: str = ""
    saved: bool = False
    presaved: bool = False
    safety_net: str = ""
    reverted: bool = False
    failed: bool = False
    message: str = ""
    compliance_before: dict[str, Any] = field(default_factory=dict)
    waits: list[str] = field(default_factory=list)
    verified: bool | None = None  # the read-back matched the intended configuration

    def to_dict(self) -> dict[str, Any]:
        """What a module returns: configurations with password hashes and keys masked."""
        return {
            "changed": self.changed,
            "commands": self.commands,
            "before": mask_secrets(self.before) if self.before else "",
            "after": mask_secrets(self.after) if self.after else "",
            "saved": self.saved,
            "presaved": self.presaved,
            "safety_net": self.safety_net,
            "reverted": self.reverted,
            "compliance_before": self.compliance_before,
            "waits": self.waits,
            "verified": self.verified,
        }


def plan_with_report(running: str, request: PushRequest, platform: str) -> tuple[list[str], dict]:
    report = compliance.compare(running, request.intended, platform, request.features)
    commands = report.remediation
    if not request.replace:
        commands = []
        for name, feature in report.features.items():
            commands += _merge_only(feature.remediation, platform, rewrites=name == "acl")
    return _with_exits(commands, platform), report.to_dict()


def _merge_only(commands: list[str], platform: str, rewrites: bool) -> list[str]:
    """Merge mode (``replace: false``): nothing the plan does not have is removed.

    An ACL the plan defines is still rewritten where it differs: its entries are ordered
    (first match wins), so changing one means removing it before entering the plan's
    (``undo rule 5`` then ``rule 5 ...`` on VRP/Comware). Those negations are kept when the
    same remediation enters the positive form again at the same place; on IOS, the in-place
    edit of a plan ACL is kept whole (its entries are the plan's, in the plan's order); every
    other negation is dropped.
    """
    negation = dialect_for(platform).negation
    kept = []
    block = ""
    for index, command in enumerate(commands):
        text = command.strip()
        if not command.startswith(" "):
            block = text
        if not text.startswith(negation):
            kept.append(command)
            continue
        in_ios_acl = command.startswith(" ") and block.startswith("ip access-list ")
        if rewrites and (in_ios_acl or _entered_again(commands, index, text[len(negation) :])):
            kept.append(command)
    return kept


def _entered_again(commands: list[str], index: int, target: str) -> bool:
    """Whether a later command of the same block enters ``target`` (a rule id, a list) again."""
    indent = len(commands[index]) - len(commands[index].lstrip())
    key = target.split()
    for later in commands[index + 1 :]:
        depth = len(later) - len(later.lstrip())
        if depth < indent:  # left the block
            return False
        if depth == indent and later.strip().split()[: len(key)] == key:
            return True
    return False


def plan_commands(running: str, request: PushRequest, platform: str) -> list[str]:
    return plan_with_report(running, request, platform)[0]


def _with_exits(commands: list[str], platform: str) -> list[str]:
    """Leave each sub-view before the next top-level command, as an operator would."""
    leave = dialect_for(platform).leave
    out: list[str] = []
    inside = False
    for command in commands:
        nested = command.startswith(" ")
        if not nested and inside:
            out.append(leave)
            inside = False
        if nested:
            inside = True
        out.append(command.strip())
    if inside:
        out.append(leave)
    return out


@dataclass
class Guard:
    """What a push owes the other workflows: the device's lock, and the open holds that
    refuse it (``refuse_kinds``: an open isolation, which a deploy of the plan would undo)."""

    state_dir: str
    device: str
    operator: str = "hisops"
    operation: str = "switch_config push"
    refuse_kinds: tuple[str, ...] = ("isolation", "vendor_window")
    wait_s: float = 300.0

    def refusal(self, store: StateStore, commands: list[str]) -> InputError | None:
        """Holds of a refusing kind on the device, when the push would send anything."""
        if not commands or not self.refuse_kinds:
            return None
        holds = [
            h
            for h in store.active(devices=[self.device])
            if h.kind in self.refuse_kinds
            and (h.kind != "vendor_window" or _enters(commands, h.details.get("sections", [])))
        ]
        if not holds:
            return None
        if all(h.kind == "vendor_window" for h in holds):
            hint = (
                "nothing was sent; the push changes the sections the window added to (its VTY ACL or "
                "time range): close it first (playbooks/vendor_access_close.yml) or wait for its end"
            )
        else:
            hint = (
                "nothing was sent; reconnect first (playbooks/reconnect.yml -e isolation_id=...), "
                "or push with open_isolation: ignore to undo it on purpose"
            )
        return InputError(
            f"open {', '.join(sorted({h.kind for h in holds}))} on this switch: "
            f"{'; '.join(h.describe() for h in holds)}; the push ({len(commands)} commands) would undo it",
            device=self.device,
            hint=hint,
        )


def _enters(commands: list[str], sections: list[str]) -> bool:
    """Whether the push enters, creates or removes any of ``sections`` (a header line, or a
    time range by its name: the line's first words)."""
    for command in commands:
        line = " ".join(command.split())
        for negation in ("undo ", "no "):
            if line.startswith(negation):
                line = line[len(negation) :]
        if any(line == section or line.startswith(section + " ") for section in sections):
            return True
    return False


class SafePush:
    """``SafePush(open_session, request).run()``; ``open_session`` returns a new DeviceSession."""

    def __init__(
        self,
        open_session: Callable[[], DeviceSession],
        request: PushRequest,
        guard: Guard | None = None,
    ) -> None:
        self.open_session = open_session
        self.request = request
        self.result = PushResult()
        self.guard = guard
        # The platform's net; a reboot net may save the running configuration first when
        # the request allows saving.
        self.net = SafetyNet(request.safety_net_minutes, may_save=request.save != "never")

    # -- the sequence ------------------------------------------------------------------
    def run(self) -> PushResult:
        """The push; with a guard, under the device's lock (check mode only reads: no lock)."""
        self.request.validate()
        if self.guard is None or not self.guard.state_dir:
            return self._run(None)
        store = StateStore(self.guard.state_dir)
        if self.request.check_mode:
            return self._run(store)
        guard = self.guard
        with store.locks.hold(
            [switch_lock(guard.device)], guard.operation, guard.operator, wait_s=guard.wait_s
        ) as waits:
            self.result.waits = list(waits)
            return self._run(store)

    def _run(self, store: StateStore | None) -> PushResult:
        with self.open_session() as session:
            platform = session.platform.name
            before = session.running_config()
            self.result.before = strip_comments(before)
            commands, report = plan_with_report(
                compliance.numbered_running(session, before), self.request, platform
            )
            self.result.compliance_before = report
            if store is not None and self.guard is not None:
                refused = self.guard.refusal(store, commands)
                if refused is not None:
                    raise refused
            self.result.commands = commands
            if not commands:
                self.result.after = self.result.before
                self.result.verified = True
                if self.request.save == "always" and not self.request.check_mode:
                    self._save(session)
                return self.result
            self.result.changed = True
            if self.request.check_mode:
                return self.result
            if self.request.safety_net != "none":
                self._arm(session, before)
            try:
                session.config_set(commands, config_mode_command=self.net.config_mode_command())
            except CommandRejected as exc:
                self._undo_after_reject(session, exc)
                raise
            except SessionLost as exc:
                self._after_session_loss(exc)
                raise
        # Confirm only from a new session: proof that the controller reaches the device.
        try:
            with self.open_session() as session:
                self.net.confirm(session)
                after = session.running_config()
                self.result.after = strip_comments(after)
                left = plan_commands(after, self.request, platform)
                if left:
                    # Some refusals carry no error marker (Comware: "Please set the link
                    # type of the port to access first."): the read-back catches them.
                    error = CommandRejected(
                        "the device does not match the intended configuration after the push; "
                        f"it did not take: {left}",
                        device=session.params.name,
                    )
                    self._undo_after_reject(session, error)
                    raise error
                self.result.verified = True
                if self.request.save in ("when_changed", "always"):
                    self._save(session)
        except (DeviceUnreachable, SessionLost) as exc:
            self._after_session_loss(exc)
            raise
        return self.result

    # -- safety net --------------------------------------------------------------------
    def _arm(self, session: DeviceSession, running: str) -> None:
        """Arm the net; what it is (and a save made for it) is in the result, also when
        arming fails half-way (a refused scheduled reboot after the save)."""
        try:
            self.net.arm(session, running)
        finally:
            self.result.safety_net = self.net.description
            self.result.presaved = self.net.presaved

    def _save(self, session: DeviceSession) -> None:
        session.save()
        self.result.saved = True

    # -- failure paths -----------------------------------------------------------------
    def _undo_after_reject(self, session: DeviceSession, exc: CommandRejected) -> None:
        """Put the device back on the configuration read before the push, and prove it."""
        session.leave_config_mode()
        current = compliance.numbered_running(session, session.running_config())
        back = PushRequest(
            intended=self.result.before,
            features=self.request.features,
            replace=True,
        )
        undo = plan_commands(current, back, session.platform.name)
        stopped = ""
        if undo:
            try:
                session.config_set(undo)
            except CommandRejected as refused:
                # Never let the revert's own refusal hide the push's: report both.
                stopped = f"the revert stopped, {refused.args[0]}; "
                session.leave_config_mode()
        again = plan_commands(session.running_config(), back, session.platform.name)
        self.result.reverted = not again
        self.result.failed = True
        if not again:
            self.net.confirm(session)  # disarm: the device is already back
            exc.hint = (
                "nothing was left half-applied: the device is back on its previous configuration"
            )
        elif self.net.armed:
            # Not back: the armed safety net is now the way back, so it stays armed.
            exc.hint = (
                f"{stopped}the revert left differences: {again}. The safety net "
                f"({self.result.safety_net}) is still armed and will return the device to its "
                "saved configuration; fix by hand before then, or let it fire"
            )
        else:
            exc.hint = f"{stopped}the revert left differences, fix by hand: {again}"

    def _after_session_loss(self, exc: NetdevError) -> None:
        """The session died mid-push: undo from a new session if the device answers,
        else leave it to the safety net (and, when asked, wait for it and prove it)."""
        self.result.failed = True
        try:
            with self.open_session() as session:
                back = PushRequest(intended=self.result.before, features=self.request.features)
                current = compliance.numbered_running(session, session.running_config())
                undo = plan_commands(current, back, session.platform.name)
                if undo:
                    session.config_set(undo)
                left = plan_commands(session.running_config(), back, session.platform.name)
                self.net.confirm(session)
                self.result.reverted = not left
                exc.hint = (
                    "the device answered again and was put back on its previous configuration"
                    if not left
                    else f"the revert left differences, fix by hand: {left}"
                )
                return
        except NetdevError:
            pass
        if not self.net.armed:
            exc.hint = (
                "no safety net was armed (safety_net: none): read the device and check by hand"
            )
            return
        exc.hint = (
            f"the device does not answer; the safety net ({self.result.safety_net}) restores "
            "the previous configuration when it expires, no action needed"
        )
        if self.request.wait_for_revert:
            self._wait_for_revert(exc)

    def _wait_for_revert(self, exc: NetdevError) -> None:
        deadline = time.monotonic() + self.request.revert_wait_seconds
        back = PushRequest(intended=self.result.before, features=self.request.features)
        while time.monotonic() < deadline:
            try:
                with self.open_session() as session:
                    left = plan_commands(session.running_config(), back, session.platform.name)
                    if not left:
                        self.result.reverted = True
                        exc.hint = (
                            f"the safety net ({self.result.safety_net}) fired: the device is back "
                            "on its previous configuration"
                        )
                        return
            except NetdevError:
                pass
            time.sleep(1.0)
        exc.hint = "the safety net did not restore the device in time: check it by hand"
