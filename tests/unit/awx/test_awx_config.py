"""awx/configure.yml, the AWX configuration as code (issue 21): current, complete, valid.

- generated: ``hisops awx export`` gives the checked-in file byte for byte;
- surveys: every variable a playbook reads from its operator is a question of its job
  template, typed from the role argument spec it feeds; a playbook that gains one makes
  the check fail;
- every awx.awx task's arguments pass the installed awx.awx module's own argument spec
  (and its mutually_exclusive / required_if ...), through ansible-core's validator;
- ansible-lint's production profile passes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from hisops.awx import export, surveys

REPO_ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
AWX_COLLECTIONS = REPO_ROOT / ".venv" / "awx-collections"
CONFIGURE = REPO_ROOT / "awx" / "configure.yml"


@pytest.fixture(scope="module")
def configure() -> list[dict]:
    [play] = yaml.safe_load(CONFIGURE.read_text())
    return play["tasks"]


def _module_tasks(tasks: list[dict], module: str) -> list[dict]:
    return [task[f"awx.awx.{module}"] for task in tasks if f"awx.awx.{module}" in task]


def _surveys(tasks: list[dict]) -> dict[str, dict]:
    return {
        jt["playbook"]: {q["variable"]: q for q in jt["survey_spec"]["spec"]}
        for jt in _module_tasks(tasks, "job_template")
    }


def missing_questions(repo: Path, tasks: list[dict]) -> dict[str, list[str]]:
    """Playbook -> the operator variables its job template's survey lacks."""
    asked = _surveys(tasks)
    missing = {}
    for name in export.playbook_names(repo):
        path = f"playbooks/{name}.yml"
        wanted = [q.variable for q in surveys.questions_for(repo / path, repo)]
        lacking = [v for v in wanted if v not in asked.get(path, {})]
        if lacking:
            missing[path] = lacking
    return missing


def test_configure_yml_is_current() -> None:
    assert CONFIGURE.read_text() == export.render(REPO_ROOT), (
        "awx/configure.yml is out of date: run hisops awx export"
    )


def test_every_playbook_has_a_job_template_and_every_variable_a_question(configure) -> None:
    templates = {jt["playbook"] for jt in _module_tasks(configure, "job_template")}
    assert templates == {f"playbooks/{n}.yml" for n in export.playbook_names(REPO_ROOT)}
    assert not {"playbooks/schedules.yml", "playbooks/db_drill_crash.yml"} & templates
    assert missing_questions(REPO_ROOT, configure) == {}


def test_a_playbook_gaining_a_variable_fails_the_check(tmp_path: Path, configure) -> None:
    for part in ("playbooks", "roles"):
        shutil.copytree(REPO_ROOT / part, tmp_path / part)
    isolate = tmp_path / "playbooks" / "isolate.yml"
    isolate.write_text(
        isolate.read_text().replace(
            "        isolate_lock_wait:",
            '        isolate_acl_number: "{{ acl_number | default(3999) }}"\n'
            "        isolate_lock_wait:",
        )
    )
    assert missing_questions(tmp_path, configure)["playbooks/isolate.yml"] == ["acl_number"]
    [question] = [q for q in surveys.questions_for(isolate, tmp_path) if q.variable == "acl_number"]
    assert (question.type, question.default, question.feeds) == (
        "integer",
        3999,
        "isolate_acl_number",
    )


def test_survey_questions_take_type_choices_default_required_from_the_specs(configure) -> None:
    asked = _surveys(configure)
    isolate = asked["playbooks/isolate.yml"]
    assert list(isolate) == ["segment", "host", "port", "reason", "force", "lock_wait",
                             "incident"]  # fmt: skip
    assert isolate["reason"]["type"] == "text" and isolate["reason"]["required"] is False
    assert isolate["force"] | {} == isolate["force"] and isolate["force"]["choices"] == [
        "true",
        "false",
    ]
    assert isolate["force"]["default"] == "false"
    assert isolate["lock_wait"]["type"] == "integer" and isolate["lock_wait"]["default"] == 300
    fence = asked["playbooks/db_failover.yml"]["fence"]
    assert fence["type"] == "multiselect"
    assert fence["choices"] == ["ssh", "switch_port", "site_command"]
    assert fence["default"] == "ssh"
    swap = asked["playbooks/spare_swap.yml"]
    assert swap["failed"]["required"] and swap["spare"]["required"]
    assert swap["open_isolations"]["type"] == "multiplechoice"
    # asserted by the playbook before anything runs: required, no placeholder default
    device = asked["playbooks/vendor_access.yml"]["device"]
    assert device["required"] is True and device["default"] == ""
    update = asked["playbooks/client_update.yml"]
    assert {"version", "group", "batch_size", "max_fail_percent"} <= set(update)
    assert update["max_fail_percent"]["type"] == "float"
    assert asked["playbooks/db_switchover.yml"]["target"]["type"] == "text"
    # the site's settings (inventory) and Ansible's own names are never asked
    assert not [v for s in asked.values() for v in s if v.startswith(("hisops_", "ansible_"))]


