"""The chat assistant: one turn in, the contract's ``ask`` JSON out.

A turn: validate the question, load the session, add the company facts the question states
(later values replace earlier ones), detect the programs and the kind of question, answer
from the engine (eligibility, gaps, ranking) or from retrieved passages, translate back to
traditional Chinese when asked in it, and store the turn. Out-of-scope questions, and
questions the knowledge base has nothing on, are refused with no citations.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from assistant.chat.answers import Answers, refusal
from assistant.chat.corrections import (
    added_to_held,
    reply_to_asked,
    resolve_corrections,
    unplaced_amounts,
    withdrawn,
)
from assistant.chat.dialogue import (
    ANOTHER_COMPANY,
    DATE_KEYS,
    DialogueState,
    FactChange,
    Plan,
    asks_fit,
    assess_facts,
    change_lines,
    chinese_error,
    facts_list,
    nested_profile,
    plan_turn,
    question_clause,
    remember,
    states_figures,
    without_typed_scene,
)
from assistant.chat.extract import Extraction, extract_facts
from assistant.chat.fact_cues import CORRECTION, years_in
from assistant.chat.figures import fields_named, without_figures
from assistant.chat.intent import Intent, IntentDetector
from assistant.chat.lead import UNSEEN_LIMIT, LeadScorer
from assistant.chat.mixed_language import in_chinese
from assistant.chat.numbers import first_amount
from assistant.chat.scope_text import scope_text
from assistant.chat.turns import (
    clarify_reply,
    computed_line,
    condition_reply,
    facts_reply,
    ratio_reply,
    settled_line,
)
from assistant.chat.windows import asks_when_to_apply, window_line, years_line
from assistant.core.knowledge import Knowledge
from assistant.core.profile import validate_profile
from assistant.core.results import (
    Act,
    Answer,
    AnswerBody,
    ConditionChange,
    GroundedAnswer,
    TemplateRef,
)
from assistant.core.text import (
    check_question,
    is_traditional,
    normalize,
    to_simplified,
    to_traditional,
)
from assistant.errors import InputError
from assistant.search.retrieval import HybridRetriever
from assistant.store.db import SessionStore

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.chat.llm import LLMPhraser
    from assistant.templates.matcher import Candidate, TemplateMatcher

    _Response = tuple[AnswerBody, Act, list[ConditionChange], Candidate | None, list[Candidate]]
    """A turn's answer body, its act, the changes, the template that answered, the closest."""

