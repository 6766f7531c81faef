"""System-written timeline entries in the reader's language: each is a message key and its
parameters (migration 3), rendered per language in the report, ``show`` and the
maintenance log; the operator's own words stay as typed; rows written before the keys
render as they were written."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
import time_machine
import yaml

from hisops import drill
from hisops.incident import cli, config, messages, notices, report, service
from hisops.incident import store as store_mod
from hisops.incident.drills import DrillProgress
from hisops.incident.store import Store

T0 = "2026-03-03T12:00:00Z"  # 20:00 in Asia/Shanghai
SITE = {
    "language": "zh",
    "people": [
        {"id": "li", "name": "李明", "role": "network_admin"},
        {"id": "zhang", "name": "张主任", "role": "it_head"},
        # a robot whose URL is not set: its sends fail (and are retried)
        {"id": "wang", "name": "王院长", "role": "leadership", "webhook": "office"},
    ],
    "channels": {"console": True, "webhooks": {"office": {"url_env": "HISOPS_TEST_NO_URL"}}},
}


def _fragments(language: str) -> set[str]:
    """The catalogue's fixed words in ``language`` that the other language never uses."""
    other = "en" if language == "zh" else "zh"
    letters = r"[A-Za-z]{3}" if language == "en" else r"[\u4e00-\u9fff]"
    found = set()
    for texts in messages.CATALOGUE.values():
        for part in re.split(r"\{[^}]*\}", texts[language]):
            part = part.strip(" :;,.()<>-（）：；，、×")
            if re.search(letters, part):
                found.add(part)
    return {f for f in found if not any(f in t[other] for t in messages.CATALOGUE.values())}


