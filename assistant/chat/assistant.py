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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.chat.compose import (
    candidate_passages,
    compose_assessment,
    compose_match,
    compose_passage_answer,
)
from assistant.chat.dialogue import (
    CONTEXT_KEYS,
    DialogueState,
    FactChange,
    Plan,
    asks_fit,
    assess_facts,
    change_lines,
    chinese_error,
    nested_profile,
    plan_turn,
    question_clause,
)
from assistant.chat.extract import extract_facts
from assistant.chat.intent import KIND_TOPICS, Intent, IntentDetector
from assistant.chat.lead import LeadScorer
from assistant.chat.period import match_at_ends, period_note
from assistant.chat.scope_text import scope_text
from assistant.chat.turns import (
    Reply,
    assessment_changes,
    clarify_reply,
    condition_reply,
    facts_reply,
    said_notes,
)
from assistant.core.knowledge import Knowledge
from assistant.core.matching import program_gaps
from assistant.core.profile import validate_profile
from assistant.core.text import check_question, is_traditional, to_simplified, to_traditional
from assistant.errors import InputError
from assistant.search.retrieval import HybridRetriever
from assistant.store.db import SessionStore

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.chat.llm import LLMPhraser
    from assistant.templates.matcher import Candidate, TemplateMatcher

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
        self.intents = IntentDetector(knowledge.glossary.program_names, knowledge.vocabulary)
        self.scope = scope_text(knowledge)
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
            assessed = assess_facts(self.knowledge, [program], facts, day or dt.date.today())
            if assessed.problem:
                return assessed.problem
            result = assessed.results[0]
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
            assessed = assess_facts(self.knowledge, [], facts, day or dt.date.today())
            if assessed.profile is None:
                return assessed.problem
            result = checklist(self.knowledge, program, assessed.profile, day or dt.date.today())
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
        stored, raw_state = self.sessions.load(sid) if self.sessions and session_id else ({}, {})
        state = DialogueState.load(stored, raw_state)
        if profile:
            try:
                validate_profile(profile, source="profile")
            except InputError as exc:
                raise InputError(chinese_error(self.knowledge, exc, "profile")) from exc
            for path, value in flatten(profile).items():
                state.facts.setdefault(path, value)  # what the user said wins over the file
        extracted = extract_facts(question, day, self.knowledge.vocabulary)
        substantive = any(not k.startswith(CONTEXT_KEYS) for k in extracted.facts)
        intent = self.intents.detect(
            question,
            has_facts=substantive or bool(state.facts and asks_fit(question)),
            previous_kind=str(state.extra.get("kind", "")),
        )
        # The kind is read from the asking clause alone: figures before it (「注册时间是…」)
        # must not make 「…能申请科技型中小企业吗」 a procedure question.
        focus = question_clause(to_simplified(question))
        kind = (
            self.intents.detect(focus, has_facts=bool(state.facts or extracted.facts)).kind
            if focus != question
            else intent.kind
        )
        plan = plan_turn(
            question,
            kind=kind,
            programs=intent.programs,
            follow_up=intent.follow_up,
            out_of_scope=intent.out_of_scope,
            message_facts=extracted.facts,
            state=state,
        )
        if plan.own and extracted.facts:
            changed = state.merge(extracted.facts, day)
        else:
            changed, state.turn = [], state.turn + 1
        programs = list(intent.programs) or (
            state.programs
            if intent.follow_up
            or plan.act in ("assessment", "facts")
            or kind in ("eligibility", "gaps")
            else []
        )
        # 「那科技型中小企业呢？」 after 「高企证书有效期几年？」 asks the earlier question
        # of another program: the earlier question's words join the search.
        topic = (
            self.intents.without_programs(str(state.extra.get("question", "")))
            if intent.follow_up and intent.programs
            else ""
        )
        turn = _Turn(question, day, state, extracted.facts, intent, kind, plan, changed, programs)
        result, act, changes, hit, suggestions = self._respond(turn, topic)
        result["backend"] = "grounded"
        if self.phraser is not None and not result["refused"] and hit is None:
            self._turn.facts, self._turn.day = state.facts, day
            result = self.phraser.phrase(question, result)
        # The answer speaks the question's script whatever its sources' script; the
        # citations keep the sources' own text.
        if is_traditional(question):
            result["answer"] = to_traditional(result["answer"])
        else:
            result["answer"] = to_simplified(result["answer"])
        result.update(_template_keys(hit, suggestions, sid))
        result["act"] = act
        result["facts"] = nested_profile(state.facts)
        result["changes"] = [
            {k: c[k] for k in ("condition", "program", "before", "after")} for c in changes
        ]
        if self.sessions:
            state.extra.update(
                kind=intent.kind,
                question=state.extra.get("question", "") if topic else question[:500],
            )
            state.programs = programs or state.programs
            self.sessions.save_turn(sid, question, result, state.facts, state.dump())
        return result

    def _respond(
        self, turn: _Turn, topic: str
    ) -> tuple[dict[str, Any], str, list[dict[str, Any]], Candidate | None, list[Candidate]]:
        """The turn's answer by its act: (answer, act, changes, template hit, suggestions)."""
        act, state, day, programs = turn.plan.act, turn.state, turn.day, turn.programs
        if act == "refusal":
            # Outside what the knowledge base covers, unless an uploaded document says it.
            upload = self._upload_answer(turn.question, turn.intent)
            if upload is not None:
                return upload, "answer", [], None, []
            return _refusal(self.scope.refusal), act, [], None, []
        if act == "facts":
            reply = facts_reply(self.knowledge, state, turn.stated, turn.changed, programs, day)
            return self._reply(reply), reply.act("facts"), reply.changes, None, []
        if act == "condition":
            facts = state.facts if turn.plan.own else turn.stated
            reply = condition_reply(
                self.knowledge, turn.stated, facts, programs, day, timing=turn.plan.timing
            )
            return self._reply(reply), reply.act("condition"), [], None, []
        if act == "clarify":
            return self._reply(clarify_reply(self.knowledge, programs, day)), act, [], None, []
        if act == "assessment":
            result, changes = self._engine_answer(turn.kind, programs, state, turn.changed, day)
            return result, str(result.pop("_act", "assessment")), changes, None, []
        hit, suggestions = (
            self._template_hit(turn.question, list(turn.intent.programs), day)
            if not turn.intent.out_of_scope
            else (None, [])
        )
        if hit is not None:
            answer = self._template_answer(hit, state.facts, list(turn.intent.programs), day)
            return answer, "answer", [], hit, suggestions
        own = any(not k.startswith(CONTEXT_KEYS) for k in state.facts)
        result = self._passage_answer(
            f"{turn.question} {topic}".strip(), turn.intent, programs, day, has_facts=own
        )
        return result, "refusal" if result["refused"] else "answer", [], None, suggestions

    def _reply(self, reply: Reply) -> dict[str, Any]:
        """A dialogue reply as the contract's answer, citing the conditions it rests on."""
        if not reply.results:
            return _plain(reply.text, [], reply.programs, missing=reply.missing)
        return self._with_conditions(
            reply.text,
            reply.results,
            reply.programs,
            [],
            assessment=reply.show_assessment,
            missing=reply.missing,
        )

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
        checked = assess_facts(self.knowledge, [], facts, day).profile
        company = Facts(checked, day) if checked is not None else None
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

    def _engine_answer(
        self,
        kind: str,
        programs: list[str],
        state: DialogueState,
        changed: list[FactChange],
        day: dt.date,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The engine's verdicts over the session's facts, with what changed since the last
        assessment of the same programs (and the ranking for 「能申请哪些」)."""
        targets = [p for p in programs if p in self.knowledge.rules][:3]
        assessed = assess_facts(self.knowledge, targets, state.facts, day)
        if assessed.problem or assessed.profile is None:
            out = _plain(assessed.problem, [], programs)
            out["_act"] = "clarify"
            return out, []
        updated = "".join(
            "\n\n#### 已更新\n\n" + "\n".join(change_lines(self.knowledge, changed))
            for _ in changed[:1]
        )
        ranking, notes = None, assessed.notes
        if kind in ("match", "gaps") or not targets:
            # A registration period is ranked at both ends too (match_at_ends).
            ranking, depends = match_at_ends(self.knowledge, assessed.profiles, day)
        if ranking is not None and (kind == "match" or not targets):
            # The note speaks of every program the ranking shows, not only those assessed.
            notes = said_notes(state, period_note(state.facts, depends))
            text = compose_match(ranking, targets if kind == "gaps" else [])
            return _plain(
                text + updated + "".join(f"\n\n> {n}" for n in notes),
                [],
                targets,
                missing=sorted({f for p in ranking["programs"][:3] for f in p["missing_fields"]}),
            ), []
        notes = said_notes(state, notes)
        results = assessed.results
        changes, lines = assessment_changes(state, results)
        if ranking is not None:
            text = compose_match(ranking, targets) + updated
            return self._with_conditions(text, results, targets, notes), changes
        gaps = [
            g
            for r in results
            if r["verdict"] == "not_eligible"
            for g in program_gaps(self.knowledge, r["program"], assessed.profile, day, r)
            if g["delta"] is not None
        ]
        text = compose_assessment(results, notes, gaps)
        if lines:
            # What this turn changed belongs right under the verdict, before the details.
            text = _after_lead(text, "#### 变化\n\n" + "\n".join(lines))
        text += updated
        return self._with_conditions(text, results, targets, [], assessment=True), changes

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
        missing: list[str] | None = None,
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
        if missing is None:
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
            version_notes=self.scope.version_notes,
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
        passages = self.retriever.search(question, 8, program=single, keep_uploads=True)
        if (
            single
            and _GENERAL_CONDITIONS.search(question)
            and intent.kind in ("conditions", "eligibility")
        ):
            passages = self._summary_first(single, day) + passages
        supported = [p for p in passages if _supports(p, programs)]
        if not supported:
            return _refusal(self.scope.no_source)
        lead = None
        if intent.kind != "comparison":
            shape = self.leads.shape(question)
            lead = self.leads.choose(question, candidate_passages(supported, programs), shape)
            # Scope from evidence: with no program named and no company facts, the
            # passages must carry the question's own point, not merely share its topic.
            if lead is None or (not programs and not has_facts and not lead.answers):
                return _refusal(self.scope.no_source)
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
            version_notes=self.scope.version_notes,
        )
        found = programs or list(
            dict.fromkeys(
                c["source_id"] and p.program for p in supported[:1] for c in citations if p.program
            )
        )
        return _plain(text, citations, found)


@dataclass
class _Turn:
    """What a turn works with once its facts are read and its act is planned."""

    question: str
    day: dt.date
    state: DialogueState
    stated: dict[str, Any]
    intent: Intent
    kind: str
    plan: Plan
    changed: list[FactChange]
    programs: list[str]


_GENERAL_CONDITIONS = re.compile(
    r"哪些条件|什么条件|条件是什么|条件有哪些|满足哪些|怎么样才能|怎样才能|需要什么条件|要什么条件|"
    r"认定条件|申报条件|评价标准|什么要求"
)
SUMMARY_TAG = "条件总览"


def _after_lead(text: str, section: str) -> str:
    """``section`` inserted after the answer's lead paragraph (before its first section)."""
    lead, sep, rest = text.partition("\n\n#### ")
    return f"{lead}\n\n{section}" + (f"\n\n#### {rest}" if sep else "")


def _supports(passage: Any, programs: list[str]) -> bool:
    """Whether a passage is real support: it matched on keywords or meaning, and belongs to
    a program the question names (when it names any). An uploaded document counts whatever
    its program tag when it matched: the tag is only the program the file names most."""
    dense = passage.dense_score
    strong_dense = dense is not None and dense >= MIN_DENSE_SUPPORT
    matched = strong_dense or (passage.keyword_rank is not None and passage.keyword_rank <= 3)
    if programs and passage.program and passage.program not in programs:
        return matched and passage.metadata.get("doc_type") == "upload"
    return bool(programs) or matched


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
