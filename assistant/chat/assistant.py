"""The chat assistant: one turn in, the contract's ``ask`` JSON out.

A turn: validate the question, load the session, add the company facts the question states
(later values replace earlier ones), detect the programs and the kind of question, answer
from the engine (eligibility, gaps, ranking) or from retrieved passages, translate back to
traditional Chinese when asked in it, and store the turn. Out-of-scope questions, and
questions the knowledge base has nothing on, are refused with no citations.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from typing import TYPE_CHECKING, Any

from assistant.chat.compose import (
    NO_SOURCE,
    REFUSAL,
    candidate_passages,
    compose_assessment,
    compose_match,
    compose_passage_answer,
)
from assistant.chat.extract import extract_facts
from assistant.chat.intent import KIND_TOPICS, Intent, IntentDetector
from assistant.chat.lead import LeadScorer
from assistant.core.assessment import assess
from assistant.core.knowledge import Knowledge
from assistant.core.matching import match, program_gaps
from assistant.core.profile import validate_profile
from assistant.core.text import check_question, is_traditional, to_simplified, to_traditional
from assistant.errors import InputError
from assistant.search.retrieval import HybridRetriever
from assistant.store.db import SessionStore

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.chat.llm import LLMPhraser
    from assistant.templates.matching import Candidate, TemplateMatcher

MAX_QUESTION_CHARS = 2000
# A passage counts as support only above this e5 cosine (calibrated on eval/sets/answers:
# unrelated questions top out near 0.83, answerable ones start near 0.85).
MIN_DENSE_SUPPORT = 0.84


class ChatAssistant:
    """Answers questions, remembering company facts per session.

    Args:
        knowledge: The knowledge base.
        retriever: Hybrid retrieval over the index.
        sessions: Where sessions persist (None: nothing is remembered between calls).
        templates: Staff's answer templates (None: every answer is composed).

    Templates answer only turns that are not eligibility verdicts: a question with company
    facts asking "can we / what is missing / which programs" always gets the engine's
    verdict, never a stored text, since verdicts come from code. Other turns get the filled
    template when an approved, current one matches, else the composed answer plus the
    closest templates as ``template_suggestions`` for staff.
    """

    def __init__(
        self,
        knowledge: Knowledge,
        retriever: HybridRetriever,
        sessions: SessionStore | None,
        templates: TemplateMatcher | None = None,
    ) -> None:
        """Wire the parts; :meth:`use_llm` adds the optional LLM phrasing."""
        self.knowledge = knowledge
        self.retriever = retriever
        self.sessions = sessions
        self.templates = templates
        self.intents = IntentDetector(knowledge.glossary.program_names)
        self.leads = LeadScorer(
            retriever.embeddings,
            retriever.tokenizer,
            lambda term: retriever.keyword_index().idf(term),
            self.intents.without_programs,
            self.intents.programs,
            knowledge.glossary.synonyms,
        )
        self.phraser: LLMPhraser | None = None
        self._turn = threading.local()

    def use_llm(self, model: BaseChatModel, name: str) -> None:
        """Let an LLM phrase answers through the tools, behind the guard."""
        from assistant.chat.llm import LLMPhraser

        self.phraser = LLMPhraser(model, self.tools(), name)

    def tools(self) -> dict[str, Any]:
        """The agent's tools; they read the current turn's company facts."""

        def search_knowledge(query: str) -> str:
            """检索政策知识库，返回带出处（文件、文号、条款）的段落。"""
            return "\n\n".join(
                f"[{p.citation()['document']} {p.citation()['doc_no'] or ''} "
                f"{p.citation()['article']}] {p.text}"
                for p in self.retriever.search(query, 4)
            )

        def assess_eligibility(program: str) -> str:
            """按对话中的企业信息判断某项目（项目id，如 hnte）是否符合条件，返回逐条结论。"""
            facts, day = getattr(self._turn, "facts", {}), getattr(self._turn, "day", None)
            profile, _ = build_profile(facts, day or dt.date.today())
            result = assess(
                self.knowledge, program, validate_profile(profile), day or dt.date.today()
            )
            return json.dumps(
                {
                    "verdict": result["verdict"],
                    "conditions": [c["explanation"] for c in result["conditions"]],
                },
                ensure_ascii=False,
            )

        def precheck_checklist(program: str) -> str:
            """按对话中的企业信息预检某项目的申报材料清单。"""
            from assistant.core.assessment import checklist

            facts, day = getattr(self._turn, "facts", {}), getattr(self._turn, "day", None)
            profile, _ = build_profile(facts, day or dt.date.today())
            result = checklist(
                self.knowledge, program, validate_profile(profile), day or dt.date.today()
            )
            return json.dumps(
                [[i["title"], i["status"], i["prefill"]] for i in result["items"]],
                ensure_ascii=False,
            )

        def find_template(question: str) -> str:
            """查找与问题匹配的已审核答复模板，返回按对话中企业信息填好的模板正文。"""
            facts, day = getattr(self._turn, "facts", {}), getattr(self._turn, "day", None)
            day = day or dt.date.today()
            programs = self.intents.programs(question)
            hit = self._template_hit(question, programs, day)[0]
            if hit is None:
                return "暂无与该问题匹配的已审核答复模板。"
            answer = self._template_answer(hit, facts, programs, day, count=False)
            return json.dumps(
                {
                    "template_id": hit.template["id"],
                    "title": hit.template["title"],
                    "answer": answer["answer"],
                },
                ensure_ascii=False,
            )

        return {
            "search_knowledge": search_knowledge,
            "assess_eligibility": assess_eligibility,
            "precheck_checklist": precheck_checklist,
            "find_template": find_template,
        }

    def ask(
        self,
        question: str,
        *,
        session_id: str | None = None,
        profile: dict[str, Any] | None = None,
        as_of: dt.date | None = None,
    ) -> dict[str, Any]:
        """Answer one turn (contract: ``ask --json``).

        Raises:
            InputError: empty or over-long question, invalid profile or session id.
        """
        question = check_question(question, MAX_QUESTION_CHARS)
        day = as_of or dt.date.today()
        sid = session_id or SessionStore.new_id()
        facts, state = self.sessions.load(sid) if self.sessions and session_id else ({}, {})
        if profile:
            validate_profile(profile, source="profile")
            facts = {**flatten(profile), **facts}
        extracted = extract_facts(question, day)
        facts.update(extracted.facts)
        substantive = any(not k.startswith(_CONTEXT_KEYS) for k in extracted.facts)
        intent = self.intents.detect(
            question,
            has_facts=substantive or bool(facts and _asks_fit(question)),
            previous_kind=state.get("kind", ""),
        )
        programs = list(intent.programs) or (
            state.get("programs", [])
            if intent.follow_up or intent.kind in ("eligibility", "gaps")
            else []
        )
        verdict = intent.kind in ("eligibility", "gaps", "match") and bool(facts)
        hit: Candidate | None = None
        suggestions: list[Candidate] = []
        if not intent.out_of_scope and not verdict:
            hit, suggestions = self._template_hit(question, list(intent.programs), day)
        # 「那科技型中小企业呢？」 after 「高企证书有效期几年？」 asks the earlier question
        # of another program: the earlier question's words join the search.
        topic = (
            self.intents.without_programs(state.get("question", ""))
            if intent.follow_up and intent.programs
            else ""
        )
        if hit is not None:
            result = self._template_answer(hit, facts, list(intent.programs), day)
        else:
            result = self._answer(f"{question} {topic}".strip(), intent, programs, facts, day)
        result["backend"] = "grounded"
        if self.phraser is not None and not result["refused"] and hit is None:
            self._turn.facts, self._turn.day = facts, day
            result = self.phraser.phrase(question, result)
        # The answer speaks the question's script whatever its sources' script; the
        # citations keep the sources' own text.
        if is_traditional(question):
            result["answer"] = to_traditional(result["answer"])
        else:
            result["answer"] = to_simplified(result["answer"])
        result.update(_template_keys(hit, suggestions, sid))
        if self.sessions:
            new_state = {
                "kind": intent.kind,
                "programs": programs or state.get("programs", []),
                "question": state.get("question", "") if topic else question[:500],
            }
            self.sessions.save_turn(sid, question, result, facts, new_state)
        return result

    def _template_hit(
        self, question: str, programs: list[str], day: dt.date
    ) -> tuple[Candidate | None, list[Candidate]]:
        """The approved, current template that answers, and the closest ones for staff."""
        if self.templates is None:
            return None, []
        return self.templates.lookup(question, programs, day)

    def _template_answer(
        self,
        hit: Candidate,
        facts: dict[str, Any],
        programs: list[str],
        day: dt.date,
        *,
        count: bool = True,
    ) -> dict[str, Any]:
        """The template's body filled from the session's facts; its articles as citations.
        A hit that becomes the answer is counted (hits, last used); a tool call is not."""
        from assistant.core.facts import Facts
        from assistant.templates.fill import fill

        template = hit.template
        try:
            company: Facts | None = Facts(
                validate_profile(build_profile(facts, day)[0], source="对话中提供的企业信息"), day
            )
        except InputError:
            company = None
        filled = fill(template["body"], self.knowledge, company, programs or template["programs"])
        citations = []
        for article_id in template["articles"]:
            article = self.knowledge.article(article_id)
            citations.append(
                {
                    "document": article.document.title,
                    "doc_no": article.document.doc_no,
                    "article": article.meta.article,
                    "source_id": f"kb-{article.id}",
                    "text": article.body,
                }
            )
        if count and self.templates is not None:
            self.templates.store.record_hit(template["id"])
        return _plain(
            filled.text,
            citations,
            programs or list(template["programs"]),
            missing=list(filled.missing_fields),
        )

    def _answer(
        self,
        question: str,
        intent: Intent,
        programs: list[str],
        facts: dict[str, Any],
        day: dt.date,
    ) -> dict[str, Any]:
        if intent.out_of_scope:
            # Outside what the knowledge base covers, unless an uploaded document says it.
            return self._upload_answer(question, intent) or _refusal(REFUSAL)
        if intent.kind in ("eligibility", "gaps", "match") and facts:
            return self._engine_answer(intent.kind, programs, facts, day)
        own = any(not k.startswith(_CONTEXT_KEYS) for k in facts)
        return self._passage_answer(question, intent, programs, day, has_facts=own)

    def _engine_answer(
        self, kind: str, programs: list[str], facts: dict[str, Any], day: dt.date
    ) -> dict[str, Any]:
        profile_data, notes = build_profile(facts, day)
        try:
            profile = validate_profile(profile_data, source="对话中提供的企业信息")
        except InputError as exc:
            return _plain(f"您提供的数据有问题：{exc}。请更正后再问。", [], programs)
        targets = [p for p in programs if p in self.knowledge.rules][:3]
        if kind == "match" or not targets:
            ranking = match(self.knowledge, profile, day)
            text = compose_match(ranking, targets if kind == "gaps" else [])
            return _plain(
                text + "".join(f"\n\n> {n}" for n in notes),
                [],
                targets,
                missing=sorted({f for p in ranking["programs"][:3] for f in p["missing_fields"]}),
            )
        if kind == "gaps":
            ranking = match(self.knowledge, profile, day)
            text = compose_match(ranking, targets)
            results = [assess(self.knowledge, p, profile, day) for p in targets]
            return self._with_conditions(text, results, targets, notes)
        results = [assess(self.knowledge, p, profile, day) for p in targets]
        text = compose_assessment(results, notes)
        gaps = [
            g
            for r in results
            if r["verdict"] == "not_eligible"
            for g in program_gaps(self.knowledge, r["program"], profile, day, r)
            if g["delta"] is not None
        ]
        if gaps:
            text += "\n\n**还差：**\n" + "\n".join(f"- {g['text']}" for g in gaps)
        return self._with_conditions(text, results, targets, [], assessment=True)

    def _summary_first(self, program: str, day: dt.date) -> list[Any]:
        """The program's summary of conditions in force on ``day`` (tag 条件总览)."""
        for article in self.knowledge.articles_of(program):
            meta = article.meta
            if (
                SUMMARY_TAG in meta.tags
                and meta.effective <= day
                and (meta.expires is None or day <= meta.expires)
            ):
                found = self.retriever.passages_of(f"kb-{article.id}")
                if found:
                    return found[:1]
        return []

    def _with_conditions(
        self,
        text: str,
        results: list[dict[str, Any]],
        programs: list[str],
        notes: list[str],
        *,
        assessment: bool = False,
    ) -> dict[str, Any]:
        citations, seen = [], set()
        for r in results:
            for c in r["conditions"]:
                sid = c["citation"]["source_id"]
                if sid in seen:
                    continue
                seen.add(sid)
                article = self.knowledge.article(sid)
                citations.append({**c["citation"], "source_id": f"kb-{sid}", "text": article.body})
        missing = list(dict.fromkeys(m for r in results for m in r["missing_fields"]))
        out = _plain(
            text + "".join(f"\n\n> {n}" for n in notes), citations, programs, missing=missing
        )
        if assessment and results:
            out["assessment"] = results[0] if len(results) == 1 else results
        return out

    def _upload_answer(self, question: str, intent: Intent) -> dict[str, Any] | None:
        """The answer from uploaded documents when one carries the question's point."""
        passages = self.retriever.search(question, 6, doc_type="upload")
        shape = self.leads.shape(question)
        lead = self.leads.choose(question, passages, shape)
        if lead is None or not lead.answers:
            return None
        text, citations = compose_passage_answer(
            question,
            passages,
            [],
            intent.kind,
            (),
            self.retriever.tokenizer,
            scorer=self.leads,
            lead=lead,
        )
        return _plain(text, citations, [])

    def _passage_answer(
        self,
        question: str,
        intent: Intent,
        programs: list[str],
        day: dt.date,
        *,
        has_facts: bool = False,
    ) -> dict[str, Any]:
        single = programs[0] if len(programs) == 1 and intent.kind != "comparison" else None
        passages = self.retriever.search(question, 8, program=single)
        if (
            single
            and _GENERAL_CONDITIONS.search(question)
            and intent.kind in ("conditions", "eligibility")
        ):
            passages = self._summary_first(single, day) + passages
        supported = [p for p in passages if _supports(p, programs)]
        if not supported:
            return _refusal(NO_SOURCE)
        lead = None
        if intent.kind != "comparison":
            shape = self.leads.shape(question)
            lead = self.leads.choose(question, candidate_passages(supported, programs), shape)
            # Scope from evidence: with no program named and no company facts, the
            # passages must carry the question's own point, not merely share its topic.
            if lead is None or (not programs and not has_facts and not lead.answers):
                return _refusal(NO_SOURCE)
        topics = KIND_TOPICS.get(intent.kind, ())
        text, citations = compose_passage_answer(
            question,
            supported,
            programs,
            intent.kind,
            topics,
            self.retriever.tokenizer,
            scorer=self.leads,
            lead=lead,
        )
        found = programs or list(
            dict.fromkeys(
                c["source_id"] and p.program for p in supported[:1] for c in citations if p.program
            )
        )
        return _plain(text, citations, found)