def _visible(page: str) -> str:
    body = page.split("<body>", 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _foreign(text: str, language: str) -> list[str]:
    """The other language's catalogue words found in ``text``."""
    other = "en" if language == "zh" else "zh"
    bound = (r"(?<![A-Za-z])", r"(?![A-Za-z])") if other == "en" else ("", "")
    return sorted(
        f for f in _fragments(other) if re.search(bound[0] + re.escape(f) + bound[1], text)
    )


def _major(ctx, clock) -> int:
    """An incident that makes every kind of system entry but the drill's."""
    out = io.StringIO()
    number = service.open_incident(
        ctx,
        title="HIS 数据库服务器宕机",
        klass="3",
        department="pharmacy",
        reporter="王药师",
        symptoms=["cannot_enter"],
    )
    service.reclassify(ctx, number, "1", reason="全院都无法登录")
    service.assign(ctx, number, "李明")
    service.assign(ctx, number, "李明", group="repair")
    service.escalate(ctx, number, "zhang", "请到机房")
    service.estimate(ctx, number, "+1h")  # past the 30 min threshold: that notice at once
    notices.tick(ctx, out=out)
    clock.shift(timedelta(minutes=10))
    notices.tick(ctx, out=out)  # nobody acknowledged: repeated, and one up
    notices.ack(ctx, number, "zhang")
    lines = [
        {"ts": "2026-03-03T12:12:00+00:00", "event": "playbook_start", "operator": "li"},
        {"ts": "2026-03-03T12:13:00+00:00", "event": "task", "host": "db-2",
         "task": "promote", "changed": True},
        {"ts": "2026-03-03T12:14:00+00:00", "event": "task", "host": "db-1",
         "task": "fence", "failed": True, "message": "unreachable"},
    ]  # fmt: skip
    service.record_run(ctx, number, {"ident": "r9", "playbook": "db_failover.yml",
                                     "status": "failed", "lines": lines})  # fmt: skip
    clock.shift(timedelta(minutes=10))
    service.resolve(ctx, number, self_test="登录、收费正常")
    notices.queue_restart(ctx, number)
    notices.confirm_task(ctx, number, "pharmacy", None)
    clock.shift(timedelta(days=2))
    notices.tick(ctx, out=out)  # the other departments' re-entry: past the deadline
    service.resolve(ctx, number, confirmed_by="护士长 刘（内科）")
    service.close(ctx, number)
    report.fill(ctx, number, {"cause": "归档日志写满磁盘", "measures": "每日巡检磁盘空间"})
    report.submit(ctx, number)
    return number


def _drill(ctx, tmp_path) -> int:
    scenario = drill.Scenario(name="isolate", plan_item="P4.3", title="x", playbook="x")
    progress = DrillProgress(1, tmp_path / "drill.log", ctx=ctx, out=io.StringIO())
    progress.start(1, scenario)
    progress.finish(drill.Outcome(scenario, None, 12.0))
    progress.close()
    assert progress.incident is not None
    return progress.incident


def test_each_system_entry_reads_in_the_readers_language(tmp_path):
    path = tmp_path / "site.yml"
    path.write_text(yaml.safe_dump(SITE, allow_unicode=True), encoding="utf-8")
    ctx = service.Context(Store(str(tmp_path / "inc")), config.load(str(path)), "li")
    with time_machine.travel(T0, tick=False) as clock:
        numbers = [_major(ctx, clock), _drill(ctx, tmp_path)]
        incidents = [service.get(ctx, n) for n in numbers]
        keys = {e["msg"] for i in incidents for e in i["entries"]}
        assert keys >= messages.ENTRY_MESSAGES, messages.ENTRY_MESSAGES - keys
        for language in ("zh", "en"):
            for number, incident in zip(numbers, incidents, strict=True):
                page = _visible(report.render_html(ctx, number, language))
                shown = cli._show(ctx, incident, language)
                assert _foreign(page, language) == [], (language, number)
                assert _foreign(shown, language) == [], (language, number)
        zh = cli._show(ctx, incidents[0], "zh")
        en = cli._show(ctx, incidents[0], "en")
    # the operator's words as typed in both; the system's in each language
    assert "全院都无法登录" in zh and "全院都无法登录" in en
    assert "等级由三类改为一类：全院都无法登录" in zh
    assert "class 3 -> 1: 全院都无法登录" in en
    # zhang's two notices (his class's and the one by hand) repeated; the leadership told once
    assert zh.count("张主任 10分钟内未确认：已再次通知，并通知院领导") == 1
    assert zh.count("张主任 10分钟内未确认：已再次通知\n") == 1
    assert (
        "张主任 did not acknowledge within 10 min: repeated, and the hospital leadership told" in en
    )
    assert "机器人 office：请设置环境变量 HISOPS_TEST_NO_URL" in zh
    assert "db-1：fence 失败（unreachable）" in zh and "db-1: fence failed (unreachable)" in en
    # the English text beside the key, for grep and readers of the JSON
    texts = {e["msg"]: e["text"] for e in incidents[0]["entries"]}
    assert texts["assign.group"] == "李明 joins the repair group"


def test_rows_written_before_the_keys_render_as_they_were_written(tmp_path, monkeypatch):
    """A store at schema 2 (free-text system entries) migrated to 3: old rows keep their
    text in every language; new rows get keys."""
    monkeypatch.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS[:2])
    old = Store(str(tmp_path))
    with old.transaction() as conn:
        conn.execute(
            "INSERT INTO incidents (title, state, class, occurred_at, found_at, opened_by, "
            "opened_at) VALUES ('AGG-2 down', 'open', '2', ?, ?, 'li', ?)",
            (T0, T0, T0),
        )
        conn.execute(
            "INSERT INTO entries (incident_id, at, recorded_at, who, kind, text) "
            "VALUES (1, ?, ?, 'li', 'assign', '李明 joins the repair group')",
            (T0, T0),
        )
    monkeypatch.undo()
    ctx = service.Context(Store(str(tmp_path)), config.load("/none"), "li")
    assert ctx.store.schema_version() == len(store_mod.MIGRATIONS)
    with time_machine.travel(T0, tick=False):
        service.assign(ctx, 1, "张工", group="vendor")
        incident = service.get(ctx, 1)
        zh = cli._show(ctx, incident, "zh")
    assert [(e["msg"], e["params"]) for e in incident["entries"]] == [
        ("", {}),
        ("assign.group", {"person": "张工", "group": "vendor"}),
    ]
    assert "李明 joins the repair group" in zh and "张工 加入厂商联络组" in zh


def test_both_languages_take_the_same_parameters():
    for key, texts in messages.CATALOGUE.items():
        fields = {lang: sorted(re.findall(r"\{(\w+)\}", text)) for lang, text in texts.items()}
        assert set(fields) == {"zh", "en"} and fields["zh"] == fields["en"], key


def test_an_unknown_key_from_a_newer_hisops_falls_back_to_the_text():
    entry = {"msg": "from.the.future", "params": {}, "text": "as written"}
    assert messages.entry_text(entry, "zh") == "as written"
    with pytest.raises(KeyError):
        messages.msg("no.such.message")