def test_workflows_chain_the_plans_steps(configure) -> None:
    workflows = {w["name"]: w for w in _module_tasks(configure, "workflow_job_template")}
    failover = workflows["hisops db failover then PgBouncer"]["workflow_nodes"]
    assert [n["unified_job_template"]["name"] for n in failover] == [
        "hisops db_failover",
        "hisops db_pgbouncer",
    ]
    assert failover[0]["related"] == {"success_nodes": [{"identifier": "db_pgbouncer"}]}
    isolate = workflows["hisops isolate then status"]["workflow_nodes"]
    assert isolate[0]["related"] == {"success_nodes": [{"identifier": "isolation_status"}]}
    names = {jt["name"] for jt in _module_tasks(configure, "job_template")}
    for workflow in workflows.values():
        assert {n["unified_job_template"]["name"] for n in workflow["workflow_nodes"]} <= names


@pytest.fixture(scope="module")
def awx_specs(configure) -> dict[str, dict]:
    modules = sorted(
        {key.split(".")[-1] for t in configure for key in t if key.startswith("awx.awx.")}
    )
    assert (AWX_COLLECTIONS / "ansible_collections" / "awx" / "awx" / "MANIFEST.json").is_file()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("awx_argspecs.py")),
         str(AWX_COLLECTIONS), *modules],
        capture_output=True, text=True, timeout=120, check=False,
        env=os.environ | {"PYTHONWARNINGS": "ignore:DSA is deprecated"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    specs = json.loads(done.stdout)
    assert set(specs) == set(modules)
    return specs


def test_every_task_passes_the_awx_modules_argument_spec(configure, awx_specs) -> None:
    checked = 0
    for task in configure:
        [module] = [key for key in task if key.startswith("awx.awx.")]
        spec = awx_specs[module.split(".")[-1]]
        validator = ArgumentSpecValidator(
            spec["argument_spec"],
            mutually_exclusive=spec.get("mutually_exclusive"),
            required_together=spec.get("required_together"),
            required_one_of=spec.get("required_one_of"),
            required_if=spec.get("required_if"),
            required_by=spec.get("required_by"),
        )
        result = validator.validate(task[module])
        assert not result.error_messages, (task["name"], result.error_messages)
        checked += 1
    assert checked == len(configure) > 30


def test_the_validation_catches_a_wrong_argument(awx_specs) -> None:
    spec = awx_specs["job_template"]
    result = ArgumentSpecValidator(spec["argument_spec"]).validate(
        {"name": "x", "playbook": "playbooks/isolate.yml", "survey": {"spec": []}}
    )
    assert any("survey" in message for message in result.error_messages)


def test_ansible_lint_production_profile_passes(tmp_path: Path) -> None:
    """In a copy of its own (the playbook, the repository's lint and yamllint settings): a
    run in the checkout would install the collection into the caches the ansible-lint and
    molecule gates use while they run beside pytest (scripts/test)."""
    (tmp_path / "awx").mkdir()
    shutil.copy(CONFIGURE, tmp_path / "awx" / "configure.yml")
    for name in (".ansible-lint", ".yamllint"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    env = os.environ | {
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(
            [str(AWX_COLLECTIONS), str(REPO_ROOT / "collections")]
        ),
        "HOME": str(tmp_path / "home"),
        "PYTHONWARNINGS": "ignore:DSA is deprecated",
    }
    env.pop("ANSIBLE_CONFIG", None)
    done = subprocess.run(
        [str(BIN / "ansible-lint"), "--profile", "production", "--offline", "awx/configure.yml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Profile 'production' was required, and it passed" in done.stdout + done.stderr


# awx/main/constants.py SURVEY_TYPE_MAPPING (AWX 24.6.1)
SURVEY_TYPE_MAPPING = {
    "text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
    "integer": int, "float": (float, int),
}  # fmt: skip


def awx_survey_errors(spec: dict) -> list[str]:
    """What AWX refuses when a survey spec is saved (awx/api/views/__init__.py
    JobTemplateSurveySpec._validate_spec_data, AWX 24.6.1), restated."""
    errors = []
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(field), kind):
            errors.append(f"{field} missing or not {kind.__name__}")
    if not spec.get("spec"):
        return [*errors, "spec doesn't contain any items"]
    variables: set[str] = set()
    for index, item in enumerate(spec["spec"]):
        where = f"question {index} ({item.get('variable')})"
        for field in ("type", "question_name", "variable", "required"):
            kind = bool if field == "required" else str
            if not isinstance(item.get(field), kind):
                errors.append(f"{where}: {field} missing or not {kind.__name__}")
        if item.get("variable") in variables:
            errors.append(f"{where}: variable duplicated")
        variables.add(item.get("variable"))
        qtype = item.get("type")
        if qtype not in SURVEY_TYPE_MAPPING:
            errors.append(f"{where}: type {qtype!r} unknown")
            continue
        default = item.get("default", "")
        if default != "" and not isinstance(default, SURVEY_TYPE_MAPPING[qtype]):
            errors.append(f"{where}: default {default!r} is not {qtype}")
        for key in ("min", "max"):
            if item.get(key) is not None and not isinstance(item[key], int):
                errors.append(f"{where}: {key} not an integer")
        if qtype in ("multiselect", "multiplechoice"):
            if "choices" not in item:
                errors.append(f"{where}: no choices")
                continue
            defaults = [d for d in str(default).splitlines() if d.strip()]
            if qtype == "multiplechoice" and len(defaults) > 1:
                errors.append(f"{where}: several defaults")
            if any(d not in item["choices"] for d in defaults):
                errors.append(f"{where}: default not among the choices")
    return errors


def test_every_survey_is_one_awx_accepts(configure) -> None:
    for template in _module_tasks(configure, "job_template"):
        assert awx_survey_errors(template["survey_spec"]) == [], template["name"]
    broken = {"name": "x", "description": "", "spec": [
        {"variable": "a", "question_name": "A", "type": "multiplechoice", "required": False,
         "choices": ["true", "false"], "default": "yes"},
        {"variable": "a", "question_name": "A", "type": "integer", "required": "no",
         "default": "5"},
    ]}  # fmt: skip
    assert len(awx_survey_errors(broken)) == 4


# awx/main/constants.py ENV_BLOCKLIST (AWX 24.6.1), the names a credential may not set
ENV_BLOCKLIST = frozenset({
    "VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
    "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN",
    "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG",
    "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH",
})  # fmt: skip


def test_credential_types_are_ones_awx_accepts(configure) -> None:
    """What AWX receives (Ansible renders the task's arguments first) passes AWX's checks of
    a credential type (awx/main/fields.py CredentialTypeInputField, CredentialTypeInjectorField:
    input types, env names, every injector template rendered with the input ids only)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template
    from jinja2 import StrictUndefined, sandbox

    templar = Templar(loader=DataLoader())
    types = _module_tasks(configure, "credential_type")
    assert {t["name"] for t in types} == {
        "hisops switch login", "hisops host login", "hisops controller store"
    }  # fmt: skip
    for ctype in types:
        fields = ctype["inputs"]["fields"]
        ids = {f["id"] for f in fields}
        assert set(ctype["inputs"]["required"]) <= ids
        for field in fields:
            assert field["type"] in ("string", "boolean") and field["label"]
            assert not (field.get("secret") and field["type"] != "string")
        namespace = dict.fromkeys(ids, "EXAMPLE")
        for kind, injected in ctype["injectors"].items():
            assert kind in ("env", "extra_vars", "file")
            for key, value in injected.items():
                sent = templar.template(trust_as_template(value))
                assert "{{" in sent, (key, sent)  # a template for AWX, not rendered by Ansible
                rendered = (
                    sandbox.ImmutableSandboxedEnvironment(undefined=StrictUndefined)
                    .from_string(sent)
                    .render(namespace)
                )
                assert "EXAMPLE" in rendered
                if kind == "env":
                    assert re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", key)
                    assert not key.startswith("ANSIBLE_") and key not in ENV_BLOCKLIST
                    assert rendered.isascii()
    store = next(t for t in types if t["name"] == "hisops controller store")
    env = store["injectors"]["env"]
    assert {"HISOPS_STATE_DIR", "HISOPS_RUN_RECORD_DIR", "HISOPS_KNOWN_HOSTS"} <= set(env)
