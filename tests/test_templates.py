"""Answer templates: store, versions, approval, staleness, filling and use in the chat
(hashing embedder: these tests are about the rules, not about meaning; the real e5 is in
tests/test_templates_model.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.core.facts import Facts
from assistant.core.knowledge import load_knowledge
from assistant.core.profile import validate_profile
from assistant.errors import ForbiddenError, InputError
from assistant.store.accounts import AccountStore, User
from assistant.store.db import make_engine
from assistant.templates.fill import fill, placeholders
from assistant.templates.io import export_json, export_xlsx, import_bytes, parse_import
from assistant.templates.template_store import TemplateStore

BEFORE_SWITCH = dt.date(2026, 3, 15)  # 专精特新 under 工信部企业〔2022〕63号
AFTER_SWITCH = dt.date(2026, 4, 2)  # under 〔2026〕2号
TODAY = dt.date(2026, 11, 22)
STAFF = User("alice", "staff")

HNTE_RD = {
    "title": "高企研发费用占比要求",
    "triggers": ["高企对研发费用占比有什么要求？", "高新技术企业研发投入要占多少"],
    "body": "{企业名称}您好：{项目}要求近三年研发费用占销售收入的比例不低于规定值；"
    "按您提供的数据，贵公司为 {研发费用占比}。",
    "programs": ["hnte"],
    "articles": ["hnte-rd-expense-ratio"],
}
SRDI_RD = {
    "title": "专精特新研发费用要求（2022版）",
    "triggers": ["专精特新中小企业对研发费用有什么要求"],
    "body": "按工信部企业〔2022〕63号，{项目}对上年研发费用有要求。",
    "programs": ["srdi_sme"],
    "articles": ["srdi-sme-2022-rd"],
}


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data", embeddings="hashing", template_threshold=0.6)


@pytest.fixture
def accounts(settings):
    store = AccountStore(make_engine(settings))
    store.add_user("alice", "staff", "a-long-secret-1")
    store.add_user("bob", "admin", "a-long-secret-2")
    return store


@pytest.fixture
def store(settings, knowledge, accounts):
    return TemplateStore(make_engine(settings), knowledge, accounts)


def _actions(accounts):
    return [(e["user"], e["action"]) for e in accounts.audit_log(100)]


def test_every_save_is_a_version_with_author_and_a_diff(store, accounts):
    created = store.create(STAFF, HNTE_RD)
    assert (created["status"], created["version"], created["author"]) == ("draft", 1, "alice")
    edited = store.update(
        User("bob", "admin"),
        created["id"],
        {**HNTE_RD, "triggers": [*HNTE_RD["triggers"], "高企研发费用比例多少才够"]},
    )
    assert edited["version"] == 2
    assert [(v["version"], v["action"], v["author"]) for v in edited["versions"]] == [
        (1, "create", "alice"),
        (2, "edit", "bob"),
    ]
    diff = store.diff(created["id"], 1, 2)
    assert diff.startswith("--- 第1版\n+++ 第2版")
    assert "+问法：高企研发费用比例多少才够" in diff
    assert "-问法" not in diff
    with pytest.raises(InputError, match="no version 3"):
        store.diff(created["id"], 1, 3)
    with pytest.raises(InputError, match="nothing changed"):
        store.update(STAFF, created["id"], edited)
    assert ("alice", "template.create") in _actions(accounts)
    assert ("bob", "template.edit") in _actions(accounts)


def test_approval_is_recorded_and_editing_makes_a_draft_again(store, accounts):
    t = store.create(STAFF, HNTE_RD)
    approved = store.approve(User("bob", "admin"), t["id"], TODAY)
    assert approved["status"] == "approved"
    assert approved["approved_by"] == "bob"
    basis = approved["approved_basis"]
    assert basis["programs"] == {"hnte": "国科发火〔2016〕32号 (2016-01-01)"}
    assert set(basis["articles"]) == {"hnte-rd-expense-ratio"}
    assert [v["action"] for v in approved["versions"]] == ["create", "approve"]
    assert ("bob", "template.approve") in _actions(accounts)
    again = store.update(STAFF, t["id"], {**HNTE_RD, "body": HNTE_RD["body"] + "（已更新）"})
    assert again["status"] == "draft"
    assert store.usable(TODAY) == []
    store.retire(STAFF, t["id"])
    assert store.get(t["id"])["status"] == "retired"
    with pytest.raises(InputError, match="retired"):
        store.approve(STAFF, t["id"], TODAY)
    assert ("alice", "template.retire") in _actions(accounts)


def test_an_evaluator_may_not_change_templates(store):
    with pytest.raises(ForbiddenError):
        store.create(User("eve", "evaluator"), HNTE_RD)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"articles": ["no-such-article"]}, "field 'articles': unknown knowledge article id"),
        ({"programs": ["gazelle"]}, "field 'programs': unknown program 'gazelle'"),
        ({"body": "贵公司研发占比为{研发强度系数}"}, "unknown placeholder {研发强度系数}"),
        ({"triggers": []}, "field 'triggers' is missing"),
        ({"title": "  "}, "field 'title': must be non-empty"),
    ],
)
def test_invalid_content_is_refused_naming_the_field(store, change, needle):
    with pytest.raises(InputError) as err:
        store.create(STAFF, {**HNTE_RD, **change})
    assert needle in str(err.value)
    assert store.all() == []


def test_titles_are_unique(store):
    store.create(STAFF, HNTE_RD)
    with pytest.raises(InputError, match="exists"):
        store.create(STAFF, {**HNTE_RD, "body": "另一种说法"})


def test_a_rules_switch_makes_an_approved_template_stale(store):
    t = store.approve(STAFF, store.create(STAFF, SRDI_RD)["id"], BEFORE_SWITCH)
    assert not t["stale"]
    assert [u["id"] for u in store.usable(dt.date(2026, 3, 31))] == [t["id"]]
    later = store.get(t["id"], AFTER_SWITCH)
    assert later["stale"]
    assert later["status"] == "approved"
    assert later["status_text"] == "需复核"
    assert any("〔2026〕2号" in r for r in later["stale_reasons"])
    assert any("srdi-sme-2022-rd" in r for r in later["stale_reasons"])
    assert store.usable(AFTER_SWITCH) == []
    assert [s["id"] for s in store.all("stale", AFTER_SWITCH)] == [t["id"]]
    # Re-approval is refused while it cites the expired article, allowed once it is updated.
    with pytest.raises(InputError, match="expired on 2026-03-31"):
        store.approve(STAFF, t["id"], AFTER_SWITCH)
    store.update(STAFF, t["id"], {**SRDI_RD, "articles": ["srdi-sme-2026-rd"]})
    store.approve(STAFF, t["id"], AFTER_SWITCH)
    assert [u["id"] for u in store.usable(AFTER_SWITCH)] == [t["id"]]


def test_an_edited_article_makes_a_template_stale(accounts, settings, tmp_path):
    import shutil

    target = tmp_path / "shipped-kb"
    shutil.copytree(PROJECT_ROOT / "knowledge", target)
    local = load_knowledge(target)
    own = TemplateStore(make_engine(settings), local, accounts)
    t = own.approve(STAFF, own.create(STAFF, HNTE_RD)["id"], TODAY)
    path = target / "programs" / "hnte" / "articles" / "hnte-rd-expense-ratio.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    changed = TemplateStore(make_engine(settings), load_knowledge(target), accounts)
    view = changed.get(t["id"], TODAY)
    assert view["stale"]
    assert view["stale_reasons"] == [
        "引用的知识条目 hnte-rd-expense-ratio 的内容或所依据的规则版本已变化"
    ]


def test_placeholders_fill_from_facts_or_ask_for_them(knowledge):
    profile = validate_profile(
        {
            "name": "济南云帆软件科技有限公司",
            "financials": {
                "2023": {"revenue": 3500, "rd_expense": 200},
                "2024": {"revenue": 4000, "rd_expense": 260},
                "2025": {"revenue": 4800, "rd_expense": 300},
            },
        }
    )
    full = fill(HNTE_RD["body"], knowledge, Facts(profile, TODAY), ["hnte"])
    assert full.text.startswith("济南云帆软件科技有限公司您好：高新技术企业认定要求")
    assert "贵公司为 6.18%。" in full.text  # 760 / 12300
    assert full.missing == ()
    empty = fill(HNTE_RD["body"], knowledge, Facts(validate_profile({}), TODAY), [])
    assert empty.text.startswith("（请补充：企业名称）您好：（请补充：项目）要求")
    assert "（请补充：研发费用占比）" in empty.text
    assert "%" not in empty.text
    assert empty.missing == ("企业名称", "项目", "研发费用占比")
    assert "financials.2025.rd_expense" in empty.missing_fields
    assert placeholders("{职工总数}人，其中{科技人员数}") == ["职工总数", "科技人员数"]


def _json(*items):
    return json.dumps({"templates": list(items)}, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"{not json", "invalid JSON at line 1 column 2"),
        (_json(HNTE_RD, {**SRDI_RD, "articles": ["srdi-nope"]}), "item 2 ('专精特新研发费用要求"),
        (_json(HNTE_RD, {k: v for k, v in SRDI_RD.items() if k != "body"}), "field 'body'"),
        (_json(HNTE_RD, HNTE_RD), "item 2 ('高企研发费用占比要求'): field 'title': duplicate"),
        (b'{"templates": []}', "no templates"),
    ],
)
def test_a_malformed_import_fails_clearly_and_imports_nothing(store, data, needle):
    with pytest.raises(InputError) as err:
        import_bytes(store, STAFF, data, "json", "t.json")
    assert needle in str(err.value)
    assert store.all() == []


def test_an_import_clashing_with_a_stored_title_imports_nothing(store):
    store.create(STAFF, SRDI_RD)
    other = {**HNTE_RD, "title": "另一个模板"}
    with pytest.raises(InputError, match=r"item 2 \('专精特新研发费用要求（2022版）'\)"):
        import_bytes(store, STAFF, _json(other, SRDI_RD), "json", "t.json")
    assert [t["title"] for t in store.all()] == [SRDI_RD["title"]]


def test_export_and_import_round_trip_as_json_and_excel(store, knowledge, accounts, tmp_path):
    a = store.approve(STAFF, store.create(STAFF, HNTE_RD)["id"], TODAY)
    store.create(STAFF, SRDI_RD)
    data = export_json(store.all())
    assert [t["title"] for t in parse_import(data, "json", knowledge)] == [
        HNTE_RD["title"],
        SRDI_RD["title"],
    ]
    path = export_xlsx(store.all(), tmp_path / "t.xlsx")
    items = parse_import(path.read_bytes(), "xlsx", knowledge)
    assert items[0] == {
        k: HNTE_RD[k] for k in ("title", "triggers", "body", "programs", "articles")
    }
    for t in store.all():
        store.retire(STAFF, t["id"])
    with pytest.raises(InputError, match="exists"):
        import_bytes(store, STAFF, data, "json", "again.json")
    fresh = TemplateStore(
        make_engine(Settings(data_dir=tmp_path / "other", embeddings="hashing")),
        knowledge,
        accounts,
    )
    ids = import_bytes(fresh, STAFF, path.read_bytes(), "xlsx", "t.xlsx")
    assert [fresh.get(i)["status"] for i in ids] == ["draft", "draft"]  # approval is a person's
    assert a["status"] == "approved"
    assert ("alice", "template.import") in _actions(accounts)


def test_a_bad_excel_file_is_refused(knowledge, tmp_path):
    from openpyxl import Workbook

    with pytest.raises(InputError, match="not an Excel workbook"):
        parse_import(b"plain text", "xlsx", knowledge)
    book = Workbook()
    book.active.append(["标题", "正文"])
    book.active.append(["x", "y"])
    book.save(tmp_path / "b.xlsx")
    with pytest.raises(InputError, match="column '触发问法'"):
        parse_import((tmp_path / "b.xlsx").read_bytes(), "xlsx", knowledge)


@pytest.mark.skipif(
    not os.environ.get("ASSISTANT_TEST_DATABASE_URL"),
    reason="no PostgreSQL: set ASSISTANT_TEST_DATABASE_URL (.ci/run does)",
)
def test_the_store_on_postgresql(knowledge, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=os.environ["ASSISTANT_TEST_DATABASE_URL"])
    engine = make_engine(settings)
    accounts = AccountStore(engine)
    store = TemplateStore(engine, knowledge, accounts)
    title = f"PG {uuid.uuid4().hex[:8]}"
    t = store.create(STAFF, {**HNTE_RD, "title": title})
    store.update(STAFF, t["id"], {**HNTE_RD, "title": title, "body": "改过的正文"})
    approved = store.approve(STAFF, t["id"], TODAY)
    assert approved["version"] == 2
    assert [v["action"] for v in approved["versions"]] == ["create", "edit", "approve"]
    store.record_hit(t["id"])
    assert store.get(t["id"])["hits"] == 1
    assert "+改过的正文" in store.diff(t["id"], 1, 2)
    with pytest.raises(InputError):
        import_bytes(store, STAFF, _json({**SRDI_RD, "title": title}), "json", "pg.json")
