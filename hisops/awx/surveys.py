"""Surveys from the playbooks: every variable an operator may give becomes a question.

An operator variable is a name a playbook (or the defaults of a role it runs) reads in a
template without defining it: ``isolate_reason: "{{ reason | default('') }}"`` makes
``reason`` one. Names are found with Jinja2's own parser (``meta.find_undeclared_variables``),
not by pattern. The question's type, choices, description and whether it is required come
from the role argument spec of the role variable it feeds (``isolate_reason`` in
roles/isolate/meta/argument_specs.yml); its default is the ``default(...)`` the template
gives it, else the spec's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2 import meta, nodes

COLLECTION_PREFIX = "hisops.emergency."
# Names Ansible itself defines (magic and connection variables, lookups): never asked.
ANSIBLE_NAMES = frozenset(
    {
        "groups", "hostvars", "inventory_hostname", "inventory_hostname_short", "group_names",
        "playbook_dir", "role_path", "role_name", "omit", "item", "play_hosts",
        "ansible_play_hosts", "ansible_play_batch", "lookup", "query", "q", "now",
        "undef", "range", "dict", "lipsum", "cycler", "joiner", "namespace", "environment",
    }
)  # fmt: skip
# ansible_*: Ansible's own; hisops_*: the site's settings, kept in the inventory
# (inventories/example/group_vars), never asked per run.
NOT_ASKED_PREFIXES = ("ansible_", "hisops_")
# Survey types AWX knows (awx/main/models/mixins.py SurveyJobTemplateMixin)
SPEC_TO_SURVEY = {
    "str": "text",
    "path": "text",
    "raw": "text",
    "int": "integer",
    "float": "float",
}


@dataclass
class Question:
    variable: str
    type: str
    question_name: str
    question_description: str
    required: bool
    default: Any = ""
    choices: list[str] | None = None
    feeds: str = ""  # the role variable it feeds, when one

    def to_awx(self) -> dict[str, Any]:
        """One entry of a job template's survey_spec.spec, as AWX stores it."""
        entry: dict[str, Any] = {
            "variable": self.variable,
            "question_name": self.question_name,
            "question_description": self.question_description,
            "type": self.type,
            "required": self.required,
        }
        if self.choices is not None:
            entry["choices"] = list(self.choices)
        default = self.default
        if self.type == "multiselect":
            default = "\n".join(str(v) for v in (default or []))
        elif self.type in ("integer", "float"):
            default = default if default not in (None, "") else ""
        elif isinstance(default, bool):
            default = "true" if default else "false"
        elif default is None:
            default = ""
        entry["default"] = default if self.type in ("integer", "float") else str(default)
        if self.type in ("text", "textarea"):
            entry["min"], entry["max"] = 0, 1024
        return entry


