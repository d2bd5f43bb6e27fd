"""The shape of passage answers over many questions: the first paragraph is a full sentence
(never a heading, a list label or a clause ending in 「；」/「：」), and the details do not open
by repeating it.

The questions are generated from the shipped knowledge base (every program under every name
people use for it, in several how-to-apply and materials phrasings) and read from the gold
sets in eval/sets (the answers set and the real published Q&A); no answer is keyed to a
question. The fragments checked against are read from the articles independently of the
product's own parsing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import yaml

from assistant.chat.statements import full_stop, sentences_under_headings, statement, trim_repeated
from assistant.config import PROJECT_ROOT, Settings
from assistant.core.knowledge import load_knowledge
from tests.conftest import indexed_chat

DAY = dt.date(2026, 11, 22)
KNOWLEDGE = load_knowledge(PROJECT_ROOT / "knowledge")
SETS = PROJECT_ROOT / "eval" / "sets"
HOW_TO = (
    "{n}怎么申请，需要什么材料？",
    "{n}怎么申请？",
    "如何申报{n}？",
    "{n}在哪里申请？",
    "{n}的申报流程是什么？",
    "{n}需要什么材料？",
    "申报{n}要准备哪些材料？",
    "{n}申报材料有哪些？",
    "申请{n}要交什么资料？",
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]\s+|\d+[.、]\s*)")
_OPENERS = re.compile(r"^(?:知识库中没有直接说明.*?与之最相关的内容是：|[^。]{1,4}。)")


def generated_questions() -> list[str]:
    """Every program under every one of its names; each name in a different phrasing, so
    every phrasing is asked of every program."""
    out = []
    for names in KNOWLEDGE.glossary.program_names.values():
        for i, template in enumerate(HOW_TO):
            out.append(template.format(n=names[i % len(names)]))
        out += [HOW_TO[0].format(n=n) for n in names]
    return list(dict.fromkeys(out))


def gold_questions() -> list[str]:
    """The questions of the answers gold set and of the real published Q&A (dev and test)."""
    files = sorted((SETS / "answers").glob("*.yaml")) + sorted(
        (SETS / "held_out" / "real_qa").glob("*.yaml")
    )
    out = []
    for path in files:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out.append(str(item["question"]))
    return list(dict.fromkeys(out))


def _text(markdown: str) -> str:
    text = re.sub(r"\*\*|__|`", "", markdown)
    return re.sub(r"^\s*(?:[-*>]|\d+[.、]|#+)\s*", "", text, flags=re.MULTILINE).strip()


def _bare(text: str) -> str:
    return text.strip().rstrip("；;：:，,。")


def fragments() -> set[str]:
    """Pieces of the articles that are no sentence on their own: headings, and list items
    that hang on an introduction ending in 「：」."""
    out: set[str] = set()
    for article in KNOWLEDGE.articles:
        intro = False
        for raw in article.body.split("\n"):
            if not raw.strip():
                continue
            if raw.lstrip().startswith("#") or re.fullmatch(r"\s*\*\*[^*]+\*\*\s*", raw):
                out.add(_bare(_text(raw)))
            elif _LIST_ITEM.match(raw):
                # the item's first clause and every clause ending in 「；」 continue the
                # introduction; a later sentence ending in 「。」 stands on its own
                pieces = [p for p in re.split(r"(?<=[。；;！？!?])", _text(raw)) if p.strip()]
                if intro and pieces:
                    out.update(_bare(p) for p in pieces if p is pieces[0] or p.endswith("；"))
            else:
                intro = _text(raw).endswith(("：", ":"))
    return {f for f in out if len(f) >= 4}


FRAGMENTS = fragments()


def lead_problems(answer: dict[str, Any]) -> list[str]:
    """What is wrong with an answer's first paragraph as a lead ([] when nothing)."""
    head = answer["answer"].split("\n\n")[0]
    lead = _text(head)
    problems = []
    if head.lstrip().startswith("#"):
        problems.append("a heading")
    if not lead.endswith(("。", "！", "？", "!", "?")):
        problems.append(f"not a full sentence: {lead[-12:]}")
    said = _bare(_OPENERS.sub("", lead))
    if said in FRAGMENTS:
        problems.append(f"a heading or list label of an article: {said}")
    return problems


