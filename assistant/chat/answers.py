"""The answer of each act of a turn, as the contract's answer body: the engine's verdicts,
a dialogue reply, a filled template, a passage answer, a refusal.

:class:`~assistant.chat.conversation.ChatAssistant` decides the act; this module builds what it
answers. Verdicts and figures come from the engine, passages from retrieval; nothing here
keeps state between turns beyond what the session's :class:`DialogueState` holds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.chat.compose import (
    candidate_passages,
    compose_assessment,
    compose_match,
    compose_passage_answer,
    missing_section,
    ranked_missing,
    score_details,
    score_line,
)
from assistant.chat.dialogue import DialogueState, FactChange, assess_facts, change_lines
from assistant.chat.intent import KIND_TOPICS, Intent
from assistant.chat.lead import COVERED, PARTLY_COVERED, PLACE_WORDS, UNSEEN_LIMIT, LeadScorer
from assistant.chat.period import match_at_ends, period_note
from assistant.chat.scope_text import ScopeText
from assistant.chat.turns import Reply, assessment_changes, said_notes
from assistant.core.knowledge import Knowledge
from assistant.core.matching import program_gaps
from assistant.core.results import (
    Act,
    AnswerBody,
    Assessment,
    ConditionChange,
    QuotedCitation,
)
from assistant.search.retrieval import HybridRetriever, Passage

if TYPE_CHECKING:
    from assistant.templates.matcher import Candidate, TemplateMatcher

# A passage counts as support only above this e5 cosine (calibrated on eval/sets/answers:
# unrelated questions top out near 0.83, answerable ones start near 0.85).
MIN_DENSE_SUPPORT = 0.84
SUMMARY_TAG = "条件总览"
_GENERAL_CONDITIONS = re.compile(
    r"哪些条件|什么条件|条件是什么|条件有哪些|满足哪些|怎么样才能|怎样才能|需要什么条件|要什么条件|"
    r"认定条件|申报条件|评价标准|什么要求"
)

EngineAnswer = tuple[AnswerBody, list[ConditionChange], Act]
"""The engine's answer, the changes since the last assessment, and the act performed."""


