"""What the three switch engines share: the command matcher, sessions, device state.

A platform engine declares, per CLI mode, a list of command patterns such as
``"port trunk allow-pass vlan <vlans>"`` bound to handler methods. The matcher resolves
abbreviations (unique prefixes of keywords among the commands possible at that point, as
real CLIs do), reports unrecognized/incomplete/ambiguous input with the position of the
fault, and hands typed arguments to the handler. The engine turns faults into its own
error text.

Pattern tokens: a lower-case keyword, or one of the parameters
``<int>`` ``<vlan>`` ``<ip>`` ``<mask>`` (dotted or prefix length) ``<word>``
``<if>`` (interface name, one word or type and number as two) ``<text>`` (the rest of the
line, raw) ``<vlans>`` (the rest of the line as a VRP VLAN list) ``<vlanlist>``
(one IOS-style list word) ``<time>`` (HH:MM) ``<date>`` (YYYY/MM/DD or MM/DD/YYYY).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hisops.lab.contract import DeviceHost, MacEntry, Reply, TimerHandle
from hisops.lab.devices import secrets
from hisops.lab.devices.model import (
    DeviceConfig,
    Interface,
    LocalUser,
    StaticRoute,
    Vlan,
    VlanIf,
    VlanListError,
    parse_vlan_list_ios,
    parse_vlan_list_vrp,
    prefixlen_to_mask,
)

# --- matching -------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    start: int


def split_words(line: str) -> list[Word]:
    return [Word(m.group(0), m.start()) for m in re.finditer(r"\S+", line)]


@dataclass
class Command:
    pattern: str
    handler: str  # method name on the session
    tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tokens = self.pattern.split()


def cmds(*pairs: tuple[str, str]) -> list[Command]:
    return [Command(pattern, handler) for pattern, handler in pairs]


ALL_VLANS = set(range(1, 4095))


@dataclass
class Match:
    command: Command
    args: list[Any]
    words: list[Word]


@dataclass
class ParseFault:
    kind: str  # unrecognized | incomplete | ambiguous | too_many | wrong_parameter
    column: int  # character offset in the typed line
    word: str = ""


class ParamError(ValueError):
    pass


InterfaceResolver = Callable[[str], str | None]

_IP_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


def _ip(text: str) -> str:
    if not _IP_RE.match(text):
        raise ParamError(text)
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError as exc:
        raise ParamError(text) from exc


def _mask(text: str) -> str:
    if text.isdigit() and int(text) <= 32:
        return str(ipaddress.IPv4Network(f"0.0.0.0/{text}").netmask)
    mask = _ip(text)
    try:
        ipaddress.IPv4Network(f"0.0.0.0/{mask}")
    except ValueError as exc:
        raise ParamError(text) from exc
    return mask


def _int(text: str) -> int:
    if not text.isdigit():
        raise ParamError(text)
    return int(text)


def _vlan(text: str) -> int:
    value = _int(text)
    if not 1 <= value <= 4094:
        raise ParamError(text)
    return value


def _time(text: str) -> str:
    if not _TIME_RE.match(text):
        raise ParamError(text)
    hours, minutes = text.split(":")
    return f"{int(hours):02d}:{minutes}"


def _date(text: str) -> str:
    for fmt in ("%Y/%m/%d", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).strftime("%Y/%m/%d")
        except ValueError:
            continue
    raise ParamError(text)


_SIMPLE_PARAMS: dict[str, Callable[[str], Any]] = {
    "<int>": _int,
    "<vlan>": _vlan,
    "<ip>": _ip,
    "<mask>": _mask,
    "<word>": lambda text: text,
    "<time>": _time,
    "<date>": _date,
    "<vlanlist>": lambda text: _vlans_ios(text),
}


def _vlans_ios(text: str) -> set[int]:
    try:
        return parse_vlan_list_ios(text)
    except VlanListError as exc:
        raise ParamError(text) from exc


@dataclass
class _State:
    command: Command
    token: int
    word: int
    args: list[Any]
    history: tuple[Any, ...]


def match_command(
    commands: Iterable[Command], line: str, resolve_interface: InterfaceResolver
) -> Match | ParseFault:
    """Match one typed line against the commands of a mode."""
    words = split_words(line)
    end_column = len(line) if line.endswith(" ") else len(line) + 1
    states = [_State(c, 0, 0, [], ()) for c in commands]
    complete: list[_State] = []
    faults: list[ParseFault] = []

    def fault_at(word_index: int, kind: str, offset: int = 0) -> ParseFault:
        if word_index >= len(words):
            return ParseFault(kind, end_column)
        word = words[word_index]
        return ParseFault(kind, word.start + offset, word.text)

    while states:
        next_states: list[_State] = []
        groups: dict[tuple[Any, ...], list[_State]] = {}
        for state in states:
            if state.token == len(state.command.tokens):
                if state.word == len(words):
                    complete.append(state)
                else:
                    faults.append(fault_at(state.word, "too_many"))
                continue
            if state.word == len(words):
                faults.append(fault_at(state.word, "incomplete"))
                continue
            groups.setdefault(state.history, []).append(state)
        for group in groups.values():
            word = words[group[0].word]
            typed = word.text.lower()
            keywords = {
                s.command.tokens[s.token]
                for s in group
                if not s.command.tokens[s.token].startswith("<")
            }
            exact = typed if typed in keywords else None
            prefixed = {k for k in keywords if k.startswith(typed)}
            chosen: str | None = exact or (next(iter(prefixed)) if len(prefixed) == 1 else None)
            ambiguous = exact is None and len(prefixed) > 1
            param_matched = False
            for state in group:
                token = state.command.tokens[state.token]
                if not token.startswith("<"):
                    if token == chosen:
                        next_states.append(
                            _State(
                                state.command,
                                state.token + 1,
                                state.word + 1,
                                state.args,
                                (*state.history, token),
                            )
                        )
                    continue
                for consumed, value in _match_param(
                    token, words, state.word, line, resolve_interface
                ):
                    param_matched = True
                    next_states.append(
                        _State(
                            state.command,
                            state.token + 1,
                            state.word + consumed,
                            [*state.args, value],
                            (*state.history, token, state.word + consumed),
                        )
                    )
            if chosen is None and not param_matched:
                has_params = len(keywords) < len({s.command.tokens[s.token] for s in group})
                if ambiguous:
                    faults.append(fault_at(group[0].word, "ambiguous"))
                elif has_params and (not keywords or typed[:1].isdigit()):
                    faults.append(fault_at(group[0].word, "wrong_parameter"))
                elif keywords:
                    lcp = max(_common_prefix(typed, k) for k in keywords)
                    faults.append(fault_at(group[0].word, "unrecognized", lcp))
                else:
                    faults.append(fault_at(group[0].word, "wrong_parameter"))
        states = next_states

    if complete:
        # Prefer the command that consumed keywords literally over free parameters.
        best = min(complete, key=lambda s: sum(1 for t in s.command.tokens if t.startswith("<")))
        return Match(best.command, best.args, words)
    if not faults:
        return ParseFault("unrecognized", words[0].start if words else 0)
    return max(faults, key=_fault_rank)


_KIND_RANK = {
    "incomplete": 0,
    "too_many": 1,
    "wrong_parameter": 2,
    "unrecognized": 3,
    "ambiguous": 4,
}


def _fault_rank(fault: ParseFault) -> tuple[int, int]:
    return (fault.column, _KIND_RANK[fault.kind])


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _match_param(
    token: str, words: list[Word], index: int, line: str, resolve_interface: InterfaceResolver
) -> list[tuple[int, Any]]:
    text = words[index].text
    if token in _SIMPLE_PARAMS:
        try:
            return [(1, _SIMPLE_PARAMS[token](text))]
        except ParamError:
            return []
    if token == "<text>":
        return [(len(words) - index, line[words[index].start :].rstrip())]
    if token == "<vlans>":
        try:
            return [(len(words) - index, parse_vlan_list_vrp([w.text for w in words[index:]]))]
        except VlanListError:
            return []
    if token == "<if>":
        found: list[tuple[int, Any]] = []
        name = resolve_interface(text)
        if name:
            found.append((1, name))
        if index + 1 < len(words):
            name = resolve_interface(text + words[index + 1].text)
            if name:
                found.append((2, name))
        return found
    raise ValueError(f"unknown pattern token {token}")


# --- interface names ------------------------------------------------------------------


def split_interface(name: str) -> tuple[str, str] | None:
    match = re.match(r"^([A-Za-z][A-Za-z\-]*?)\s*(\d[\d/.:]*)$", name.strip())
    if not match:
        return None
    return match.group(1), match.group(2)


def resolve_interface_name(
    typed: str, types: dict[str, list[str]], physical: Iterable[str], virtual: tuple[str, ...]
) -> str | None:
    """Expand ``g0/0/1``/``GE0/0/1`` to ``GigabitEthernet0/0/1`` when that port exists.

    ``types`` maps each full type name to its accepted short forms; ``virtual`` names the
    types (Vlanif, LoopBack...) that exist whatever the hardware.
    """
    parts = split_interface(typed)
    if parts is None:
        return None
    typed_type, number = parts[0].lower(), parts[1]
    candidates = [
        full
        for full, shorts in types.items()
        if full.lower().startswith(typed_type) or typed_type in (s.lower() for s in shorts)
    ]
    exact = [full for full, shorts in types.items() if typed_type in (s.lower() for s in shorts)]
    if exact:
        candidates = exact
    if len(candidates) != 1:
        return None
    full = candidates[0] + number
    if candidates[0] in virtual:
        return full
    return full if full in set(physical) else None


# --- timers, questions, state ---------------------------------------------------------


@dataclass
class Question:
    """A pending ``[Y/N]``-style question; ``answer`` gets the typed line."""

    answer: Callable[[str], Reply]


class NullHost:
    """Stand-in before ``attach``: no data plane, no timers firing."""

    def mac_table(self) -> list:
        return []

    def arp_table(self) -> list:
        return []

    def now(self) -> float:
        return datetime.now(UTC).timestamp()

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle:
        return _NullTimer()

    def disconnect_sessions(self) -> None:
        return None

    def notify_reboot(self, downtime_seconds: float) -> None:
        return None


class _NullTimer:
    def cancel(self) -> None:
        return None


class ConfigLoadError(ValueError):
    """A startup configuration line the engine does not accept."""


@dataclass
class Spec:
    hostname: str
    platform: str
    model: str
    firmware: str
    serial: str
    mac: str
    interfaces: list[str]
    users: list[dict[str, Any]]
    enable_secret: str | None = None
    mgmt: dict[str, Any] | None = None
    startup_config: str | None = None
    boot_seconds: float = 60.0  # how long a reload keeps the device away

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> Spec:
        return cls(
            hostname=spec["hostname"],
            platform=spec["platform"],
            model=spec.get("model", ""),
            firmware=spec.get("firmware", ""),
            serial=spec.get("serial", ""),
            mac=spec.get("mac", "00:e0:fc:00:00:01"),
            interfaces=list(spec.get("interfaces", [])),
            users=list(spec.get("users", [])),
            enable_secret=spec.get("enable_secret"),
            mgmt=spec.get("mgmt"),
            startup_config=spec.get("startup_config"),
            boot_seconds=float(spec.get("boot_seconds", 60.0)),
        )


class BaseDevice:
    """State every engine shares: running/saved configs, timers, reboot, login check."""

    platform = ""
    session_class: type[BaseSession]
    default_service_types: tuple[str, ...] = ("ssh", "terminal")
    has_enable_secret = False  # an ``enable`` password guards privileged EXEC (IOS-like)

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = Spec.from_dict(spec)
        self.name = self.spec.hostname
        self.host: DeviceHost = NullHost()
        self.boot_time = self.host.now()
        self.scheduled_reboot: tuple[float, TimerHandle] | None = None  # (when, timer)
        if self.spec.startup_config:
            self.saved = self.parse_config(self.spec.startup_config)
            self.add_spec_accounts(self.saved)
        else:
            self.saved = self.factory_config()
        self.running = self.saved.copy()

    # -- engines override --
    acl_default_permit = True  # what an ACL does with a packet no rule matches

    def blank_config(self) -> DeviceConfig:
        config = DeviceConfig(
            hostname=self.spec.hostname, acl_default_permit=self.acl_default_permit
        )
        return self.ensure_interfaces(config)

    def render_config(self, config: DeviceConfig) -> str:
        raise NotImplementedError

    def parse_config(self, text: str) -> DeviceConfig:
        raise NotImplementedError

    def type_config(
        self, session: BaseSession, text: str, top: str, refused: str, skip: Callable[[str], bool]
    ) -> None:
        """Type a saved configuration into ``session`` (loading into its ``target``) as the
        device does at boot: a line at the left margin back in mode ``top``, the lines
        ``skip`` names passed over; a line the CLI refuses (a fault, or output starting with
        ``refused``) fails the load naming it."""
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.rstrip()
            stripped = line.strip()
            if not stripped or skip(stripped):
                continue
            if not line.startswith(" "):
                session.leave_to(top)
            session.typed_line = stripped
            result = session.dispatch(stripped)
            error = None
            if isinstance(result, ParseFault):
                error = f"{result.kind.replace('_', ' ')} input"
            elif result.output.startswith(refused):
                error = result.output
            if error:
                raise ConfigLoadError(f"startup_config line {number}: {stripped!r}: {error}")

    def port_up(self, name: str) -> bool:
        """A port is up when it exists, is not shut down and the lab's link is up."""
        intf = self.running.interfaces.get(name)
        if intf is None or intf.shutdown:
            return False
        probe = getattr(self.host, "link_up", None)
        return bool(probe(name)) if callable(probe) else True

    def hash_password(self, password: str) -> str:
        raise NotImplementedError

    # -- shared --
    def factory_config(self) -> DeviceConfig:
        """The saved configuration of a device staged from the spec (no startup_config)."""
        config = self.blank_config()
        for user in self.spec.users:
            config.users[user["name"]] = LocalUser(
                name=user["name"],
                password_hash=self.hash_password(str(user["password"])),
                level=int(user.get("level", 15)),
                service_types=set(self.default_service_types),
            )
        if self.spec.enable_secret:
            config.enable_secret = self.hash_password(self.spec.enable_secret)
        mgmt = self.spec.mgmt
        if mgmt:
            vlan = int(mgmt["vlan"])
            config.vlans.setdefault(vlan, type(config.vlans[1])(vlan))
            mask = str(mgmt["mask"])
            if mask.isdigit():
                mask = prefixlen_to_mask(int(mask))
            config.vlanifs[vlan] = VlanIf(vlan, ip=mgmt["ip"], mask=mask)
            if mgmt.get("gateway"):
                config.static_routes.append(StaticRoute("0.0.0.0", "0.0.0.0", mgmt["gateway"]))
        return config

    def add_spec_accounts(self, config: DeviceConfig) -> None:
        """A startup configuration without accounts gets the spec's (lab convenience)."""
        if not config.users:
            config.users = self.factory_config().users
        if config.enable_secret is None and self.spec.enable_secret and self.has_enable_secret:
            config.enable_secret = self.hash_password(self.spec.enable_secret)

    def new_interface(self, name: str) -> Interface:
        return Interface(name)

    def ensure_interfaces(self, config: DeviceConfig) -> DeviceConfig:
        """Every physical port of the hardware appears, in hardware order."""
        ordered: dict[str, Interface] = {}
        for name in self.spec.interfaces:
            ordered[name] = config.interfaces.get(name) or self.new_interface(name)
        for name, intf in config.interfaces.items():
            ordered.setdefault(name, intf)
        config.interfaces = ordered
        return config

    def attach(self, host: DeviceHost) -> None:
        self.host = host
        self.boot_time = host.now()

    def open_session(self, username: str) -> BaseSession:
        return self.session_class(self, username)

    def check_login(self, username: str, password: str) -> bool:
        user = self.running.users.get(username)
        return user is not None and secrets.verify(password, user.password_hash)

    def power_on(self) -> None:
        self.running = self.saved.copy()
        self.boot_time = self.host.now()
        self.cancel_scheduled_reboot()
        self.on_boot()

    def on_boot(self) -> None:
        """Engines clear their pending commit/rollback timers here."""

    def save(self) -> None:
        self.saved = self.running.copy()

    def erase_saved(self) -> None:
        """``reset saved-configuration``/``erase startup-config``: the next boot is a
        factory-staged one (the spec's accounts and management address only)."""
        self.saved = self.factory_config()

    def reboot(self) -> None:
        """Reload now: sessions drop, the device comes back on the saved configuration."""
        self.cancel_scheduled_reboot()
        self.on_boot()
        self.running = self.saved.copy()
        self.boot_time = self.host.now() + self.spec.boot_seconds
        self.host.notify_reboot(self.spec.boot_seconds)

    def schedule_reboot(self, seconds: float) -> None:
        self.cancel_scheduled_reboot()
        when = self.host.now() + seconds
        self.scheduled_reboot = (when, self.host.call_later(seconds, self._scheduled_fire))

    def _scheduled_fire(self) -> None:
        self.scheduled_reboot = None
        self.reboot()

    def cancel_scheduled_reboot(self) -> bool:
        if self.scheduled_reboot is None:
            return False
        self.scheduled_reboot[1].cancel()
        self.scheduled_reboot = None
        return True

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.host.now(), UTC).replace(tzinfo=None)

    def uptime_seconds(self) -> int:
        return max(0, int(self.host.now() - self.boot_time))

    def mac_entries(
        self, vlan: int | None = None, port: str | None = None, mac: str | None = None
    ) -> list[MacEntry]:
        """The data plane's MAC table, filtered as ``... vlan``/``interface``/address."""
        return [
            entry
            for entry in self.host.mac_table()
            if (vlan is None or entry.vlan == vlan)
            and (port is None or entry.port == port)
            and (mac is None or entry.mac == mac)
        ]

    def mac_dotted(self, sep: str = "-", group: int = 4) -> str:
        digits = self.spec.mac.replace(":", "").replace("-", "").replace(".", "").lower()
        return sep.join(digits[i : i + group] for i in range(0, 12, group))


