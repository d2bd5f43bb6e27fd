"""Template matching with the real e5 model: precision and recall at the configured
threshold on tests/data/template_pairs.yaml, and a lookup end to end."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.core.knowledge import load_knowledge
from assistant.factory import build_templates
from assistant.store.accounts import User
from assistant.store.db import make_engine
from bench.templates import load_pairs, make_matcher, metrics, score_pairs

pytestmark = pytest.mark.model
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(PROJECT_ROOT / "knowledge")


def test_precision_and_recall_at_the_configured_threshold(e5, knowledge):
    settings = Settings()
    pairs = load_pairs()
    assert len(pairs["positives"]) >= 30
    assert len(pairs["negatives"]) >= 30
    scored = score_pairs(make_matcher(settings, knowledge, e5), knowledge, pairs)
    result = metrics(scored, settings.template_threshold)
    missed = [s for s in scored if s["expected"] and s["score"] < settings.template_threshold]
    assert result["precision"] == 1.0, [
        s for s in scored if not s["expected"] and s["score"] >= settings.template_threshold
    ]
    assert result["recall"] >= 0.9, missed
    # The rules matter: by the cosine alone many negatives would pass.
    assert result["negatives_above_threshold_by_cosine_alone"] > 10


def test_a_paraphrase_finds_the_approved_template_and_a_near_miss_does_not(e5, knowledge, tmp_path):
    settings = Settings(data_dir=tmp_path)
    engine = make_engine(settings)
    matcher = build_templates(settings, knowledge, e5, engine)
    staff = User("alice", "staff")
    t = matcher.store.create(
        staff,
        {
            "title": "泉城好品申报条件",
            "triggers": ["泉城好品申报需要满足哪些条件？"],
            "body": "{项目}的申报条件如下……",
            "programs": ["quancheng_haopin"],
            "articles": [],
        },
    )
    matcher.store.approve(staff, t["id"], TODAY)
    hit, _ = matcher.lookup("申请泉城好品要具备哪些条件？", ["quancheng_haopin"], TODAY)
    assert hit is not None
    assert hit.template["id"] == t["id"]
    for question, programs in (
        ("泉城好品申报需要提交哪些材料？", ["quancheng_haopin"]),  # cosine 0.98 unmasked
        ("好品山东的申报条件是什么？", ["haopin_shandong"]),
        ("泉城好品是什么？", ["quancheng_haopin"]),
    ):
        miss, suggestions = matcher.lookup(question, programs, TODAY)
        assert miss is None, question
        assert suggestions[0].template["id"] == t["id"]