def repeats(answer: dict[str, Any]) -> str:
    """The line after the first paragraph when it repeats it ('' when it does not)."""
    paragraphs = answer["answer"].split("\n\n")
    lead = _bare(_text(paragraphs[0]))
    rest = [
        _text(line)
        for p in paragraphs[1:]
        for line in p.split("\n")
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not rest:
        return ""
    first = _bare(re.split(r"(?<=[。；;！？!?])", rest[0])[0])
    return rest[0] if len(first) >= 4 and (first in lead or lead in rest[0]) else ""


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict[str, dict[str, Any]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("shape"), embeddings="hashing")
    chat, _stack = indexed_chat(settings)
    questions = generated_questions() + gold_questions()
    return {q: chat.ask(q, as_of=DAY) for q in dict.fromkeys(questions)}


def test_the_question_sets_cover_every_program():
    asked = "".join(generated_questions())
    for program, names in KNOWLEDGE.glossary.program_names.items():
        assert all(n in asked for n in names), program
    assert len(gold_questions()) > 200


def test_no_lead_is_a_heading_a_label_or_a_fragment(answers):
    bad = {
        q: problems
        for q, a in answers.items()
        if not a["refused"] and (problems := lead_problems(a))
    }
    answered = sum(not a["refused"] for a in answers.values())
    assert answered > 300
    assert not bad, f"{len(bad)} of {answered}: {list(bad.items())[:5]}"


def test_no_answer_repeats_its_first_paragraph_in_the_next_line(answers):
    bad = {q: line for q, a in answers.items() if not a["refused"] and (line := repeats(a))}
    assert not bad, f"{len(bad)}: {list(bad.items())[:5]}"


PASSAGE = """关于某品牌，本库**没有找到**以下信息：

- 申报条件原文（经营年限、营收等门槛）；
- 申报材料清单；
- 首批入选数量。

有下列行为之一的，取消资格：
1. 在申请过程中存在严重弄虚作假行为；
2. 发生重大安全事故；另有环境违法行为；

## 门槛分三档
建议查看正式通知。"""


def test_a_list_item_is_read_with_its_introduction():
    assert (
        statement("申报材料清单；", PASSAGE) == "关于某品牌，本库没有找到以下信息：申报材料清单。"
    )
    # the item alone would say the opposite of the rule
    assert statement("在申请过程中存在严重弄虚作假行为；", PASSAGE).startswith("有下列行为之一的")
    assert statement("另有环境违法行为；", PASSAGE).startswith("有下列行为之一的，取消资格：另有")


def test_an_introduction_is_completed_with_its_items():
    text = statement("关于某品牌，本库没有找到以下信息：", PASSAGE)
    assert text == "关于某品牌，本库没有找到以下信息：申报条件原文、申报材料清单、首批入选数量。"
    assert full_stop("比例≥70%；") == "比例≥70%。"
    assert statement("建议查看正式通知。", PASSAGE) == "建议查看正式通知。"


def test_a_bold_point_is_read_with_the_line_it_sums_up():
    passage = (
        "要点如下。\n\n**1. 门槛看最近一年。**\n收入不超过五千万的适用5%。\n\n**2. 另起一点。**\n"
    )
    assert statement("门槛看最近一年。", passage) == "门槛看最近一年。收入不超过五千万的适用5%。"
    assert statement("另起一点。", passage) == "另起一点。"  # nothing under it to join


def test_the_details_continue_where_the_lead_stops():
    lead = "关于某品牌，本库没有找到以下信息：申报材料清单。"
    assert trim_repeated(lead, PASSAGE).startswith("- 申报条件原文")
    assert trim_repeated("无关的一句话。", PASSAGE).startswith("关于某品牌")
    assert trim_repeated("有效期为三年。期满重新认定。", "有效期为三年。期满重新认定。") == ""
    assert trim_repeated("有效期为三年。", "- 有效期为三年。期满重新认定；\n- 其他") == (
        "- 期满重新认定；\n- 其他"
    )
    assert trim_repeated("期满重新认定。", "有人问复审。期满重新认定。\n\n其他") == (
        "有人问复审。\n\n其他"
    )


@pytest.mark.model
def test_with_the_real_model_no_lead_is_a_fragment(e5, tmp_path):
    chat, _stack = indexed_chat(Settings(data_dir=tmp_path / "data"), e5)
    questions = [
        template.format(n=names[0])
        for names in KNOWLEDGE.glossary.program_names.values()
        for template in HOW_TO[:1] + HOW_TO[5:6]
    ]
    for question in questions:
        answer = chat.ask(question, as_of=DAY)
        if not answer["refused"]:
            assert not lead_problems(answer), (question, answer["answer"][:200])
            assert not repeats(answer), (question, answer["answer"][:300])


def test_the_citations_panel_marks_a_lead_joined_from_an_item_and_its_introduction():
    from assistant.web.render import citations_html

    answer = {
        "answer": "**关于某品牌，本库没有找到以下信息：申报材料清单。**\n\n#### 依据",
        "citations": [{"document": "报道", "article": "第1段", "source_id": "x", "text": PASSAGE}],
    }
    shown = citations_html(answer)
    assert "<mark>申报材料清单</mark>" in shown
    assert 'class="sbzs-lead"' in shown


TABLE = """主要区别如下：

| 对比项 | 科技型中小企业 | 高新技术企业 |
| --- | --- | --- |
| 性质 | 评价入库，按年度赋予登记编号 | 认定，证书有效期3年 |
"""


def test_a_table_row_opens_as_a_sentence_read_with_its_header():
    row = "| 性质 | 评价入库，按年度赋予登记编号 | 认定，证书有效期3年 |"
    assert statement(row, TABLE) == (
        "性质：科技型中小企业——评价入库，按年度赋予登记编号；高新技术企业——认定，证书有效期3年。"
    )
    # the header row and the rule are no candidates; the row is
    candidates = [s for s, _ in sentences_under_headings(TABLE)]
    assert row in candidates
    assert not any("---" in s or "对比项" in s for s in candidates)
