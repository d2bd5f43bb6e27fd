"""The grounded composer: answers in Chinese Markdown from passages and engine results only.

No text is generated beyond fixed Chinese phrases: the lead sentence is the passage
sentence that best answers the question, the details quote the passages, verdicts and
numbers come from the eligibility engine, and every passage used is cited. So an answer
never states a number that its sources do not contain.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.chat.lead import Lead, LeadScorer, opening
from assistant.chat.statements import candidate_sentences, statement, trim_repeated
from assistant.core.assessment import VERDICT_TEXT
from assistant.core.results import Assessment, ConditionResult, Gap, MatchResult, QuotedCitation
from assistant.search.keyword import Tokenizer
from assistant.search.retrieval import Passage

REPORTED_NOTE = "以上部分内容来自公开报道或第三方整理，申报前请以官方通知原文为准。"
_NUMBER = re.compile(r"\d")


def lead_sentence(
    passages: Sequence[Passage], question: str, tokenizer: Tokenizer, *, want_number: bool
) -> str:
    """The passage sentence sharing most terms with the question (numbers preferred for
    threshold questions, earlier passages preferred), as a full sentence: the lead when no
    :class:`LeadScorer` is available (no embedder) and of comparisons."""
    terms = set(tokenizer.query_tokens(question))
    best, best_score, source = "", -1.0, ""
    for rank, passage in enumerate(passages[:2]):
        for sent in candidate_sentences(passage.text):
            if len(sent) < 6:
                continue
            overlap = len(terms & set(tokenizer.tokens(sent)))
            score = overlap - 0.5 * rank + (3.0 if want_number and _NUMBER.search(sent) else 0)
            score -= 0.002 * max(0, len(sent) - 80)
            if score > best_score:
                best, best_score, source = sent, score, passage.text
    return statement(best, source) if best else ""


def choose_passages(
    passages: Sequence[Passage],
    programs: Sequence[str],
    topics: Sequence[str],
    kind: str,
    *,
    first: Passage | None = None,
) -> list[Passage]:
    """The passages the answer rests on: per program for comparisons, else the passage the
    lead sentence comes from (``first``; by default the best one of the named program)
    and a second one only when it is as relevant."""

    def rank(p: Passage) -> tuple[int, int, float]:
        on_program = 0 if not programs or p.program in programs else 1
        on_topic = 0 if p.metadata.get("topic") in topics else 1
        return (on_program, on_topic, -p.score)

    if kind == "comparison" and len(programs) >= 2:
        chosen = []
        for program in programs[:3]:
            own = [p for p in passages if p.program == program]
            if own:
                chosen.append(sorted(own, key=rank)[0])
        return chosen
    # Retrieval order decides (measured: topic re-ranking from cue words hurt more often than
    # it helped); passages of the named programs come first.
    ordered = sorted(passages[:6], key=lambda p: rank(p)[0])
    if first is not None:
        ordered = [first] + [p for p in ordered if p.chunk_id != first.chunk_id]
    chosen = ordered[:1]
    # A second passage only when it is as relevant: same program and topic standing, and a
    # fused score close to the first (otherwise it is noise next to a complete answer).
    if len(ordered) > 1:
        lead, second = ordered[0], ordered[1]
        if second.program == lead.program and second.score >= 0.9 * lead.score:
            chosen.append(second)
    return chosen


def candidate_passages(
    passages: Sequence[Passage], programs: Sequence[str], topics: Sequence[str] = ()
) -> list[Passage]:
    """The passages a lead sentence may come from: the top ones, the named programs' first,
    then those on the question kind's topics (a list question's lead comes from the first:
    「材料清单」 from the materials article, not from the procedure that mentions it)."""
    return sorted(
        passages[:6],
        key=lambda p: (
            0 if not programs or p.program in programs else 1,
            0 if not topics or p.metadata.get("topic") in topics else 1,
        ),
    )


def compose_passage_answer(
    question: str,
    passages: list[Passage],
    programs: Sequence[str],
    kind: str,
    topics: Sequence[str],
    tokenizer: Tokenizer,
    *,
    scorer: LeadScorer | None = None,
    lead: Lead | None = None,
    version_notes: Mapping[str, str] | None = None,
) -> tuple[str, list[QuotedCitation]]:
    """Markdown answer and citations for a knowledge question: the sentence that answers
    first (with 可以/不可以 … for a yes/no question), then the passages, then the sources.

    ``lead`` is the sentence already chosen by ``scorer`` (the caller's scope check
    chose it); without a scorer the lead is the sentence sharing most terms.
    ``version_notes`` (program -> note on its dated rule versions) come from the knowledge
    base (:mod:`assistant.chat.scope_text`)."""
    if scorer is not None and lead is None and kind != "comparison":
        lead = scorer.choose(
            question,
            candidate_passages(passages, programs, topics if kind != "conditions" else ()),
            scorer.shape(question),
        )
    if lead is not None and scorer is not None and kind != "comparison":
        chosen = choose_passages(passages, programs, topics, kind, first=lead.passage)
        # The chosen piece read in its place: a list item with its introduction, an
        # introduction with its items, a clause with a full stop.
        whole = dataclasses.replace(lead, sentence=statement(lead.sentence, lead.passage.text))
        first = opening(whole, scorer.shape(question))
    else:
        chosen = choose_passages(passages, programs, topics, kind)
        first = lead_sentence(chosen, question, tokenizer, want_number=kind == "threshold")
    parts = [f"**{first}**" if first else ""]
    for i, p in enumerate(chosen):
        title = p.metadata.get("article_title") or p.metadata.get("title") or ""
        # The details continue where the first paragraph stops instead of repeating it.
        body = trim_repeated(first, p.text) if i == 0 else p.text.strip()
        if body:
            parts.append(f"#### {title}\n\n{body}")
    parts += notes_for(chosen, version_notes or {})
    parts.append(sources_block(chosen))
    return "\n\n".join(x for x in parts if x), [p.citation() for p in chosen]


def notes_for(passages: Sequence[Passage], version_notes: Mapping[str, str]) -> list[str]:
    """The reported-source note and the rule-version notes of the passages' programs."""
    notes = []
    if any(p.metadata.get("confidence") in ("reported", "general") for p in passages):
        notes.append(f"> 提示：{REPORTED_NOTE}")
    versions = dict.fromkeys(
        version_notes[p.program] for p in passages if p.program in version_notes
    )
    notes += [f"> {note}" for note in versions]
    return notes