class Answers:
    """Builds the answer body of each act over the knowledge base and the search stack.

    Args:
        knowledge: The knowledge base.
        retriever: Hybrid retrieval over the index.
        leads: Chooses the sentence that answers.
        scope: The refusal texts and the rule-version notes.
        templates: Staff's answer templates (None: every answer is composed).
    """

    def __init__(
        self,
        knowledge: Knowledge,
        retriever: HybridRetriever,
        leads: LeadScorer,
        scope: ScopeText,
        templates: TemplateMatcher | None = None,
    ) -> None:
        """Keep the parts the answers are built from."""
        self.knowledge = knowledge
        self.retriever = retriever
        self.leads = leads
        self.scope = scope
        self.templates = templates

    def reply(self, reply: Reply) -> AnswerBody:
        """A dialogue reply as the contract's answer, citing the conditions it rests on."""
        if not reply.results:
            return plain(reply.text, [], reply.programs, missing=reply.missing)
        out = self.with_conditions(
            reply.text,
            reply.results,
            reply.programs,
            [],
            assessment=reply.show_assessment,
            missing=reply.missing,
        )
        if whole := reply.decided or reply.overall:
            out["assessment"] = whole[0] if len(whole) == 1 else whole
        return out

    def template_hit(
        self, question: str, programs: list[str], day: dt.date
    ) -> tuple[Candidate | None, list[Candidate]]:
        """The approved, current template that answers, and the closest ones for staff."""
        if self.templates is None:
            return None, []
        return self.templates.lookup(question, programs, day)

    def template_answer(
        self,
        hit: Candidate,
        facts: dict[str, Any],
        programs: list[str],
        day: dt.date,
        *,
        count: bool = True,
    ) -> AnswerBody:
        """The template's body filled from the session's facts; its articles as citations.
        A hit that becomes the answer is counted (hits, last used); a tool call is not."""
        from assistant.core.facts import Facts
        from assistant.templates.fill import fill

        template = hit.template
        checked = assess_facts(self.knowledge, [], facts, day).profile
        company = Facts(checked, day) if checked is not None else None
        filled = fill(template["body"], self.knowledge, company, programs or template["programs"])
        citations: list[QuotedCitation] = []
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
        return plain(
            filled.text,
            citations,
            programs or list(template["programs"]),
            missing=list(filled.missing_fields),
        )

    def engine(
        self,
        kind: str,
        programs: list[str],
        state: DialogueState,
        changed: list[FactChange],
        day: dt.date,
    ) -> EngineAnswer:
        """The engine's verdicts over the session's facts, with what changed since the last
        assessment of the same programs (and the ranking for 「能申请哪些」). The act is
        ``clarify`` when the facts cannot be assessed yet."""
        targets = [p for p in programs if p in self.knowledge.rules][:3]
        assessed = assess_facts(self.knowledge, targets, state.facts, day)
        if assessed.problem or assessed.profile is None:
            return plain(assessed.problem, [], programs), [], "clarify"
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
            missing = sorted({f for p in ranking["programs"][:3] for f in p["missing_fields"]})
            body = plain(
                text + updated + "".join(f"\n\n> {n}" for n in notes),
                [],
                targets,
                missing=missing,
            )
            return body, [], "assessment"
        notes = said_notes(state, notes)
        results = assessed.results
        changes, lines = assessment_changes(state, results)
        if ranking is not None:
            text = compose_match(ranking, targets)
            if asked := missing_section(results):
                text += "\n\n" + asked
            text += updated
            # 「还差什么」 about the programs in play: their assessment goes with the gaps.
            body = self.with_conditions(text, results, targets, notes, assessment=True)
            return body, changes, "assessment"
        gaps = [
            g
            for r in results
            if r["verdict"] == "not_eligible"
            for g in program_gaps(self.knowledge, r["program"], assessed.profile, day, r)
            if g["delta"] is not None
        ]
        text = compose_assessment(results, notes, gaps)
        scores = [score_line(r) for r in results if r["score"]]
        if kind == "scoring" and scores:
            # 「能打多少分」: the score is the answer, with the items the figures decide;
            # the verdict follows.
            details = [d for r in results if (d := score_details(r))]
            text = "\n\n".join(["；".join(scores) + "。", *details, text])
        if lines:
            # What this turn changed belongs right under the verdict, before the details.
            text = after_lead(text, "#### 变化\n\n" + "\n".join(lines))
        text += updated
        body = self.with_conditions(text, results, targets, [], assessment=True)
        return body, changes, "assessment"

    def with_conditions(
        self,
        text: str,
        results: list[Assessment],
        programs: list[str],
        notes: list[str],
        *,
        assessment: bool = False,
        missing: list[str] | None = None,
    ) -> AnswerBody:
        """The answer citing each article the assessed conditions rest on (once each);
        with ``assessment``, the assessment (or the list of them) itself."""
        citations: list[QuotedCitation] = []
        seen = set()
        for r in results:
            for c in r["conditions"]:
                sid = c["citation"]["source_id"]
                if sid in seen:
                    continue
                seen.add(sid)
                article = self.knowledge.article(sid)
                citations.append({**c["citation"], "source_id": f"kb-{sid}", "text": article.body})
        if missing is None:
            missing = ranked_missing(results)
        out = plain(
            text + "".join(f"\n\n> {n}" for n in notes), citations, programs, missing=missing
        )
        if assessment and results:
            out["assessment"] = results[0] if len(results) == 1 else results
        return out

    def upload(self, question: str, intent: Intent) -> AnswerBody | None:
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
        return plain(text, citations, [])

    def passages(
        self,
        question: str,
        intent: Intent,
        programs: list[str],
        day: dt.date,
        *,
        has_facts: bool = False,
        context: Sequence[str] = (),
        closest: bool = True,
    ) -> AnswerBody:
        """The answer from the knowledge base's passages, or a refusal when none supports
        the question.

        ``closest``: a question naming no program, inside a conversation, may be answered
        from the conversation program's closest passage (see :meth:`_within_conversation`).

        ``context``: the programs the conversation is about, for a question that names none
        (「要准备哪些材料？」 after a question on 高企). The question is first answered within
        them, when their passages carry its point; else from the whole knowledge base."""
        if not programs and len(context) > 1 and intent.kind == "comparison":
            # 「哪个更容易？」 after comparing two programs compares the same two: their
            # names join the search, which finds the passages comparing them.
            names = self.knowledge.glossary.program_names
            named = " ".join(names[p][0] for p in context if names.get(p))
            return self._passages(f"{question} {named}", intent, list(context), day, evidence=False)
        in_topic = not programs and bool(context) and intent.kind not in ("comparison", "match")
        if in_topic:
            body = self._passages(question, intent, list(context), day, evidence=False, topic=True)
            if not body["refused"]:
                return body
        # With no program named and no company facts, the passages must carry the question's
        # point; so must they when the conversation's own program did not (the company's
        # figures do not make 「个税怎么填」 a question the knowledge base answers).
        evidence = not programs and (not has_facts or intent.contextual or in_topic)
        body = self._passages(question, intent, programs, day, evidence=evidence)
        if closest and in_topic and body["refused"] and self._within_conversation(question, intent):
            # 「明年报的话是不是就不算大前年了」 in a conversation on 高企: no passage says it,
            # but the question is the conversation's, in words the knowledge base uses. Its
            # closest passage of the program, said to be not the exact point, beats a refusal.
            body = self._passages(
                question, intent, list(context), day, evidence=False, least=PARTLY_COVERED
            )
        elsewhere = [p for p in body["programs"] if p not in context]
        if in_topic and not body["refused"] and elsewhere and len(context) == 1:
            # Answered from another program's rules than the conversation's: say so, the
            # user asked about the conversation's program.
            programs_by_id = self.knowledge.programs
            own = programs_by_id[context[0]].name
            other = "、".join(programs_by_id[p].name for p in elsewhere)
            note = f"（{own}的资料中没有直接说明这一点；以下是{other}的相关内容，仅供参照。）"
            body = {**body, "answer": f"{note}\n\n{body['answer']}"}
        return body

    def _within_conversation(self, question: str, intent: Intent) -> bool:
        """Whether a question that names no program stays within the conversation: not
        out of scope by its words, and asking mostly in words the knowledge base uses (a
        detour to stock tips or the weather does not)."""
        shape = self.leads.shape(question)
        if intent.out_of_scope or not shape.focus:
            return False  # 「个税怎么填」 has no word a passage could be evidence for
        return self.leads.unseen_share(shape) < UNSEEN_LIMIT

    def _passages(
        self,
        question: str,
        intent: Intent,
        programs: list[str],
        day: dt.date,
        *,
        evidence: bool,
        topic: bool = False,
        least: float = 0.0,
    ) -> AnswerBody:
        """The passage answer (a refusal when the chosen sentence carries less than
        ``least`` of the question's focus); with ``evidence``, a refusal unless the chosen sentence
        carries the question's own point (not merely its topic). With ``topic`` (the
        programs are the conversation's, not the question's), a refusal unless it carries
        the question's terms: a figure the program's passages lack is then said to be
        missing rather than taken from another program."""
        single = programs[0] if len(programs) == 1 and intent.kind != "comparison" else None
        shape = self.leads.shape(question)
        # 「去哪报」 has almost nothing to search with: the words places are named with join.
        query = f"{question} {PLACE_WORDS}" if shape.kind == "place" else question
        passages = self.retriever.search(query, 8, program=single, keep_uploads=True)
        if (
            single
            and _GENERAL_CONDITIONS.search(question)
            and intent.kind in ("conditions", "eligibility")
            # 「职工总数有什么要求」 asks for one condition, not the summary of all of them
            and not shape.attributes
        ):
            passages = self._summary_first(single, day) + passages
        supported = [p for p in passages if supports(p, programs)]
        if not supported:
            return refusal(self.scope.no_source)
        lead = None
        topics = KIND_TOPICS.get(intent.kind, ())
        if intent.kind == "comparison" and evidence:
            # A comparison naming no program (「年会在哪里办比较好」) needs the same evidence
            # as any question: its words, not its form, tie it to the knowledge base.
            check = self.leads.choose(question, candidate_passages(supported, programs, ()), shape)
            if check is None or not check.answers:
                return refusal(self.scope.no_source)
        if intent.kind != "comparison":
            # The default kind (no cue word) says too little to reorder passages by topic.
            ordered = topics if intent.kind != "conditions" else ()
            lead = self.leads.choose(
                question, candidate_passages(supported, programs, ordered), shape
            )
            # Scope from evidence: with no program named and no company facts, the
            # passages must carry the question's own point, not merely share its topic.
            if lead is None or (evidence and not lead.answers):
                return refusal(self.scope.no_source)
            if (topic and lead.coverage < COVERED) or lead.coverage < least:
                return refusal(self.scope.no_source)

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
        return plain(text, citations, found)

    def _summary_first(self, program: str, day: dt.date) -> list[Passage]:
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


