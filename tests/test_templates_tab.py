"""The 答复模板 staff tab's handlers, without a browser (hashing embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.application import Application
from assistant.config import Settings
from assistant.store.accounts import User
from assistant.web import templates_tab as tab
from tests.test_templates import HNTE_RD, SRDI_RD

STAFF = User("tina", "staff")
EVALUATOR = User("eva", "evaluator")
TODAY = "2026-11-22"


@pytest.fixture
def services(tmp_path):
    return Application(
        Settings(data_dir=tmp_path / "data", embeddings="hashing", template_threshold=0.6)
    )


def _form(data):
    return (
        data["title"],
        "\n".join(data["triggers"]),
        data["body"],
        ", ".join(data["programs"]),
        ", ".join(data["articles"]),
    )


def test_create_edit_diff_approve_retire_and_list(services):
    text, tid = tab.create_template(services, STAFF, *_form(HNTE_RD))
    assert tid is not None
    assert text.startswith(f"已创建草稿模板 #{tid}")
    title, triggers, body, programs, articles, detail = tab.load_template(services, STAFF, tid)
    assert triggers.splitlines() == HNTE_RD["triggers"]
    assert programs == "hnte"
    assert "| 1 | 创建 | tina |" in detail
    saved = tab.save_template(
        services, STAFF, tid, title, triggers + "\n高企研发占比最低多少", body, programs, articles
    )
    assert saved == "已保存为第 2 版（草稿，需重新审核）。"
    diff = tab.template_diff(services, STAFF, tid, 1, 2)
    assert diff.startswith("```diff")
    assert "+问法：高企研发占比最低多少" in diff
    assert "已审核通过" in tab.approve_template(services, STAFF, tid)
    table = tab.template_table(services, STAFF, "", "approved")
    assert f"| {tid} | 高企研发费用占比要求 | 已审核 | 2 | hnte | 0 |" in table
    assert "已停用" in tab.retire_template(services, STAFF, tid)
    assert "没有符合条件" in tab.template_table(services, STAFF, "", "approved")
    found = tab.template_table(services, STAFF, "研发费用", "")
    assert "高企研发费用占比要求" in found
    assert tab.template_choices(services, STAFF) == [
        (f"#{tid} 高企研发费用占比要求（已停用）", tid)
    ]


def test_a_chat_answer_is_saved_as_a_draft(services):
    services.index_knowledge()
    services.chat().ask("高企证书有效期几年？")
    choices = tab.answer_choices(services, STAFF)
    label, message_id = choices[0]
    assert label.startswith("高企证书有效期几年？ — ")
    text, tid = tab.save_answer_as_draft(services, STAFF, message_id, "高企有效期")
    assert text.startswith(f"已保存为草稿模板 #{tid}「高企有效期」")
    title, triggers, body, programs, articles, _ = tab.load_template(services, STAFF, tid)
    assert (title, triggers) == ("高企有效期", "高企证书有效期几年？")
    assert "有效期" in body
    assert programs == "hnte"
    assert articles  # the answer's knowledge citations
    assert tab.save_answer_as_draft(services, STAFF, None)[0] == "**操作失败：** 请先选择回答。"


def test_an_evaluator_is_refused_and_nothing_is_stored(services):
    text, tid = tab.create_template(services, EVALUATOR, *_form(HNTE_RD))
    assert tid is None
    assert "无权" in text
    assert "无权" in tab.template_table(services, EVALUATOR)
    assert tab.template_choices(services, STAFF) == []
    assert tab.export_templates(services, EVALUATOR, "json") is None


def test_stale_templates_show_why(services):
    import datetime as dt

    _, tid = tab.create_template(services, STAFF, *_form(SRDI_RD))
    tab.approve_template(services, STAFF, tid, dt.date(2026, 3, 1))
    table = tab.template_table(services, STAFF, "", "stale")  # today is after 2026-04-01
    assert "| 需复核 |" in table
    assert "〔2026〕2号" in table


def test_import_is_all_or_nothing_and_export_downloads(services, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([HNTE_RD, {**SRDI_RD, "programs": ["nope"]}], ensure_ascii=False))
    report = tab.import_templates(services, STAFF, str(bad))
    assert "item 2" in report
    assert "未导入任何模板" in report
    assert tab.template_choices(services, STAFF) == []
    good = tmp_path / "good.json"
    good.write_text(json.dumps([HNTE_RD, SRDI_RD], ensure_ascii=False))
    assert tab.import_templates(services, STAFF, str(good)).startswith("已导入 2 个草稿模板")
    path = tab.export_templates(services, STAFF, "xlsx")
    assert path.endswith(".xlsx")
    again = tmp_path / "again.xlsx"
    again.write_bytes(Path(path).read_bytes())
    assert "exists" in tab.import_templates(services, STAFF, str(again))
    exported = json.loads(Path(tab.export_templates(services, STAFF, "json")).read_bytes())
    assert [t["title"] for t in exported["templates"]] == [HNTE_RD["title"], SRDI_RD["title"]]


def test_the_tab_builds_inside_blocks(services):
    import gradio as gr

    with gr.Blocks() as demo:
        tab.build_tab(services)
    labels = {getattr(b, "label", None) for b in demo.blocks.values()}
    assert {"答复模板", "最近的回答", "选择模板", "触发问法（每行一个）"} <= labels