MAX_QUESTION_CHARS = 2000
# Opens the facts reply to a message whose question the knowledge base does not answer.
_NOT_IN_KB = "您问的这一点，知识库中没有找到直接的说明；您给的信息已记下："
_UNPLACED = (
    "这句更正我没能对应到具体的数字，请按「2024年研发费用是90万」这样的说法再说一次；"
    "目前记下的信息如下："
)
# Opens the reply to a message whose amounts no reader could place.
_UNREAD = (
    "您提到的{said}我没能确定对应哪一项，暂时没有记下；请按「2025年研发费用175万，其中委托"
    "境内高校30万」这样的说法再说一次。目前记下的信息如下："
)
# 「那刚才那个呢」, 「之前那个还差什么」: the program talked about before the last switch.
_BACK = re.compile(
    r"(?:刚才|之前|前面|原来|先前)(?:说的|问的|聊的|的)?那个(?:项目)?"
    r"(?=\s*(?:呢|还|怎么|能|够|行|[，,。？?!！]|$))"
)
# A request to write or make something (a text, a translation): a detour unless what it
# asks for is in the knowledge base's words.
_MAKE = re.compile(
    r"帮我?(?:写|起草|拟|编|改|润色|翻译|做)|(?<!填)写(?:个|一[个篇首段份封]|段)|起草|润色|翻译成"
)
# A message that supposes figures (「要是研发只有60万的话」) rather than states them.
_SUPPOSE = re.compile(r"如果|假如|假设|要是|若是|万一|(?<=[\d万亿元人个项件%％])\s*的话")
# Said after a turn that moved on to another company (see ``ANOTHER_COMPANY``).
_SWITCHED = "（已按另一家企业重新记录：之前那家企业的信息不再用于这次判断。）"


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
        self.intents = IntentDetector(
            knowledge.glossary.program_names, knowledge.vocabulary, knowledge.glossary.domain_words
        )
        self.scope = scope_text(knowledge)
        self.leads = LeadScorer(
            retriever.embeddings,
            retriever.tokenizer,
            lambda term: retriever.keyword_index().idf(term),
            self.intents.without_programs,
            self.intents.programs,
            knowledge.glossary.synonyms,
        )
        self.answers = Answers(knowledge, retriever, self.leads, self.scope, templates)
        self.phraser: LLMPhraser | None = None
        self._turn = threading.local()

    @property
    def templates(self) -> TemplateMatcher | None:
        """Staff's answer templates (None: every answer is composed)."""
        return self.answers.templates

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
            hit = self.answers.template_hit(question, programs, day)[0]
            if hit is None:
                return "暂无与该问题匹配的已审核答复模板。"
            answer = self.answers.template_answer(hit, facts, programs, day, count=False)
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
    ) -> Answer:
        """Answer one turn (contract: ``ask --json``).

        Raises:
            InputError: empty or over-long question, invalid profile or session id.
        """
        question = check_question(question, MAX_QUESTION_CHARS)
        # One look at whether the index changed serves the whole turn.
        with self.retriever.pinned():
            return self._ask(question, session_id, profile, as_of)

    def _ask(
        self,
        question: str,
        session_id: str | None,
        profile: dict[str, Any] | None,
        as_of: dt.date | None,
    ) -> Answer:
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
        said = question
        # English terms mixed in (R&D, revenue, 5000w) are read as the Chinese ones.
        question = in_chinese(question)
        extracted, switched, supposed = self._read_facts(question, day, state)
        intent, kind, plan = self._plan(question, extracted, state)
        # 「研发那个24年的数先别算」 withdraws a figure: it is dropped and the reply says so.
        changed = state.withdraw(withdrawn(normalize(question), day, state.facts))
        if changed:
            plan = replace(plan, act="facts", own=True)
        if plan.own and extracted.facts:
            changed += state.merge(extracted.facts, day, extracted.lacking)
        else:
            state.turn += 1
        # 「那怎么办，今年还来得及吗」 names no program: when to apply is asked of the
        # conversation's program, whose calendar answers it.
        when = asks_when_to_apply(to_simplified(question))
        programs = _turn_programs(intent, plan, kind, when, state, supposed)
        # 「那科技型中小企业呢？」 after 「高企证书有效期几年？」 asks the earlier question
        # of another program: the earlier question's words join the search.
        topic = (
            self.intents.without_programs(str(state.extra.get("question", "")))
            if intent.follow_up and intent.programs
            else ""
        )
        turn = _Turn(
            question,
            day,
            state,
            extracted.facts,
            intent,
            kind,
            plan,
            changed,
            programs,
            when,
            supposed,
        )
        body, act, changes, hit, suggestions = self._respond(turn, topic)
        body = self._with_window(body, act, turn)
        body = self._with_years(body, act, turn)
        body = self._with_computed(body, act, turn)
        grounded = _grounded(body)
        if self.phraser is not None and not grounded["refused"] and hit is None:
            self._turn.facts, self._turn.day = state.facts, day
            grounded = self.phraser.phrase(question, grounded)
        # The answer speaks the question's script whatever its sources' script; the
        # citations keep the sources' own text.
        grounded = self._with_notes(grounded, state, switched)
        script = to_traditional if is_traditional(question) else to_simplified
        result: Answer = {
            **grounded,
            "answer": script(grounded["answer"]),
            "session_id": sid,
            "template_id": hit.template["id"] if hit else None,
            "template": _template_ref(hit),
            "template_suggestions": [c.suggestion() for c in suggestions],
            "act": act,
            "facts": nested_profile(state.facts),
            "changes": [
                {
                    "condition": c["condition"],
                    "program": c["program"],
                    "before": c["before"],
                    "after": c["after"],
                }
                for c in changes
            ],
        }
        if self.sessions:
            if not result["refused"]:
                state.extra["asked"] = list(result["missing_fields"])[:40]
            state.extra.update(
                kind=intent.kind,
                question=state.extra.get("question", "") if topic else question[:500],
            )
            # The conversation's program: the one named, else the one the answer was
            # about (a question naming none is read in its context next turn).
            # (Not the nearest programs a facts reply lists: the user chose none of them.)
            about = result["programs"] if len(result["programs"]) == 1 and act == "answer" else []
            now = programs or (about if not result["refused"] else []) or state.programs
            if state.programs and now != state.programs:
                state.extra["earlier"] = state.programs  # what 「刚才那个」 returns to
            state.programs = now
            self.sessions.save_turn(sid, said, result, state.facts, state.dump())
        return result

    def _read_facts(
        self, question: str, day: dt.date, state: DialogueState
    ) -> tuple[Extraction, bool, dict[str, Any]]:
        """The company facts the message states, whether it moved on to another company
        (the session then forgets the earlier one), and the facts it only supposes."""
        extracted = extract_facts(question, day, self.knowledge.vocabulary)
        extracted.facts = state.without_rough(extracted.facts, extracted.rough)
        # 「另一家客户：职工520人…」: the earlier company's facts are not this one's.
        switched = bool(state.facts and extracted.facts and ANOTHER_COMPANY.search(question))
        if switched:
            state.another_company()
        # A correction that points at an earlier figure instead of naming its field.
        extracted.facts.update(
            resolve_corrections(
                normalize(question), day, state.facts, state.origin, extracted.facts
            )
        )
        # 「科技人员少算了，还有6个」: the figure adds to the one held.
        extracted.facts = added_to_held(normalize(question), state.facts, extracted.facts)
        if not extracted.facts and not fields_named(question):
            # A bare figure answers what the last reply asked for (「去年是四千五百万」).
            # The fields the user's own last question named come after what the reply asked
            # for (「小巨人要几个发明专利？」, then 「两个」).
            asked = [str(f) for f in state.extra.get("asked") or ()]
            asked += fields_named(str(state.extra.get("question", "")))
            extracted.facts.update(reply_to_asked(normalize(question), day, asked))
        # 「要是研发费用只有60万的话，还行吗？」: the figures are supposed, not the company's.
        supposed = self._supposed(question, day, state, extracted.facts)
        return extracted, switched, supposed

    def _plan(
        self, question: str, extracted: Extraction, state: DialogueState
    ) -> tuple[Intent, str, Plan]:
        """The turn's intent, question kind and planned act."""
        # A title said not to be held, or a province outside the one served, decides
        # conditions as a figure does.
        outside = bool(self._elsewhere(extracted.facts))
        decides = bool(extracted.lacking) or outside
        substantive = states_figures(extracted.facts) or decides
        # Facts the session holds make a question about fit only when it asks about fit
        # (「证书编号会变吗」 in a session with figures is a policy question).
        has_fit = asks_fit(question)
        intent = self.intents.detect(
            question,
            has_facts=substantive or bool(state.facts and has_fit),
            previous_kind=str(state.extra.get("kind", "")),
            in_topic=bool(state.programs),
        )
        intent = _beyond_held_titles(intent, extracted.facts, extracted.lacking, state)
        earlier = [str(p) for p in state.extra.get("earlier") or ()]
        if not intent.programs and earlier and _BACK.search(to_simplified(question)):
            # 「那刚才那个呢」 after a detour to another program returns to the one before.
            # It names that program by reference: not a message read only in context.
            intent = replace(intent, programs=tuple(earlier), follow_up=True, contextual=False)
        # The kind is read from the asking clause alone: figures before it (「注册时间是…」)
        # must not make 「…能申请科技型中小企业吗」 a procedure question.
        focus = question_clause(to_simplified(question))
        kind = (
            self.intents.detect(focus, has_facts=substantive or bool(has_fit and state.facts)).kind
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
            decides=decides,
        )
        if plan.act in ("assessment", "condition", "facts") and self._beyond_evidence(
            question, intent, extracted.facts
        ):
            # a detour's figures are not stored: 「庆祝营收破三千万」 is no revenue figure
            plan = replace(plan, act="refusal", own=False)
        return intent, kind, plan

    def _with_notes(
        self, grounded: GroundedAnswer, state: DialogueState, switched: bool
    ) -> GroundedAnswer:
        """The answer with what it must say at its end: that the facts now are another
        company's, and (once) what holds for a company outside the province."""
        if switched:
            grounded = {**grounded, "answer": f"{grounded['answer']}\n\n{_SWITCHED}"}
        if not grounded["refused"] and (note := self._elsewhere_note(state)):
            grounded = {**grounded, "answer": f"{grounded['answer']}\n\n> {note}"}
        return grounded

    def _elsewhere(self, facts: dict[str, Any]) -> str:
        """The province the facts place the company in when it is not the one served."""
        regions = self.knowledge.vocabulary.regions
        where = facts.get("region.province")
        return "" if not where or where in (regions.province, regions.province_short) else where

    def _elsewhere_note(self, state: DialogueState) -> str:
        """Once per session, for a company outside the province served: what of the
        answers holds for it (the national rules) and what does not (local steps)."""
        regions = self.knowledge.vocabulary.regions
        where = self._elsewhere(state.facts)
        if not where:
            return ""
        note = (
            f"贵公司在{regions.province}以外（{where}）：国家统一的认定条件同样适用，"
            f"上面按这些条件判断；{regions.province}的区域品牌不面向省外企业；申报时间、"
            f"流程和地方支持政策请以{where}当地主管部门的通知为准，本助手的山东本地信息不适用。"
        )
        return note if state.once(note) else ""

    def _beyond_evidence(self, question: str, intent: Intent, stated: dict[str, Any]) -> bool:
        """Whether a message read in the conversation's context (no program, no domain
        word, no facts: 「最近股市行情怎么样 能不能抄底」) asks mostly about words the
        knowledge base never uses: then it re-runs no assessment (scope from evidence)."""
        leads = self.answers.leads
        if not intent.programs and _MAKE.search(to_simplified(question)):
            # 「帮我给老板写个朋友圈文案，庆祝公司营收破三千万」: a request to write
            # something whose words, less the company's figures, the knowledge base never uses.
            asked = leads.shape(without_figures(normalize(to_simplified(question))))
            return leads.unseen_share(asked) > UNSEEN_LIMIT
        if not intent.contextual or stated:
            return False
        return leads.unseen_share(leads.shape(question)) > UNSEEN_LIMIT

    def _with_computed(self, body: AnswerBody, act: Act, turn: _Turn) -> AnswerBody:
        """「销售收入增长率怎么算，我们是多少？」: the figure asked, computed from the
        company's own facts, opens the answer (whatever else the turn did)."""
        if act == "refusal" or not turn.plan.own:
            return body
        line = computed_line(
            self.knowledge, to_simplified(turn.question), turn.state.facts, turn.day
        )
        return body if line in body["answer"] else _opening(body, line)

    def _with_years(self, body: AnswerBody, act: Act, turn: _Turn) -> AnswerBody:
        """「明年报的话算哪几年」: the fiscal years an application in that year reads, from
        the program's rules, open the answer."""
        programs = list(dict.fromkeys([*turn.programs, *body["programs"]]))
        if act == "refusal" or len(programs) != 1:
            return body
        line = years_line(self.knowledge, programs[0], to_simplified(turn.question), turn.day)
        return _opening(body, line)

    def _with_window(self, body: AnswerBody, act: Act, turn: _Turn) -> AnswerBody:
        """「今年还能报吗」, 「什么时候能报」: where today stands against the program's
        application window opens the answer (the calendar's dates, not a passage's)."""
        programs = list(dict.fromkeys([*turn.programs, *body["programs"]]))
        if act not in ("answer", "assessment") or len(programs) != 1 or not turn.when_to_apply:
            return body
        return _opening(body, window_line(self.knowledge, programs[0], turn.day))

    def _respond(self, turn: _Turn, topic: str) -> _Response:
        """The turn's answer: (answer, act, changes, template hit, suggestions)."""
        if turn.supposed and turn.programs:
            return self._what_if(turn)
        return self._respond_by_act(turn, topic)

    def _respond_by_act(self, turn: _Turn, topic: str) -> _Response:
        """The turn's answer by its planned act."""
        act, state, day, programs = turn.plan.act, turn.state, turn.day, turn.programs
        answers = self.answers
        if act == "refusal":
            # Outside what the knowledge base covers, unless an uploaded document says it.
            upload = answers.upload(turn.question, turn.intent)
            if upload is not None:
                return upload, "answer", [], None, []
            return refusal(self.scope.refusal), "refusal", [], None, []
        if act == "facts":
            reply = facts_reply(
                self.knowledge,
                state,
                turn.stated,
                turn.changed,
                programs,
                day,
                # 「回到高企，…说错了」: a program talked about before, named again
                named=[p for p in turn.intent.programs if p in _talked_about(state)],
            )
            return answers.reply(reply), reply.act("facts"), reply.changes, None, []
        if act == "condition":
            response = self._condition(turn)
            if response is not None:
                return response
            act = "answer"
        if act == "clarify":
            reply = clarify_reply(self.knowledge, programs, day)
            return answers.reply(reply), "clarify", [], None, []
        if act == "assessment":
            body, changes, done = answers.engine(turn.kind, programs, state, turn.changed, day)
            return self._verdict_first(body, turn), done, changes, None, []
        hit, suggestions = (
            answers.template_hit(turn.question, list(turn.intent.programs), day)
            if not turn.intent.out_of_scope
            else (None, [])
        )
        if hit is not None:
            answer = answers.template_answer(hit, state.facts, list(turn.intent.programs), day)
            return answer, "answer", [], hit, suggestions
        own = states_figures(state.facts)
        body = answers.passages(
            # What the message asks, without the scene it sets (「烟台 做海洋生物提取的
            # 高企证书…管几年？」): the scene's words would pull other passages.
            f"{without_typed_scene(turn.question)} {topic}".strip(),
            turn.intent,
            programs,
            day,
            has_facts=own,
            context=state.programs,
            # figures with a question the knowledge base does not answer are confirmed
            # instead (see _instead_of_refusal)
            closest=not states_figures(turn.stated),
        )
        if body["refused"] and (instead := self._instead_of_refusal(turn)) is not None:
            return instead
        return body, "refusal" if body["refused"] else "answer", [], None, suggestions

    def _supposed(
        self, question: str, day: dt.date, state: DialogueState, stated: dict[str, Any]
    ) -> dict[str, Any]:
        """The facts a message supposes about the company the session holds (「要是研发费用
        只有60万的话」, 「要是我们有高企证书」), or {} when it supposes nothing new. A bare
        amount with a year (「前年要是只有4,800万」) is of the money field stated last."""
        simple = to_simplified(question)
        if stated or not state.facts or not _SUPPOSE.search(simple):
            return {}
        # 「还行吗」, 「有影响吗」, 「能得几分」 ask what the supposition changes; 「…的话，
        # 老板个人的个税怎么报」 asks something else.
        if self.answers.leads.shape(question_clause(simple)).kind not in ("yesno", "figure"):
            return {}
        plain = _SUPPOSE.sub("", simple)
        found = extract_facts(plain, day, self.knowledge.vocabulary).facts
        if not found:
            found = _of_last_money_field(normalize(plain), day, state)
        if "qualifications" in found:
            held = [q for q in state.facts.get("qualifications") or () if isinstance(q, str)]
            found["qualifications"] = list(dict.fromkeys([*held, *found["qualifications"]]))
        return {k: v for k, v in found.items() if state.facts.get(k) != v}

    def _what_if(self, turn: _Turn) -> _Response:
        """The programs assessed on the session's facts with the supposed ones in their
        place; what changed is shown against the last assessment, and the session keeps
        its own facts."""
        held = turn.state
        trial = copy.deepcopy(held)
        changes = trial.merge(turn.supposed, turn.day)
        body, shown, done = self.answers.engine("eligibility", turn.programs, trial, [], turn.day)
        said = [c for c in changes if c.old is not None]
        lines = change_lines(self.knowledge, said) + facts_list(
            self.knowledge, {k: v for k, v in turn.supposed.items() if k not in turn.state.facts}
        )
        head = "按您的假设判断（只是假设，已记下的信息没有改动）：\n\n" + "\n".join(lines)
        body = {**body, "answer": body["answer"].replace("按您提供的信息", "按这个假设", 1)}
        return self._verdict_first(_opening(body, head), turn), done, shown, None, []

    def _condition(self, turn: _Turn) -> _Response | None:
        """The conditions the turn's figures decide, or None when they decide none and
        the question is about the rules (then the passages answer it)."""
        state, answers = turn.state, self.answers
        facts = state.facts if turn.plan.own else turn.stated
        # 「那最早什么时候可以报」 states nothing: its dates are the session's.
        stated = turn.stated or (
            {k: v for k, v in facts.items() if k in DATE_KEYS} if turn.plan.timing else {}
        )
        reply = condition_reply(
            self.knowledge,
            stated,
            facts,
            turn.programs,
            turn.day,
            timing=turn.plan.timing,
            question=to_simplified(turn.question),
        )
        if not turn.plan.own:
            reply.overall = []  # some company's figures: no verdict of the user's company
        if reply.clarify and (computed := ratio_reply(turn.question, facts, turn.day)):
            # No condition turns on these figures, but the ratio asked can be computed.
            return answers.reply(computed), "condition", [], None, []
        if turn.plan.own and reply.results:
            # The conditions shown are in play: a correction to their figures next
            # shows each before → after (a program assessed in full keeps that).
            state.assessed = {**remember(reply.results), **state.assessed}
        # Some company's details that decide no condition (「如果在济南另外注册一家
        # 公司呢？要等多久」) leave a question about the rules: the passages answer it.
        if turn.plan.own or not reply.clarify:
            return answers.reply(reply), reply.act("condition"), [], None, []
        return None

    def _verdict_first(self, body: AnswerBody, turn: _Turn) -> AnswerBody:
        """A yes/no question on a program as a whole (「能评高企吗？」) the engine decides
        opens with the word that answers it (不能。…), as a passage answer does."""
        results = body.get("assessment")
        if isinstance(results, list):
            results = results[0] if len(results) == 1 else None
        if not results or turn.kind == "scoring":
            return body
        shape = self.answers.leads.shape(question_clause(to_simplified(turn.question)))
        verdict = results.get("verdict")
        if shape.kind == "yesno" and verdict == "insufficient_info":
            stated = {**turn.stated, **turn.supposed}
            settled = settled_line(self.knowledge, results, turn.state.facts, stated, turn.day)
            return _opening(body, settled)
        # Only a question about the program as a whole (「能评高企吗」, 「那还行吗」): one
        # about a part of it (「软著够用吗」) is not answered by the verdict.
        if shape.kind != "yesno" or shape.focus or verdict not in ("eligible", "not_eligible"):
            return body
        yes, no = shape.answer_words
        word = yes if verdict == "eligible" else no
        return {**body, "answer": f"{word}。{body['answer']}"}

    def _instead_of_refusal(self, turn: _Turn) -> _Response | None:
        """What a turn the passages would refuse gets instead when it carries the
        user's own facts (None: the refusal stands)."""
        state = turn.state
        # A correction the readers could not place (「不对 2.8%是前年的 去年是3.5% 说反了」)
        # is no question for the knowledge base: say what is held, so the user can restate
        # it. A message that gave figures is never answered with a bare refusal either: the
        # figures are confirmed (and what is in play re-assessed), and the question's own
        # point is said to be missing from the knowledge base.
        unplaced = bool(state.facts and CORRECTION.search(turn.question))
        # Amounts in a message of a conversation about the company that no reader placed
        # (「25年那175万里有30万是委托外面高校做的」): say which, rather than refuse.
        amounts = unplaced_amounts(turn.question) if state.facts and not turn.stated else []
        if amounts and not unplaced:
            reply = facts_reply(self.knowledge, state, {}, turn.changed, turn.programs, turn.day)
            said = "、".join(f"「{a}」" for a in amounts)
            held = "\n".join(facts_list(self.knowledge, state.facts))
            body = self.answers.reply(reply)
            text = f"{_UNREAD.format(said=said)}\n\n{held}"
            return {**body, "answer": text}, reply.act("facts"), reply.changes, None, []
        if not unplaced and not (turn.plan.own and states_figures(turn.stated)):
            return None
        reply = facts_reply(
            self.knowledge, state, turn.stated, turn.changed, turn.programs, turn.day
        )
        body = self.answers.reply(reply)
        text = body["answer"]
        if unplaced:
            text = f"{_UNPLACED}\n\n{text.removeprefix('好的，已记下。')}"
        else:
            text = f"{_NOT_IN_KB}\n\n{text}"
        return {**body, "answer": text}, reply.act("facts"), reply.changes, None, []