def sources_block(passages: Sequence[Passage]) -> str:
    """The numbered list of sources."""
    lines = ["#### 依据", ""]
    for i, p in enumerate(passages, 1):
        c = p.citation()
        parts = [f"《{c['document']}》", c["doc_no"] or "", c["article"] or ""]
        lines.append(f"{i}. " + " ".join(x for x in parts if x))
    return "\n".join(lines)


STATUS_LABEL = {"pass": "符合", "fail": "不符合", "unknown": "待补充", "manual": "需评审"}
"""Condition statuses as words (the web page colours them; no emoji font is needed)."""
VERDICT_SHORT = {
    "eligible": "符合",
    "not_eligible": "不符合",
    "insufficient_info": "待补充",
    "needs_review": "需评审",
}
# Conditions listed worst first: what decides the verdict is read before what already passes.
_STATUS_ORDER = {"fail": 0, "unknown": 1, "manual": 2, "pass": 3}


def status_label(status: str) -> str:
    """The bracketed status word that starts a condition line, e.g. 「【不符合】」."""
    return f"【{STATUS_LABEL.get(status, status)}】"


def _titles(conditions: Sequence[Mapping[str, Any]], limit: int = 2) -> str:
    """The first ``limit`` condition titles with their values, and how many more."""
    named = []
    for c in conditions[:limit]:
        # 'actual' repeats the condition's label before its value: the value alone is enough
        value = str(c.get("actual") or "").rsplit(" ", 1)[-1]
        short = value and len(value) <= 12 and "；" not in value
        named.append(f"{c['title']}（{value}）" if short else str(c["title"]))
    more = f"等 {len(conditions)} 项" if len(conditions) > limit else ""
    return "、".join(named) + more


def verdict_sentence(result: Assessment) -> str:
    """One sentence: the verdict and the one or two conditions that decide it."""
    name, verdict = result["program_name"], result["verdict"]
    by_status: dict[str, list[ConditionResult]] = {}
    for c in result["conditions"]:
        by_status.setdefault(c["status"], []).append(c)
    if verdict == "not_eligible":
        return f"目前**不符合**{name}的申报条件，未达标的是{_titles(by_status['fail'])}。"
    if verdict == "insufficient_info":
        open_ = by_status.get("unknown", [])
        return (
            f"**暂无法判断**能否申请{name}：还缺判断"
            f"{_titles([{'title': c['title']} for c in open_])}所需的信息，请补充。"
        )
    if verdict == "needs_review":
        manual = by_status.get("manual", [])
        return (
            f"{name}的硬性条件已满足，**尚需专家评审**："
            f"{_titles([{'title': c['title']} for c in manual])}。"
        )
    return f"**符合**{name}的申报条件（{len(result['conditions'])} 项条件均满足）。"