@dataclass
class Pager:
    """A long output shown a screen at a time behind the platform's More prompt.

    The server feeds it the keys typed while the prompt shows (``key``): space shows the
    next screen, Enter the next line, ``q`` or Ctrl-C stops; any other key is ignored.
    Each key first wipes the More prompt with the platform's erase sequence (VRP and
    Comware move the cursor back with ``ESC[nD``, IOS with backspaces), as the devices do.
    """

    lines: list[str]
    screen: int  # lines shown per screen (the More prompt takes the last terminal line)
    more: str
    erase: str
    shown: int = 0

    def start(self) -> str:
        return self._show(self.screen)

    def _show(self, count: int) -> str:
        chunk = self.lines[self.shown : self.shown + count]
        self.shown += len(chunk)
        text = "".join(line + "\n" for line in chunk)
        if self.done:
            return text
        return text + self.more

    @property
    def done(self) -> bool:
        return self.shown >= len(self.lines)

    def key(self, char: str) -> str | None:
        """The text to print for a key, ``None`` when the key is ignored. After a key
        that ends the display (``done``), the server prints the CLI prompt."""
        if char == " ":
            return self.erase + self._show(self.screen)
        if char in ("\r", "\n"):
            return self.erase + self._show(1)
        if char in ("q", "Q", "\x03"):
            self.shown = len(self.lines)
            return self.erase
        return None