def _talked_about(state: DialogueState) -> list[str]:
    """The programs of the conversation: the current ones and those before the last switch."""
    return [*state.programs, *(str(p) for p in state.extra.get("earlier") or ())]


def _turn_programs(
    intent: Intent,
    plan: Plan,
    kind: str,
    when: bool,
    state: DialogueState,
    supposed: dict[str, Any],
) -> list[str]:
    """The programs the turn is about: those it names, else the conversation's when the
    turn reads in its context. A title only supposed held (「要是我们有高企证书」) is a
    fact, not a program asked about."""
    if supposed:
        titles = set(supposed.get("qualifications") or ())
        return [p for p in intent.programs if p not in titles] or state.programs
    in_context = (
        intent.follow_up
        or plan.act in ("assessment", "facts", "condition")
        or kind in ("eligibility", "gaps")
        or (plan.act == "answer" and when)
    )
    return list(intent.programs) or (state.programs if in_context else [])


def _of_last_money_field(text: str, day: dt.date, state: DialogueState) -> dict[str, Any]:
    """A bare amount said of a year (「前年要是只有4,800万」) as that year's figure of the
    money field the session stated last."""
    amount = first_amount(text, bare_is_wan=False)
    years = years_in(text, day)
    money = [
        p
        for p in state.facts
        if p.startswith("financials.") and p.count(".") == 2 and not p.endswith("_share")
    ]
    if amount is None or len(years) != 1 or not money:
        return {}
    latest = max(money, key=lambda p: state.origin.get(p, 0))
    return {f"financials.{years[0]}.{latest.split('.')[2]}": amount}