def compose_assessment(
    results: list[Assessment], notes: list[str], gaps: Sequence[Gap] = ()
) -> str:
    """Markdown for one or more eligibility assessments: the verdict and what decides it
    first, then the folded sections 逐条说明, 还差多少, 还需要补充 and 依据."""
    if len(results) == 1:
        lead = "按您提供的信息，" + verdict_sentence(results[0])
    else:
        lead = (
            "按您提供的信息："
            + "；".join(
                f"{r['program_name']}**{VERDICT_SHORT[r['verdict']]}**"
                + (
                    f"（未达标：{_titles(_failing(r), 2)}）"
                    if r["verdict"] == "not_eligible"
                    else ""
                )
                for r in results
            )
            + "。"
        )
    sections = [
        lead,
        "#### 逐条说明\n\n" + "\n\n".join(_condition_block(r, len(results) > 1) for r in results),
    ]
    if gaps:
        sections.append("#### 还差多少\n\n" + "\n".join(f"- {g['text']}" for g in gaps))
    if asked := missing_section(results):
        sections.append(asked)
    sections.append(_basis(results, notes))
    return "\n\n".join(sections)


def missing_section(results: list[Assessment]) -> str:
    """The 还需要补充 section: the three most decisive questions for missing facts and how
    many there are in all ("" when nothing is missing)."""
    questions = decisive_questions(results)
    if not questions:
        return ""
    more = ""
    if len(questions) > 3:
        more = f"\n\n（共需补充 {len(questions)} 项，以上为最关键的 3 项）"
    return "#### 还需要补充\n\n" + "\n".join(f"- {q}" for q in questions[:3]) + more


def _failing(result: Assessment) -> list[dict[str, str]]:
    return [{"title": c["title"]} for c in result["conditions"] if c["status"] == "fail"]


def _condition_block(result: Assessment, named: bool) -> str:
    """A program's conditions, worst first, each with its status word, then its score."""
    lines = []
    if named:
        lines += [f"**{result['program_name']}：{VERDICT_TEXT[result['verdict']]}**", ""]
    ordered = sorted(result["conditions"], key=lambda c: _STATUS_ORDER.get(c["status"], 9))
    lines += [f"- {status_label(c['status'])}{c['explanation']}" for c in ordered]
    if line := score_line(result):
        lines.append(f"- {line}")
    lines += [f"\n> 注意：{w}" for w in result["warnings"]]
    return "\n".join(lines)


def score_line(result: Assessment) -> str:
    """「科技型中小企业评价得分：58–78 分（通过线 60 分）」, or "" without a score."""
    s = result["score"]
    if not s:
        return ""
    low, high = s["total_min"], s["total_max"]
    span = low if low == high else f"{low}–{high}"
    return f"{s['title']}：{span} 分（通过线 {s['pass_line']} 分）"


def score_details(result: Assessment) -> str:
    """The score items the company's own figures decide, each with its points and what they
    rest on (「销售收入增长率：7–8 分（… = 28.46%）」); "" when none is. Items scored by experts
    or lacking figures are left out: the range in :func:`score_line` already holds them."""
    s = result["score"]
    if not s:
        return ""
    lines: list[str] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if item.get("items"):
                walk(item["items"])
                continue
            basis = str(item.get("basis") or "")
            if item.get("expert") or not basis or basis.startswith(("专家评分", "缺少资料")):
                continue
            low, high = item["min"], item["max_points"]
            span = f"{_points(low)}" if low == high else f"{_points(low)}–{_points(high)}"
            lines.append(f"- {item['title']}：{span} 分（满分 {_points(item['max'])}；{basis}）")

    walk(list(s["items"]))
    return "#### 按您给的数据能确定的得分\n\n" + "\n".join(lines) if lines else ""


def _points(value: Any) -> str:
    number = float(value)
    return f"{number:g}"


def _basis(results: list[Assessment], notes: list[str]) -> str:
    """The 依据 section: the rule versions applied, the numbered sources, the notes."""
    lines = ["#### 依据", ""]
    lines += [f"适用规则：{r['program_name']} {r['rules_version']}" for r in results]
    lines.append("")
    seen: list[str] = []
    for r in results:
        for cond in r["conditions"]:
            c = cond["citation"]
            label = " ".join(
                x for x in (f"《{c['document']}》", c.get("doc_no") or "", c["article"]) if x
            )
            if label not in seen:
                seen.append(label)
    lines += [f"{i}. {s}" for i, s in enumerate(seen, 1)]
    for r in results:
        lines += [f"\n> {n}" for n in r["notes"][1:]]
    lines += [f"\n> {n}" for n in notes]
    return "\n".join(lines)


