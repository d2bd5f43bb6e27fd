"""The lead scorer's weights as data, the listwise fit behind ``python -m eval.fit_lead``
(synthetic candidates whose answer is known) and the miss categories of ``python -m
eval.lead_misses`` (the shipped knowledge base)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.chat.lead import FEATURES, HAND_WEIGHTS, LeadScorer, load_weights
from assistant.config import Settings
from assistant.search.retrieval import Passage
from eval.answers import AS_OF, plain_text
from eval.fit_lead import Example, _loss, cross_validate, fit, hit_rate
from eval.held_out import first_paragraph
from eval.lead_misses import categorise
from tests.conftest import indexed_chat


def _examples(n: int, seed: int) -> list[Example]:
    """Questions of 8 candidates whose answer has the highest feature 0 plus noise that
    features 1 and 2 do not explain."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        rows = rng.normal(size=(8, 3))
        signal = rows[:, 0] + 0.3 * rng.normal(size=8)
        out.append(Example("synthetic", f"q{i}", rows, signal == signal.max()))
    return out


def test_the_loss_gradient_matches_finite_differences():
    examples = _examples(5, 1)
    w = np.array([0.3, -0.2, 0.5])
    _value, grad = _loss(w, examples, 0.1)
    step = 1e-6
    numeric = [
        (_loss(w + step * e, examples, 0.1)[0] - _loss(w - step * e, examples, 0.1)[0]) / 2 / step
        for e in np.eye(3)
    ]
    assert np.allclose(grad, numeric, atol=1e-4)


def test_the_fit_finds_the_feature_that_marks_the_answer():
    train, test = _examples(200, 2), _examples(100, 3)
    w = fit(train, 0.1)
    assert w[0] > 5 * max(abs(w[1]), abs(w[2]))
    assert hit_rate(w, test) > 0.6
    assert hit_rate(np.array([0.0, 1.0, 0.0]), test) < 0.4
    assert cross_validate(train, 0.1) > 0.6


def test_without_a_weights_file_the_hand_weights_score(tmp_path):
    assert load_weights(tmp_path / "absent.json") == HAND_WEIGHTS


def test_a_weights_file_naming_an_unknown_feature_is_refused(tmp_path):
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({"weights": {"meaning": 1.0, "colour": 2.0}}), "utf-8")
    with pytest.raises(ValueError, match="colour"):
        load_weights(path)


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("fit"), embeddings="hashing")
    return indexed_chat(settings)[0]


@pytest.fixture(scope="module")
def scorer(chat) -> LeadScorer:
    return chat.leads


def test_the_weights_decide_which_candidate_leads(scorer):
    question = "高新技术企业证书的有效期是几年？"
    passages = _passages()
    shape = scorer.shape(question)
    leads, rows = scorer.features(question, passages, shape)
    assert rows.shape == (len(leads), len(FEATURES))
    longest = max(range(len(leads)), key=lambda i: len(leads[i].sentence))
    try:
        scorer.set_weights({"length": 1.0})
        assert rows[longest, FEATURES.index("length")] > 0
        assert scorer.choose(question, passages, shape).sentence == leads[longest].sentence
        scorer.set_weights({"length": -1.0, "short": -5.0, "focus": 3.0})
        chosen = scorer.choose(question, passages, shape)
        assert len(chosen.sentence) <= 120
        assert chosen.coverage == max(lead.coverage for lead in leads if len(lead.sentence) <= 120)
    finally:
        scorer.set_weights(load_weights())


def _passages() -> list[Passage]:
    sentences = [
        "高新技术企业资格自颁发证书之日起有效期为三年。",
        "企业获得认定后，应每年5月底前填报上一年度知识产权、科技人员、研发费用、经营收入等"
        "年度发展情况报表，逾期不报的，在认定机构网站上公示，累计两年未报的取消其资格，"
        "并追缴其自发生上述行为之日所属年度起已享受的税收优惠，这一句故意写得很长以超过一百二十个字。",
        "有效期三年，期满重新认定。",
    ]
    return [
        Passage(f"c{i}", f"kb-{i}", s, 1.0 - i * 0.01, {}, 1, 1) for i, s in enumerate(sentences)
    ]


def test_misses_are_put_in_the_category_of_their_cause(chat):
    question = "高新技术企业证书的有效期是几年？"
    rows = [
        {"question": question, "lead": ["有效期"]},
        # words no sentence of the knowledge base has
        {"question": question, "lead": ["紫色的长颈鹿"]},
        # checked as the company's own figures: no lead sentence is scored
        {"question": "我们去年营收4800万，研发投入260万，职工120人，能评高企吗？", "lead": ["x"]},
    ]
    found = [category for category, _question in categorise(chat, rows)]
    assert found == ["pass", "not_in_candidates", "not_scored"]
    assert chat.leads.choose.__func__ is LeadScorer.choose  # the recorder is taken off


def test_a_label_among_the_candidates_that_did_not_lead_is_a_scoring_miss(chat, monkeypatch):
    question = "高新技术企业证书的有效期是几年？"
    recorded = []
    choose = chat.leads.choose

    def recording(*args):
        recorded.append(args)
        return choose(*args)

    monkeypatch.setattr(chat.leads, "choose", recording)
    opening = plain_text(first_paragraph(chat.ask(question, as_of=AS_OF)["answer"]))
    monkeypatch.undo()
    leads, _rows = chat.leads.features(*recorded[-1])
    label = next(
        text[i : i + 8]
        for text in (plain_text(lead.sentence) for lead in leads)
        for i in range(len(text) - 8)
        if text[i : i + 8] not in opening
    )
    [(category, _question)] = categorise(chat, [{"question": question, "lead": [label]}])
    assert category == "in_candidates"