class BaseSession:
    """One CLI session: a mode stack and the dispatcher."""

    commands: dict[str, list[Command]] = {}
    # Paging: the platform's More prompt and the erase sequence printed after each key,
    # and its default screen length (lines per screen); ``screen_length`` is the
    # session's (0: paging off, as netmiko's session preparation sets it).
    more_prompt = "  ---- More ----"
    more_erase = "\x1b[16D                \x1b[16D"
    default_screen_length = 24

    def __init__(self, device: BaseDevice, username: str) -> None:
        self.device = device
        self.username = username
        self.mode = "user"
        self.context: dict[str, Any] = {}
        self.question: Question | None = None
        self.loading = False  # True while replaying a configuration file
        self.screen_length = self.default_screen_length
        self.target: DeviceConfig | None = None  # the configuration a file is loaded into
        self.typed_line = ""

    def set_screen_length(self, lines: int) -> str:
        self.screen_length = lines
        return ""

    def disable_paging(self) -> str:
        return self.set_screen_length(0)

    def default_paging(self) -> str:
        return self.set_screen_length(self.default_screen_length)

    def paginate(self, output: str) -> Pager | None:
        """A pager when ``output`` is longer than one screen and paging is on."""
        if self.screen_length <= 0 or self.loading:
            return None
        lines = output.rstrip("\n").split("\n")
        screen = max(1, self.screen_length - 1)
        if len(lines) <= screen:
            return None
        return Pager(lines, screen, self.more_prompt, self.more_erase)

    @property
    def cfg(self) -> DeviceConfig:
        return self.target if self.target is not None else self.device.running

    # -- management lists every platform keeps alike (the command words differ) ---------
    def ntp_server(self, ip: str) -> str:
        if ip not in self.cfg.management.ntp_servers:
            self.cfg.management.ntp_servers.append(ip)
        return ""

    def remove_ntp_server(self, ip: str) -> str:
        if ip in self.cfg.management.ntp_servers:
            self.cfg.management.ntp_servers.remove(ip)
        return ""

    def log_host(self, ip: str) -> str:
        if ip not in self.cfg.management.log_hosts:
            self.cfg.management.log_hosts.append(ip)
        return ""

    def remove_log_host(self, ip: str) -> str:
        if ip in self.cfg.management.log_hosts:
            self.cfg.management.log_hosts.remove(ip)
        return ""

    def set_snmp_community(self, community: str, access: str) -> str:
        self.cfg.management.snmp_communities[community] = access
        return ""

    def remove_snmp_community(self, community: str) -> str:
        self.cfg.management.snmp_communities.pop(community, None)
        return ""

    def login_banner(self) -> str:
        return ""

    def prompt(self) -> str:
        raise NotImplementedError

    # full interface type -> the short forms typed; the types that exist without a port
    interface_types: dict[str, list[str]] = {}
    virtual_types: tuple[str, ...] = ()

    def resolve_interface(self, typed: str) -> str | None:
        return resolve_interface_name(
            typed, self.interface_types, self.cfg.interfaces.keys(), self.virtual_types
        )

    def format_fault(self, fault: ParseFault) -> str:
        raise NotImplementedError

    def refuse(self, line: str) -> str:
        self.typed_line = line
        return self.format_fault(ParseFault("unrecognized", len(line) - len(line.lstrip())))

    def parent_modes(self, mode: str) -> list[str]:
        """Modes to fall back to when a line does not match in ``mode``."""
        return []

    comment_prefix = "#"

    def handle(self, line: str) -> Reply:
        self.typed_line = line
        if self.question is not None:
            question, self.question = self.question, None
            return question.answer(line.strip())
        if not line.strip() or line.lstrip().startswith(self.comment_prefix):
            return Reply("")  # comment lines of a pasted configuration file
        return self.execute(line)

    show_prefix = ""  # how every show command starts ("sh", "dis"): it takes ``| include X``

    def execute(self, line: str) -> Reply:
        command, pipe = split_pipe(line)
        shown = self.show_prefix and command.strip().lower().startswith(self.show_prefix)
        if pipe is not None and shown:
            reply = self.execute_line(command)
            return Reply(apply_output_filter(reply.output, "pipe", *pipe), reply.close)
        return self.execute_line(line)

    def execute_line(self, line: str) -> Reply:
        result = self.dispatch(line)
        if isinstance(result, ParseFault):
            return Reply(self.format_fault(result))
        return result

    def refresh_context(self) -> None:
        """Re-bind the view's objects to the running configuration.

        Another session, a rollback or a revert may have replaced or deleted what this
        session's view edits; the view then edits (and recreates) the live object.
        """
        ctx, cfg = self.context, self.cfg
        if "acl" in ctx:
            ctx["acl"] = cfg.acls.setdefault(ctx["acl"].name, ctx["acl"])
        if "time_range" in ctx:
            ctx["time_range"] = cfg.time_ranges.setdefault(
                ctx["time_range"].name, ctx["time_range"]
            )
        if "user" in ctx and isinstance(ctx["user"], str):
            cfg.users.setdefault(ctx["user"], LocalUser(ctx["user"], "", 0, set()))
        if self.mode in ("vlanif", "svi") and ctx["vlan"] not in cfg.vlanifs:
            cfg.vlanifs[ctx["vlan"]] = VlanIf(ctx["vlan"])
            cfg.vlanifs = dict(sorted(cfg.vlanifs.items()))
        if self.mode == "vlan":
            wanted = ctx.get("vlans") or [ctx["vlan"]]
            if any(v not in cfg.vlans for v in wanted):
                for vlan in wanted:
                    cfg.vlans.setdefault(vlan, Vlan(vlan))
                cfg.vlans = dict(sorted(cfg.vlans.items()))

    def dispatch(self, line: str) -> Reply | ParseFault:
        self.refresh_context()
        match = match_command(self.commands.get(self.mode, []), line, self.resolve_interface)
        if isinstance(match, ParseFault):
            for parent in self.parent_modes(self.mode):
                parent_match = match_command(
                    self.commands.get(parent, []), line, self.resolve_interface
                )
                if isinstance(parent_match, Match):
                    self.leave_to(parent)
                    match = parent_match
                    break
        if isinstance(match, ParseFault):
            return match
        handler = getattr(self, match.command.handler)
        result = handler(*match.args)
        if isinstance(result, Reply | ParseFault):
            return result
        return Reply(result or "")

    def leave_to(self, mode: str) -> None:
        self.mode = mode
        self.context = {}

    def ask(self, output: str, answer: Callable[[str], Reply]) -> Reply:
        self.question = Question(answer)
        return Reply(output)

    # -- an interface's view, alike in every family (the VLAN interface's mode differs) --
    vlan_interface_mode = "svi"

    @property
    def intf(self) -> Interface:
        return self.cfg.interfaces[self.context["name"]]

    def vif(self) -> VlanIf:
        return self.cfg.vlanifs[self.context["vlan"]]

    def _target(self) -> Interface | VlanIf:
        return self.vif() if self.mode == self.vlan_interface_mode else self.intf

    def if_description(self, text: str) -> str:
        self._target().description = text
        return ""

    def if_no_description(self) -> str:
        self._target().description = ""
        return ""

    def if_shutdown(self) -> str:
        self._target().shutdown = True
        return ""

    def if_no_shutdown(self) -> str:
        self._target().shutdown = False
        return ""