def decisive_questions(results: list[Assessment]) -> list[str]:
    """Questions for missing facts, most decisive first: a fact that blocks more open
    conditions comes before one that blocks fewer (then in condition order).

    >>> r = {"questions": [{"field": "a", "question": "问A"}, {"field": "b", "question": "问B"}],
    ...      "conditions": [{"missing": ["a"]}, {"missing": ["b"]}, {"missing": ["b"]}]}
    >>> decisive_questions([r])
    ['问B', '问A']
    """
    text = {q["field"]: q["question"] for r in results for q in r["questions"]}
    return list(dict.fromkeys(text[f] for f in _decisive_fields(results)))


def _decisive_fields(results: list[Assessment]) -> list[str]:
    """The fields asked for, most decisive first (see :func:`decisive_questions`)."""
    weight: dict[str, int] = {}
    order: dict[str, int] = {}
    for r in results:
        for q in r["questions"]:
            order.setdefault(q["field"], len(order))
        for c in r["conditions"]:
            for field in c["missing"]:
                weight[field] = weight.get(field, 0) + 1
    return sorted(order, key=lambda f: (-weight.get(f, 0), order[f]))


def ranked_missing(results: list[Assessment]) -> list[str]:
    """Every missing field, the ones asked for first in the order they are asked: a bare
    figure the user sends next answers the first of them it fits."""
    missing = list(dict.fromkeys(m for r in results for m in r["missing_fields"]))
    asked = [f for f in _decisive_fields(results) if f in missing]
    return asked + [m for m in missing if m not in asked]


def compose_match(result: MatchResult, focus: Sequence[str]) -> str:
    """Markdown for one program's gaps (``focus``) or for every program ranked: the answer
    first, then the folded details."""
    rows = [p for p in result["programs"] if not focus or p["program"] in focus]
    if focus and rows:
        leads, gaps, paths = [], [], []
        for p in rows:
            if p["gaps"]:
                first = "、".join(g["text"].split("（")[0] for g in p["gaps"][:2])
                more = f"等 {len(p['gaps'])} 项" if len(p["gaps"]) > 2 else ""
                leads.append(
                    f"{p['program_name']}**{VERDICT_SHORT[p['verdict']]}**，还差：{first}{more}"
                )
            elif p["verdict"] in ("eligible", "needs_review"):
                leads.append(
                    f"{p['program_name']}**{VERDICT_SHORT[p['verdict']]}**，"
                    "按已填数据没有不满足的硬性条件"
                )
            elif p["missing_fields"]:
                # 「还差什么」 before the facts are complete: what is missing is the answer.
                leads.append(
                    f"{p['program_name']}：{VERDICT_TEXT[p['verdict']]}，"
                    f"还缺 {len(p['missing_fields'])} 项信息（见下方「还需要补充」）"
                )
            else:
                leads.append(f"{p['program_name']}：{VERDICT_TEXT[p['verdict']]}")
            gaps += [f"- {g['text']}" for g in p["gaps"]]
            paths += [f"- 路径：{s['text']}" for s in p["path"]]
            paths += [f"- 捷径：{s['text']}" for s in p["shortcuts"]]
        sections = ["按您提供的信息，" + "；".join(leads) + "。"]
        if gaps:
            sections.append("#### 还差多少\n\n" + "\n".join(gaps))
        if paths:
            sections.append("#### 申报路径\n\n" + "\n".join(paths))
        return "\n\n".join(sections)
    ranked = result["programs"]
    top = "、".join(f"{p['program_name']}（{VERDICT_SHORT[p['verdict']]}）" for p in ranked[:2])
    lines = [
        f"按您提供的信息，各项目由近到远排序，最接近的是{top}。",
        "",
        "#### 各项目排序",
        "",
    ]
    for p in ranked:
        gap = f"——还差：{p['gaps'][0]['text']}" if p["gaps"] else ""
        lines.append(f"{p['rank']}. {p['program_name']}【{VERDICT_SHORT[p['verdict']]}】{gap}")
    paths = list(
        dict.fromkeys(f"- {p['program_name']}：{s['text']}" for p in ranked for s in p["path"])
    )
    if paths:
        lines += ["", "#### 申报路径", "", *paths]
    return "\n".join(lines)