_GENERAL_CONDITIONS = re.compile(
    r"哪些条件|什么条件|条件是什么|条件有哪些|满足哪些|怎么样才能|怎样才能|需要什么条件|要什么条件|"
    r"认定条件|申报条件|评价标准|什么要求"
)
SUMMARY_TAG = "条件总览"
# Facts that place a company but say nothing about its figures: alone, they do not turn a
# question into an eligibility check (「我们是青岛的公司，高企报到哪里？」).
_CONTEXT_KEYS = ("region.", "sector", "tech_field", "qualifications")


def _supports(passage: Any, programs: list[str]) -> bool:
    """Whether a passage is real support: it matched on keywords or meaning, and belongs to
    a program the question names (when it names any)."""
    if programs and passage.program and passage.program not in programs:
        return False
    dense = passage.dense_score
    strong_dense = dense is not None and dense >= MIN_DENSE_SUPPORT
    return (
        bool(programs)
        or strong_dense
        or (passage.keyword_rank is not None and passage.keyword_rank <= 3)
    )


def _template_keys(hit: Candidate | None, suggestions: list[Candidate], sid: str) -> dict[str, Any]:
    """The keys the templates add to the answer (``template_id`` is in the contract)."""
    return {
        "session_id": sid,
        "template_id": hit.template["id"] if hit else None,
        "template": {
            "id": hit.template["id"],
            "title": hit.template["title"],
            "version": hit.template["version"],
            "score": round(hit.score, 4),
        }
        if hit
        else None,
        "template_suggestions": [c.suggestion() for c in suggestions],
    }