def _opening(body: AnswerBody, line: str) -> AnswerBody:
    """The answer with ``line`` as its first paragraph (unchanged when ``line`` is empty)."""
    return {**body, "answer": f"{line}\n\n{body['answer']}"} if line else body


def _beyond_held_titles(
    intent: Intent, stated: dict[str, Any], denied: list[str], state: DialogueState
) -> Intent:
    """「我们产品已经入选好品山东了 还要报吗」 while talking of 泉城好品, 「我们没有科技型
    中小企业的资质 能直接报专精特新吗」: a program named only as a title the company holds
    or lacks is a fact, not what the question is about."""
    titles = set(stated.get("qualifications") or ()) | set(denied)
    if not intent.programs or not titles & set(intent.programs):
        return intent
    asked = tuple(p for p in intent.programs if p not in titles)
    if asked:
        return replace(intent, programs=asked)
    others = tuple(p for p in state.programs if p not in titles)
    return replace(intent, programs=others) if others else intent


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
    when_to_apply: bool  # it asks when the company can apply (see windows.py)
    supposed: dict[str, Any]  # figures the message supposes (「要是…的话」), not stored


def _grounded(body: AnswerBody) -> GroundedAnswer:
    """The body as the engine and the passages wrote it (an LLM may rephrase it next)."""
    return {
        "answer": body["answer"],
        "programs": body["programs"],
        "assessment": body["assessment"],
        "citations": body["citations"],
        "missing_fields": body["missing_fields"],
        "refused": body["refused"],
        "backend": "grounded",
    }


def _template_ref(hit: Candidate | None) -> TemplateRef | None:
    """The template that answered (its id is also the contract's ``template_id``)."""
    if hit is None:
        return None
    return {
        "id": hit.template["id"],
        "title": hit.template["title"],
        "version": hit.template["version"],
        "score": round(hit.score, 4),
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