def after_lead(text: str, section: str) -> str:
    """``section`` inserted after the answer's lead paragraph (before its first section)."""
    lead, sep, rest = text.partition("\n\n#### ")
    return f"{lead}\n\n{section}" + (f"\n\n#### {rest}" if sep else "")


def supports(passage: Passage, programs: list[str]) -> bool:
    """Whether a passage is real support: it matched on keywords or meaning, and belongs to
    a program the question names (when it names any). An uploaded document counts whatever
    its program tag when it matched: the tag is only the program the file names most."""
    dense = passage.dense_score
    strong_dense = dense is not None and dense >= MIN_DENSE_SUPPORT
    matched = strong_dense or (passage.keyword_rank is not None and passage.keyword_rank <= 3)
    if programs and passage.program and passage.program not in programs:
        return matched and passage.metadata.get("doc_type") == "upload"
    return bool(programs) or matched


def refusal(text: str) -> AnswerBody:
    """A refusal: the text, no program, no citation."""
    return {
        "answer": text,
        "programs": [],
        "assessment": None,
        "citations": [],
        "missing_fields": [],
        "refused": True,
    }


def plain(
    text: str,
    citations: list[QuotedCitation],
    programs: list[str],
    *,
    missing: list[str] | None = None,
) -> AnswerBody:
    """An answer that is not a refusal."""
    return {
        "answer": text,
        "programs": programs,
        "assessment": None,
        "citations": citations,
        "missing_fields": missing or [],
        "refused": False,
    }