def _asks_fit(question: str) -> bool:
    # On the simplified text: 「能申請…嗎」 asks what 「能申请…吗」 asks (found by a dialogue).
    simple = to_simplified(question)
    return any(w in simple for w in ("能不能", "能否", "可以", "符合", "能评", "能申请", "够"))


def _refusal(text: str) -> dict[str, Any]:
    return {
        "answer": text,
        "programs": [],
        "assessment": None,
        "citations": [],
        "missing_fields": [],
        "refused": True,
    }


def _plain(
    text: str,
    citations: list[dict[str, Any]],
    programs: list[str],
    *,
    missing: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "answer": text,
        "programs": programs,
        "assessment": None,
        "citations": citations,
        "missing_fields": missing or [],
        "refused": False,
    }


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested profile as dotted paths (lists and leaves kept as values).

    >>> flatten({"ip": {"invention_patents": 2}, "employees": 9})
    {'ip.invention_patents': 2, 'employees': 9}
    """
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and key not in ("st_award",):
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def build_profile(facts: dict[str, Any], as_of: dt.date) -> tuple[dict[str, Any], list[str]]:
    """Dotted facts -> a profile dict, resolving the conversational extras.

    - ``registered_year`` alone: the year's last day is used when even that date is a full
      year before ``as_of`` (so "registered ≥ 1 year" cannot be wrongly passed), with a note;
    - ``_tech_staff_percent`` / ``_rd_percent``: converted to counts or amounts when the
      base figure is known.

    >>> build_profile({"registered_year": 2019}, dt.date(2026, 11, 22))[0]
    {'registered_on': '2019-12-31'}
    """
    profile: dict[str, Any] = {}
    notes: list[str] = []
    for path, value in facts.items():
        if path.startswith("_") or path in ("registered_year", "registered_month"):
            continue
        node = profile
        *parents, key = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[key] = value
    if "registered_on" not in profile:
        date, note = _registration_date(facts, as_of)
        if date:
            profile["registered_on"] = date
            notes.append(note)
    return profile, notes


def _registration_date(facts: dict[str, Any], as_of: dt.date) -> tuple[str | None, str]:
    """A registration date from a year or a month alone, when it cannot change a verdict.

    The latest possible day is used when even it is a full year before ``as_of`` (the
    one-year rule passes whatever the day); the earliest possible day when even it is less
    than a year before (the rule fails whatever the day). Otherwise the date is asked for.
    """
    if isinstance(facts.get("registered_month"), str):
        year, month = (int(x) for x in facts["registered_month"].split("-"))
        first = dt.date(year, month, 1)
        last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        label = f"{year}年{month}月"
    elif isinstance(facts.get("registered_year"), int):
        year = facts["registered_year"]
        first, last, label = dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年"
    else:
        return None, ""
    if (as_of - last).days >= 365:
        return (
            last.isoformat(),
            f"只知道成立于{label}，按最晚的 {last} 估算，结论不受具体日期影响。",
        )
    if (as_of - first).days < 365:
        return (
            first.isoformat(),
            f"只知道成立于{label}，按最早的 {first} 估算，结论不受具体日期影响。",
        )
    return None, ""