class _AnyName(dict):
    """Every filter and test name is known: Ansible's (bool, regex_search, ...) are not
    Jinja2's, and only the variables matter here."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> Any:
        return lambda *args, **kwargs: None

    def get(self, name: str, default: Any = None) -> Any:
        return self[name]


_ENV = jinja2.Environment()
_ENV.filters = _AnyName(_ENV.filters)
_ENV.tests = _AnyName(_ENV.tests)


def _templates(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(the key a string is the value of, the string) for every templated string."""
    if isinstance(value, str):
        if "{{" in value or "{%" in value:
            yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k in ("when", "that") and isinstance(v, str | list):
                for cond in v if isinstance(v, list) else [v]:
                    if isinstance(cond, str):
                        yield k, "{{ " + cond + " }}"
            else:
                yield from _templates(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _templates(v, key)


def _defined(value: Any) -> set[str]:
    """Names a play, role parameters, defaults, register or set_fact define."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("vars", "defaults") and isinstance(v, dict):
                found.update(v)
            elif k == "register" and isinstance(v, str):
                found.add(v)
            elif k == "ansible.builtin.set_fact" and isinstance(v, dict):
                found.update(v)
            elif k == "loop_var" and isinstance(v, str):
                found.add(v)
            found |= _defined(v)
    elif isinstance(value, list):
        for v in value:
            found |= _defined(v)
    return found


def _default_of(template: str, name: str) -> tuple[bool, Any]:
    """Whether ``name | default(X)`` appears in template, and X as a constant."""
    try:
        tree = _ENV.parse(template)
    except jinja2.TemplateSyntaxError:
        return False, None
    for node in tree.find_all(nodes.Filter):
        if (
            node.name == "default"
            and isinstance(node.node, nodes.Name)
            and node.node.name == name
            and node.args
        ):
            try:
                return True, node.args[0].as_const()
            except nodes.Impossible:
                return False, None
    return False, None


def _undeclared(template: str) -> set[str]:
    try:
        return set(meta.find_undeclared_variables(_ENV.parse(template)))
    except jinja2.TemplateSyntaxError:
        return set()


@dataclass
class PlaybookSource:
    """What a playbook reads: its own templates and those of the roles it runs."""

    templates: list[tuple[str, str]]
    defined: set[str]
    specs: dict[str, dict[str, Any]]  # role variable -> its argument spec option
    roles: list[str]
    asserted: set[str]  # names the playbook asserts are defined


def _roles_of(value: Any) -> list[str]:
    roles: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "role" and isinstance(v, str):
                roles.append(v)
            elif k in ("ansible.builtin.import_role", "ansible.builtin.include_role"):
                if isinstance(v, dict) and isinstance(v.get("name"), str):
                    roles.append(v["name"])
            else:
                roles.extend(_roles_of(v))
    elif isinstance(value, list):
        for v in value:
            roles.extend(_roles_of(v))
    return roles


def read_playbook(path: Path, repo: Path) -> PlaybookSource:
    plays = yaml.safe_load(path.read_text()) or []
    templates: list[tuple[str, str]] = []
    defined: set[str] = set()
    specs: dict[str, dict[str, Any]] = {}
    roles: list[str] = []
    asserted_elsewhere: set[str] = set()
    for play in plays:
        imported = play.get("ansible.builtin.import_playbook")
        if imported:
            other = read_playbook(path.parent / imported, repo)
            asserted_elsewhere.update(other.asserted)
            templates += other.templates
            defined |= other.defined
            specs.update(other.specs)
            roles += [r for r in other.roles if r not in roles]
            continue
        templates += list(_templates(play))
        defined |= _defined(play)
        for role in _roles_of(play):
            if role.startswith(COLLECTION_PREFIX):
                role = role[len(COLLECTION_PREFIX) :]
            if role not in roles:
                roles.append(role)
    for role in roles:
        role_dir = repo / "roles" / role
        spec_file = role_dir / "meta" / "argument_specs.yml"
        if spec_file.is_file():
            entry_points = (yaml.safe_load(spec_file.read_text()) or {}).get("argument_specs", {})
            for entry in entry_points.values():
                for option, spec in (entry.get("options") or {}).items():
                    specs.setdefault(option, spec or {})
        for tasks_file in sorted((role_dir / "tasks").glob("*.yml")):
            defined |= _defined(yaml.safe_load(tasks_file.read_text()) or [])
        defaults_file = role_dir / "defaults" / "main.yml"
        if defaults_file.is_file():
            defaults = yaml.safe_load(defaults_file.read_text()) or {}
            templates += list(_templates(defaults))
            defined |= set(defaults)
    asserted = {
        match.group(1)
        for key, template in templates
        if key == "that"
        for match in re.finditer(r"\b([a-z_][a-z0-9_]*) is defined", template)
    }
    return PlaybookSource(templates, defined, specs, roles, asserted | asserted_elsewhere)


def questions_for(path: Path, repo: Path) -> list[Question]:
    """The survey questions of one playbook, in the order the playbook reads them."""
    source = read_playbook(path, repo)
    known = source.defined | set(source.specs)
    order: list[str] = []
    for _key, template in source.templates:
        for name in sorted(_undeclared(template)):
            if name in known or name in ANSIBLE_NAMES or name.startswith(NOT_ASKED_PREFIXES):
                continue
            if name not in order:
                order.append(name)
    questions = []
    for name in order:
        feeds, spec, default, has_default = "", {}, None, False
        for key, template in source.templates:
            if name not in _undeclared(template):
                continue
            found, value = _default_of(template, name)
            if found and not has_default:
                has_default, default = True, value
            if key in source.specs and not feeds:
                feeds, spec = key, source.specs[key]
        question = _question(name, feeds, spec, has_default, default)
        if name in source.asserted:
            # the playbook refuses to run without it (an assert "NAME is defined"): its
            # default(...) elsewhere is a placeholder, not a value
            question.required, question.default = True, ""
        questions.append(question)
    return questions


def _question(
    name: str, feeds: str, spec: dict[str, Any], has_default: bool, default: Any
) -> Question:
    kind = spec.get("type", "str")
    choices = spec.get("choices")
    if not has_default:
        default = spec.get("default", "")
    description = str(spec.get("description") or f"Extra variable {name}")
    if feeds:
        description += f" ({feeds})"
    if kind == "bool":
        survey_type, choices = "multiplechoice", ["true", "false"]
        default = bool(default) if isinstance(default, bool) else str(default).lower() == "true"
    elif kind == "list":
        survey_type = "multiselect" if choices else "textarea"
        if not choices:
            default = "\n".join(str(v) for v in default or [])
    elif choices:
        survey_type = "multiplechoice"
        choices = [str(c) for c in choices]
    else:
        survey_type = SPEC_TO_SURVEY.get(kind, "text")
    return Question(
        variable=name,
        type=survey_type,
        question_name=name.replace("_", " ").capitalize(),
        question_description=description,
        required=bool(spec.get("required", False)),
        default=default,
        choices=list(choices) if choices else None,
        feeds=feeds,
    )


def survey_spec(name: str, questions: list[Question], incident: bool = True) -> dict[str, Any]:
    """A job template's survey_spec. Every job may name the incident it is run for (the
    run record links it: plugins/callback/run_record.py)."""
    spec = [q.to_awx() for q in questions]
    if incident and not any(q.variable == "incident" for q in questions):
        spec.append(
            Question(
                variable="incident",
                type="text",
                question_name="Incident",
                question_description="The open incident this run is for (hisops incident "
                "list); its timeline gets the run record",
                required=False,
            ).to_awx()
        )
    return {"name": name, "description": f"Extra variables of {name}", "spec": spec}