def apply_output_filter(text: str, pipe: str, how: str, pattern: str) -> str:
    """``| include``/``| exclude``/``| begin`` (all platforms), ``| section`` (IOS)."""
    try:
        regex = re.compile(pattern)
    except re.error:
        regex = re.compile(re.escape(pattern))
    lines = text.split("\n")
    if how == "include":
        return "\n".join(line for line in lines if regex.search(line))
    if how == "exclude":
        return "\n".join(line for line in lines if not regex.search(line))
    if how == "section":
        kept: list[str] = []
        inside = False
        for line in lines:
            if not line.startswith(" "):
                inside = bool(regex.search(line))
            if inside:
                kept.append(line)
        return "\n".join(kept)
    for index, line in enumerate(lines):
        if regex.search(line):
            return "\n".join(lines[index:])
    return ""


def split_pipe(line: str) -> tuple[str, tuple[str, str] | None]:
    """Split ``display x | include y`` into the command and its filter."""
    if "|" not in line:
        return line, None
    command, _, rest = line.partition("|")
    words = rest.split(maxsplit=1)
    if len(words) != 2:
        return line, None
    for how in ("include", "exclude", "begin", "section"):
        if how.startswith(words[0].lower()) and len(words[0]) >= 1:
            return command.rstrip(), (how, words[1])
    return line, None


def config_block(text: str, header: str) -> list[str]:
    """The ``header`` line of a rendered configuration and its indented body."""
    lines = text.split("\n")
    if header not in lines:
        return []
    start = lines.index(header)
    end = start + 1
    while end < len(lines) and lines[end].startswith(" "):
        end += 1
    return lines[start:end]


def normalise_mac(text: str) -> str | None:
    """``0025-9e80-2494``, ``0025.9e80.2494`` or ``00:25:9e:80:24:94`` -> colon form."""
    digits = re.sub(r"[-.:]", "", text.lower())
    if not re.fullmatch(r"[0-9a-f]{12}", digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
