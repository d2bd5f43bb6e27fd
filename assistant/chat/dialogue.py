"""Dialogue state: what the company told the assistant, turn by turn, and what follows.

A session holds the company's facts (dotted profile paths) with the turn each came from,
the programs in play and the last assessment (per program: verdict and each condition's
status and actual value). Every turn the chat extracts facts, decides whether they are about
the user's own company, merges them (a later value of a field replaces the earlier one, with
or without a correction word) and picks the act:

- ``facts``: the message states facts and asks nothing: they are confirmed; with an
  assessment in play it is re-run and what changed is reported;
- ``assessment``: an eligibility question over all the session's facts (or 「那X呢」 after one);
- ``condition``: a question about one condition with the figure it needs (「科技人员12人、职工
  60人，比例够吗？」): the conditions those figures decide, from the engine;
- ``answer`` / ``refusal`` / ``clarify``: a policy answer, out of scope, a question back.

Facts in a policy question about some other company (「2017年注册的企业…」) are not merged:
they are not the user's. When only the year (or month) of registration is known, the
conditions are evaluated at both ends of that period and the reply says so once.

Verdicts and statuses come from the engine (:mod:`assistant.core.assessment`); this module
only decides what to evaluate and how to say it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.chat.period import STATUS_TEXT, merge_ends, period_note, registration_span
from assistant.core.assessment import VERDICT_TEXT, assess
from assistant.core.eligibility import VALUE_TEXT
from assistant.core.knowledge import Knowledge
from assistant.core.profile import Profile, validate_profile
from assistant.core.results import Assessment, ConditionChange
from assistant.core.text import clauses, to_simplified
from assistant.errors import FieldError, InputError

ACTS = ("facts", "assessment", "answer", "condition", "refusal", "clarify")
# Facts that place a company but say nothing about its figures.
CONTEXT_KEYS = ("region.", "sector", "tech_field", "qualifications")


def states_figures(facts: dict[str, Any]) -> bool:
    """Whether facts go beyond placing a company (a city, a sector, titles held)."""
    return any(not k.startswith(CONTEXT_KEYS) for k in facts)


REGISTRATION_KEYS = ("registered_on", "registered_year", "registered_month")
# How a withdrawn fact's new value reads in a reply (see ``DialogueState.withdraw``).
WITHDRAWN = "（先不计）"

_OWN = re.compile(
    r"我们|我司|本公司|我公司|我厂|咱们|咱公司|咱家|我单位|本单位|本企业|我企|我们家|俺们|我这边|我家公司"
)
# A company other than the user's: 「…注册的企业」, 「一家公司」, 「如果…」.
_OTHER = re.compile(r"(?<!是)(?:[^，,是]的|一家|某|某个|某家|这种|这类|这样的)(?:企业|公司|单位)")
# A message that only says where the company is (「对了，在青岛市。」), unlike one that
# mentions a place (「今天济南天气不错」).
_PLACES_COMPANY = re.compile(
    r"^(?:对了|嗯|哦|噢|另外|还有|补充一下)?[，,、\s]*(?:我们|公司|企业)?(?:是)?\s*"
    r"(?:在|位于|注册在|地处|落户在?)\s*[\u4e00-\u9fff]{2,10}[。.!！]?\s*$"
)
_HYPOTHETICAL = re.compile(r"如果|假如|假设|比如|例如|要是")
_RELATIVE_YEAR = re.compile(r"去年|前年|大前年|今年|上年|近[一两二三3]年")
_QUESTION = re.compile(
    r"[？?]|吗|嘛|(?<!什)么[。！!]?$|呢|什么|啥|怎么|如何|多少|"
    # 「分数应该够吧」: a guess put up for confirmation asks
    r"(?:够|行|对|是|能|可以|没问题|达标|符合)吧|(?<![这那近前头十好])几[个项年人月天号岁]|哪|"
    r"是否|能否|能不能|是不是|"
    r"可不可以|够不够|行不行|有没有|可以申请|能申请|能评|能报|"
    # 「能弄不」, 「比例够不」: a yes/no asked with a trailing 不
    r"(?:能[\u4e00-\u9fff]{1,2}|够|行|可以|成)不\s*(?:[。!！]|$)|成不成"
)
_CONDITION_CUE = re.compile(
    r"比例|占比|比重|什么时候|何时|最早|多久|哪年|哪一年|哪天|够吗|够不够|够了吗|达标吗|达到了?吗|"
    r"满足吗|满一年|算不算"
)
_RULE_ASK = re.compile(r"多少|几分|几个|几项|几年|如何计算|怎么计算|怎么算|如何算|是指|什么意思")
_CHECK_CUE = re.compile(r"够|达标|满足|达到了?吗|符合|算不算|还差")
_TIMING_CUE = re.compile(r"什么时候|何时|最早|多久|哪年|哪一年|哪天|满一年")
# When the company itself can apply (「那最早什么时候可以报」), not when applications open.
_EARLIEST = re.compile(
    r"最早|最快|(?:什么时候|何时|哪天|哪年|哪一年)才?(?:能|可以)|等到(?:什么时候|哪年|哪一年)|要等多久"
)
# The company's own score (「按评价指标能打多少分」, 「那现在多少分」), not the scoring rules.
_OWN_SCORE = re.compile(
    r"(?:能|可以|会|大概|应该)?(?:打|得|拿|评)(?:多少|几)分|现在多少分|多少分了|"
    r"(?:还)?差(?:多少|几)分|(?:能|可以|会)(?:到|上|拿到|达到)(?:多少|几)分"
)
# The facts a date-dependent condition is computed from.
DATE_KEYS = (*REGISTRATION_KEYS, "operating_in_city_since")
_FIT_WORDS = (
    "符合",
    "能评",
    "能申请",
    "够",
    "能报",
    "能冲",
    "冲得上",
    "有戏",
    "行不行",
    # asked the other way round: 「那我们是不是评不了？」
    "评不了",
    "报不了",
    "申请不了",
    "评不上",
    "没戏",
)
# 能不能/可以 ask about fit when applying follows them or they end the question
# (「我们能不能报」, 「这样可以吗」); 「一个软著能不能在以后的申报里重复用」 asks about a rule.
_MAY_APPLY = re.compile(
    r"能(?:直接|马上|现在|今年)(?:申报|申请|报|评)|"
    r"(?:能不能|能否|可不可以|可以)\s*(?:我们|咱们)?\s*"
    r"(?:申报|申请|报|评|冲|认定|入库|通过|过|达标|符合|拿到|享受|吗|呢|[？?。!！]|$)"
)
# Saying one wants to apply (「想报专精特新，去年营收八百万」) asks whether one can.
_WANTS = re.compile(
    r"想(?:要)?.{0,3}?(?:报|申报|申请|评|冲|搞)|打算.{0,3}?(?:报|申报|申请)|准备(?:报|申报|申请)|"
    # staff asking for a check (「帮企业做高企预审」, 「帮我评估一下」)
    r"预审|预评估|帮(?:我|忙|企业|客户)?(?:评估|测算|判断)|"
    # 「问下专精特新：去年营收…」: a program asked about, the company's figures after a colon
    r"(?:问|咨询|看)(?:一)?下[^，。？?\s]{2,12}[：:]"
)


# A message that turns to another company (staff going through their clients).
ANOTHER_COMPANY = re.compile(
    r"(?:另一家|另外一家|换一家|下一家|再看一家|还有一家|第[二三四五六七八九十]家)"
    r"(?:客户|企业|公司|单位)?"
)


@dataclass
class DialogueState:
    """A session's company facts (with their turn), programs in play and last assessment."""

    facts: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, int] = field(default_factory=dict)
    turn: int = 0
    programs: list[str] = field(default_factory=list)
    assessed: dict[str, dict[str, Any]] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, facts: dict[str, Any], state: dict[str, Any]) -> DialogueState:
        """The state as the session store keeps it (facts flat; the rest in ``state``)."""
        own = {"origin", "turn", "programs", "assessed", "said"}
        return cls(
            facts=dict(facts),
            origin={k: int(v) for k, v in (state.get("origin") or {}).items()},
            turn=int(state.get("turn") or 0),
            programs=list(state.get("programs") or []),
            assessed=dict(state.get("assessed") or {}),
            said=list(state.get("said") or []),
            extra={k: v for k, v in state.items() if k not in own},
        )

    def another_company(self) -> None:
        """Forget the company facts and assessments: the user now speaks of another company
        (a service centre's next client). The programs in play stay, so 「另一家客户…能报吗」
        is asked of the same program."""
        self.facts.clear()
        self.origin.clear()
        self.assessed.clear()

    def dump(self) -> dict[str, Any]:
        """The ``state`` mapping to store (JSON-safe)."""
        return {
            **self.extra,
            "origin": self.origin,
            "turn": self.turn,
            "programs": self.programs,
            "assessed": self.assessed,
            "said": self.said[-20:],
        }

    def merge(
        self, new: dict[str, Any], as_of: dt.date, lacking: Iterable[str] = ()
    ) -> list[FactChange]:
        """Add a turn's facts; a later value replaces an earlier one, except that titles
        held add up (「我们是科技型中小企业」, later 「也是高企」) and leave only when said
        not to be held (``lacking``). Returns what changed (only fields that held a
        different value before)."""
        self.turn += 1
        changes: list[FactChange] = []
        for path in _superseded(new, self.facts, as_of):
            changes.append(FactChange(path, self.facts.pop(path), None))
            self.origin.pop(path, None)
        held = self.facts.get("qualifications")
        if isinstance(held, list) and ("qualifications" in new or lacking):
            kept = [q for q in held if q not in lacking]
            new = {
                **new,
                "qualifications": kept
                + [q for q in new.get("qualifications", []) if q not in kept],
            }
        for path, value in new.items():
            old = self.facts.get(path, _ABSENT)
            if old is not _ABSENT and old != value:
                changes.append(FactChange(path, old, value))
            self.facts[path] = value
            self.origin[path] = self.turn
        return changes

    def without_rough(self, new: dict[str, Any], rough: Iterable[str]) -> dict[str, Any]:
        """A turn's facts less the rough ones this session already holds more precisely
        (「才成立一年」 after the registration date was given)."""
        family = dict.fromkeys(REGISTRATION_KEYS, REGISTRATION_KEYS)
        return {
            k: v
            for k, v in new.items()
            if k not in rough or not any(h in self.facts for h in family.get(k, (k,)))
        }

    def withdraw(self, paths: list[str]) -> list[FactChange]:
        """Drop facts the user withdrew (「研发那个数先别算」); their changes' new value is
        :data:`WITHDRAWN`."""
        for path in paths:
            self.origin.pop(path, None)
        return [FactChange(p, self.facts.pop(p), WITHDRAWN) for p in paths if p in self.facts]

    def once(self, note: str) -> bool:
        """Whether a note is new to this session (and remember it): assumptions are said once."""
        if note in self.said:
            return False
        self.said.append(note)
        return True


_ABSENT = object()


@dataclass(frozen=True)
class FactChange:
    """A field whose value a turn replaced (``new`` None: removed by a total that replaces it)."""

    path: str
    old: Any
    new: Any


def _superseded(new: dict[str, Any], held: dict[str, Any], as_of: dt.date) -> list[str]:
    """Held facts a new fact replaces although stored under another path: a registration
    date replaces a year or month of registration (and back); a three-year total replaces
    the yearly figures of those years when it holds all of them (their sum would be used
    instead); a year or two held stay, as the last year's revenue decides the 高企 band."""
    out: list[str] = []
    if any(k in new for k in REGISTRATION_KEYS):
        out += [k for k in REGISTRATION_KEYS if k in held and k not in new]
    window = [as_of.year - 3, as_of.year - 2, as_of.year - 1]
    for total, key in (("rd_expense_3y_total", "rd_expense"), ("revenue_3y_total", "revenue")):
        yearly = [f"financials.{y}.{key}" for y in window]
        if total in new and not any(p in new for p in yearly) and all(p in held for p in yearly):
            out += yearly
        elif total in held and all(f"financials.{y}.{key}" in new for y in window):
            out.append(total)
    return out


@dataclass(frozen=True)
class Plan:
    """What a turn does: its act, whether its facts are the user's company's, the programs."""

    act: str
    own: bool
    programs: tuple[str, ...] = ()
    timing: bool = False


def plan_turn(
    text: str,
    *,
    kind: str,
    programs: tuple[str, ...],
    follow_up: bool,
    out_of_scope: bool,
    message_facts: dict[str, Any],
    state: DialogueState,
    decides: bool = False,
) -> Plan:
    """The act of a turn from the question's wording, its facts and the session.

    Args:
        text: The user's message.
        kind: The intent's question kind (``eligibility``, ``gaps``, ``match`` …).
        programs: Programs the message names.
        follow_up: Whether it is a short follow-up (「那X呢」).
        out_of_scope: Whether the intent detector found it out of scope.
        message_facts: Facts extracted from this message.
        state: The session so far.
        decides: Whether it states, without a figure, a fact that can decide a
            condition as a figure can: a title the company lacks (「我们没有科技型中小企业
            的资质」), a province outside the one served (「我们是河北的企业」).
    """
    r = _read(text, kind, programs, message_facts, state, decides)
    # A statement that describes a company (「做新材料的」) is facts even without a domain
    # word (a place alone is not: 「今天济南天气不错」); a question out of scope is refused
    # whatever figures it has.
    describes = any(not k.startswith("region.") for k in message_facts)
    # (nor is a place in a request: 「帮我查一下明天济南到北京的高铁票」 mid-conversation).
    continues = bool(message_facts) and (
        describes or bool(_OWN.search(r.simple)) or bool(_PLACES_COMPANY.match(r.simple))
    )
    if out_of_scope and (r.asks or not continues):
        return Plan("refusal", False, programs)
    # 「换成小巨人看看」 asks without a question word: a short follow-up always asks.
    if not r.asks and not follow_up:
        if r.substantive and _in_conversation_about(state) and not state.assessed:
            # Figures given in a conversation about a program are judged against it at once
            # (「我们员工520个」 while talking of 科技型中小企业); with an assessment in play
            # the facts act re-runs it and shows what changed.
            return Plan("assessment", True, programs)
        return Plan("facts", True, programs) if message_facts else Plan("answer", False, programs)
    # A figure in a question that asks for the rule itself (「占比25%得几分」, 「占比如何
    # 计算」) parameterises the rule; it is a check of a company only when it is the
    # asker's or the question asks whether it is enough.
    checks = r.own or bool(_CHECK_CUE.search(r.focus)) or not _RULE_ASK.search(r.focus)
    if r.substantive and _CONDITION_CUE.search(r.focus) and not _OWN_FIT.search(r.focus) and checks:
        return Plan("condition", r.own, programs, timing=bool(_TIMING_CUE.search(r.focus)))
    found = _session_plan(r, kind, programs, follow_up, message_facts, state)
    if found is not None:
        return found
    # New figures while an assessment is in play (「研发那条呢，前年研发费用是58万」,
    # 「去年拿了A轮，实缴800万，这个有用吗」) ask for it again with them.
    # So does a short question about a condition with them in a program's conversation.
    reassess = r.substantive and (
        bool(state.assessed) or (bool(state.programs) and len(r.focus) <= 8)
    )
    if r.own and (r.fits or reassess) and (state.facts or r.placed) and kind not in _POLICY_KINDS:
        return Plan("assessment", True, programs)
    if (
        r.own
        and _OWN.search(r.simple)
        and kind in ("eligibility", "gaps", "match")
        and not state.facts
        and not message_facts
        and bare(r.simple, programs)
    ):
        return Plan("clarify", True, programs)
    return Plan("answer", r.own, programs)


@dataclass(frozen=True)
class _Reading:
    """What the planner reads off a message before choosing its act."""

    simple: str  # the message in simplified characters
    focus: str  # its asking clause
    substantive: bool  # it states company figures (not only a city or a field)
    placed: bool  # it places a company for an assessment (figures or a technology field)
    asks: bool  # it asks something (or says it wants to apply)
    other: bool  # it speaks of some other company (「…的企业」, 如果)
    fits: bool  # it asks whether a company fits
    asks_rule: bool  # it asks for a rule's own figure (多少/几 without 够/达标)
    own: bool  # its facts are the user's company's


def _read(
    text: str,
    kind: str,
    programs: tuple[str, ...],
    message_facts: dict[str, Any],
    state: DialogueState,
    decides: bool = False,
) -> _Reading:
    simple = to_simplified(text)
    focus = question_clause(simple)
    substantive = states_figures(message_facts)
    wants = bool(programs) and bool(_WANTS.search(simple))
    asks = bool(_QUESTION.search(simple)) or wants
    # 「…的企业」 names another company only where the question is asked (「营收800万的企业
    # 能评吗」); in a statement (「我们是威海市的企业，…」) it is the user's own.
    other = bool(_OTHER.search(focus) or _HYPOTHETICAL.search(simple)) and not _OWN.search(simple)
    fits = kind in ("eligibility", "gaps", "match") or asks_fit(focus) or wants
    # A question asking for the rule's own figure (「…的企业，研发费用占比不低于多少才能
    # 认定」) uses its figures to pick the rule, not to describe the asker.
    asks_rule = bool(_RULE_ASK.search(focus)) and not _CHECK_CUE.search(focus)
    # Facts are the user's own unless the message speaks of some other company: a
    # statement, a session that already holds facts, 我们/去年, or figures asked about
    # with 「能评…吗」 (a description that specific is the asker's company).
    # A technology field places a company for an assessment as a figure does (「属于电子
    # 信息领域，注册在潍坊市，够高企的条件吗」); a sector word may only name a title
    # (「制造业单项冠军」), and a held title asks about a path.
    placed = substantive or "tech_field" in message_facts or decides
    # 「职工150人，…，能打多少分」 asks what these figures score: the asker's own. One
    # figure (「有一件发明专利，…能拿多少分」) parameterises a rule; several describe a company.
    described = len([k for k in message_facts if not k.startswith("region.")]) >= 2
    scores = described and bool(_OWN_SCORE.search(focus)) and not asks_rule_of_a_figure(focus)
    own = not other and (
        bool(_OWN.search(simple))
        or not asks
        or bool(state.facts)
        or bool(_RELATIVE_YEAR.search(simple))
        or (placed and fits and not asks_rule)
        or (placed and scores)
    )
    return _Reading(simple, focus, substantive, placed, asks, other, fits, asks_rule, own)


def _session_plan(
    r: _Reading,
    kind: str,
    programs: tuple[str, ...],
    follow_up: bool,
    message_facts: dict[str, Any],
    state: DialogueState,
) -> Plan | None:
    """The acts a question gets from what the session holds (an assessment in play, the
    company's dates and score, a program in the conversation), or None."""
    if follow_up and (programs or state.programs) and state.assessed and not message_facts:
        return Plan("assessment", True, programs)
    if kind == "match" and not r.substantive and not state.facts:
        # 「我们这种情况能报点什么」 with nothing known yet: ask for the facts first.
        return Plan("clarify", True, programs)
    if (
        r.own
        and (state.facts or (r.substantive and bool(programs or state.programs)))
        and _OWN_SCORE.search(r.focus)
        and not asks_rule_of_a_figure(r.focus)
    ):
        return Plan("assessment", True, programs)
    if r.own and not message_facts and _EARLIEST.search(r.focus) and _dated(state.facts):
        # The first day the company's own dates meet the conditions that wait on them.
        return Plan("condition", True, programs, timing=True)
    # A city decides regional brands (「青岛的企业能申请泉城好品吗」) as a figure decides a limit.
    checkable = r.substantive or "region.city" in message_facts
    if r.other and checkable and r.fits and (programs or state.programs) and not r.asks_rule:
        # 「营收800万的企业能评小巨人吗」: some company's figures against the rules they
        # decide — a verdict from the engine, not a yes or no read off a passage.
        return Plan("condition", False, programs)
    return None


# 「我们这样能评高企吗」 asks for the whole assessment even with 够/达标 in it.
_OWN_FIT = re.compile(
    r"(?:我们|我司|本公司|我公司|咱们)[^，。？?]{0,6}(?:能评|能申请|能报|可以申请|能不能)"
)
_POLICY_KINDS = ("procedure", "materials", "validity", "benefits", "statistics", "definition")


_BARE_WORDS = re.compile(
    rf"{_OWN.pattern}|能不能|能否|可以|可不可以|符合|能评|能申请|能报|申请|申报|评上|评|条件|"
    r"这样|现在|公司|企业|吗|呢|么|嘛|吧|啊|[？?！!。，,\s]"
)


def bare(text: str, programs: tuple[str, ...]) -> bool:
    """Whether an eligibility question says nothing but 「我们能评X吗」 (then the facts are
    asked for; a question with more in it, 「我们一个知识产权都没有，能评吗」, is answered)."""
    rest = _BARE_WORDS.sub("", text)
    return len(rest) <= 6 if programs else len(rest) <= 2


# A question this short asks about the clause before it (「研发占比 够吗」).
_SHORT_QUESTION = 3


def question_clause(text: str) -> str:
    """The part of a message that asks (its last clause with a question cue, from the
    clause start): in 「注册时间是2011年3月16日，…，够科技型中小企业的条件吗？」 the figures
    before it must not decide what kind of question it is. A very short question keeps
    the clause it asks about.

    >>> question_clause("我司注册时间是2011年3月16日，职工93名，够科技型中小企业的条件吗？")
    '够科技型中小企业的条件吗？'
    >>> question_clause("职工一百二 近几年没出过事故 能评上吗")
    '能评上吗'
    >>> question_clause("去年研发占比4.6% 够吗")
    '去年研发占比4.6% 够吗'
    """
    parts = clauses(text)
    for index in range(len(parts) - 1, -1, -1):
        if _QUESTION.search(parts[index]):
            short = len(re.sub(r"[^\u4e00-\u9fff]", "", parts[index])) <= _SHORT_QUESTION
            if short and index and not re.search(r"[，,。；;！!？?\n]$", parts[index - 1]):
                return f"{parts[index - 1]} {parts[index]}"
            return parts[index]
    return text


def wants_to_apply(text: str) -> bool:
    """Whether the message says the company wants to apply (「想报好品山东」)."""
    return bool(_WANTS.search(to_simplified(text)))


def asking_part(text: str) -> str:
    """The message without the statements that only set its scene: clauses about the
    asker (「我们是济南的软件企业」) and what follows the last question (「…？我们没评过这个，
    省里市里的都没有。」). A topic clause before the question stays (「关于科技人员，需要
    学历吗」). A message with no question is returned whole.

    >>> asking_part("高端品牌培育企业？我们没评过这个，省里市里的都没有。")
    '高端品牌培育企业？'
    >>> asking_part("我们是济南的软件企业，高企研发比例要求多少？")
    '高企研发比例要求多少？'
    >>> asking_part("我们是潍坊一家食品机械厂，想报好品山东")
    '想报好品山东'
    >>> asking_part("关于科技人员，需要学历吗？")
    '关于科技人员，需要学历吗？'
    >>> asking_part("烟台 做海洋生物提取的 高企证书拿到以后管几年？")
    '高企证书拿到以后管几年？'
    """
    parts, asking = _asking_clauses(text)
    if not asking:
        return text
    last = asking[-1]
    kept = [
        c
        for i, c in enumerate(parts)
        if i in asking or (i < last and not _OWN.search(c) and not _typed_scene(c))
    ]
    return "".join(kept)


def without_typed_scene(text: str) -> str:
    """The message less the scene fragments typed before its question without
    punctuation (「烟台 做海洋生物提取的 高企证书管几年？」 -> 「高企证书管几年？」);
    statements in sentences stay (they may be what the question turns on).

    >>> without_typed_scene("烟台 做海洋生物提取的 高企证书拿到以后管几年？")
    '高企证书拿到以后管几年？'
    >>> without_typed_scene("我们企业所得税是核定征收的，能报科技型中小企业吗？")
    '我们企业所得税是核定征收的，能报科技型中小企业吗？'
    """
    parts, asking = _asking_clauses(text)
    if not asking:
        return text
    kept = [c for i, c in enumerate(parts) if i >= asking[0] or not _typed_scene(c)]
    return "".join(kept)


def _asking_clauses(text: str) -> tuple[list[str], list[int]]:
    """The message's clauses and the indices of those that ask (or say it wants to apply)."""
    parts = clauses(text)
    return parts, [i for i, c in enumerate(parts) if _QUESTION.search(c) or _WANTS.search(c)]


def _typed_scene(clause: str) -> bool:
    """Whether a clause typed without punctuation only sets the scene: a place or a word
    or two (「烟台」), what the company does (「做海洋生物提取的」) or one of its figures.
    A clause that ends in punctuation is left to the other tests (「关于科技人员，」)."""
    if re.search(r"[，,。；;！!？?\n]$", clause):
        return False
    return (
        len(clause) <= _SHORT_QUESTION
        or clause.endswith("的")
        or bool(re.search(r"\d|[一二三四五六七八九十两百千]+[万亿人个项件名]", clause))
    )


def asks_rule_of_a_figure(focus: str) -> bool:
    """Whether the question asks what a stated figure scores under the rules (「占比25%得
    几分」), not what the company scores."""
    return bool(re.search(r"\d\s*[%％万人项个]", focus))


def _in_conversation_about(state: DialogueState) -> bool:
    """Whether the conversation is about one or two programs (not a general ranking)."""
    return 0 < len(state.programs) <= 2


def _dated(facts: dict[str, Any]) -> bool:
    """Whether the session holds a date a condition waits on (registration, a move)."""
    return any(k in facts for k in DATE_KEYS)


def asks_fit(text: str) -> bool:
    """Whether a message asks if the company fits (「能申請…嗎」 as 「能申请…吗」)."""
    simple = to_simplified(text)
    return (
        any(w in simple for w in _FIT_WORDS)
        or bool(_WANTS.search(simple))
        or bool(_MAY_APPLY.search(simple))
    )


# ---------------------------------------------------------------------------- profiles


def nested_profile(facts: dict[str, Any]) -> dict[str, Any]:
    """Dotted facts as the profile schema's nested JSON (conversational extras such as
    ``registered_year`` kept as additional fields; private ``_`` keys dropped).

    >>> nested_profile({"ip.invention_patents": 2, "financials.2025.revenue": 800.0})
    {'ip': {'invention_patents': 2}, 'financials': {'2025': {'revenue': 800.0}}}
    """
    profile: dict[str, Any] = {}
    for path, value in facts.items():
        if path.startswith("_"):
            continue
        node = profile
        *parents, key = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[key] = value
    return profile


def profile_data(facts: dict[str, Any], registered: dt.date | None = None) -> dict[str, Any]:
    """The engine's profile from the facts, with a registration day when one is assumed."""
    data = nested_profile({k: v for k, v in facts.items() if k not in REGISTRATION_KEYS[1:]})
    if registered is not None:
        data["registered_on"] = registered.isoformat()
    return data


def check_profile(knowledge: Knowledge, data: dict[str, Any]) -> Profile | str:
    """The validated profile, or what is wrong with the stated facts in Chinese."""
    employees, tech = data.get("employees"), data.get("tech_staff")
    if isinstance(employees, int | float) and isinstance(tech, int | float) and tech > employees:
        return (
            f"您说的科技人员数（{_num(tech)} 人）比职工总数（{_num(employees)} 人）还多，"
            "两者不可能同时成立。请核对这两个数字（职工总数含科技人员），再告诉我正确的数字。"
        )
    try:
        return validate_profile(data, source="对话中提供的企业信息")
    except InputError as exc:
        return f"{chinese_error(knowledge, exc, '您提供的企业信息')}请更正后再告诉我。"


def chinese_error(knowledge: Knowledge, exc: InputError, source: str) -> str:
    """A profile validation error for the chat, naming the field by its Chinese label."""
    if not isinstance(exc, FieldError):
        return f"{source}无法使用：JSON 须为对象 {{...}}，字段见企业信息格式说明。"
    return f"{source}中的「{field_label(knowledge, exc.field)}」（{exc.field}）{exc.reason}。"


@dataclass
class Assessed:
    """Assessments over the session's facts, the notes on assumed facts, or a problem.

    ``profiles`` holds one profile, or two (the first and the last day of a registration
    period); ``profile`` is the last one. ``depends_on_date`` names the programs whose result
    differs between the two."""

    results: list[Assessment]
    notes: list[str]
    problem: str = ""
    profile: Profile | None = None
    profiles: list[Profile] = field(default_factory=list)
    depends_on_date: list[str] = field(default_factory=list)


def assess_facts(
    knowledge: Knowledge, programs: list[str], facts: dict[str, Any], as_of: dt.date
) -> Assessed:
    """Each program's assessment of the facts. With only a year or month of registration,
    each program is assessed at both ends of that period: conditions that agree keep their
    status; a condition that differs is open (``unknown``, asking for ``registered_on``)."""
    span = registration_span(facts)
    days: list[dt.date | None] = [span[0], span[1]] if span else [None]
    profiles: list[Profile] = []
    for day in days:
        checked = check_profile(knowledge, profile_data(facts, day))
        if isinstance(checked, str):
            return Assessed([], [], checked)
        profiles.append(checked)
    results = []
    depends = []
    for program in programs:
        runs = [assess(knowledge, program, p, as_of) for p in profiles]
        merged, changed = merge_ends(runs)
        if changed:
            depends.append(merged["program_name"])
        results.append(merged)
    notes = period_note(facts, depends)
    return Assessed(results, notes, "", profiles[-1], profiles, depends)


# ---------------------------------------------------------------------------- memory of results


def remember(results: list[Assessment]) -> dict[str, dict[str, Any]]:
    """What the state keeps of assessments: verdict and each condition's status and value."""
    return {
        r["program"]: {
            "verdict": r["verdict"],
            "name": r["program_name"],
            "conditions": {
                c["id"]: {
                    "title": c["title"],
                    "status": c["status"],
                    "actual": c["actual"],
                    "required": c["required"],
                }
                for c in r["conditions"]
            },
        }
        for r in results
    }


def changes_between(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> list[ConditionChange]:
    """The contract's ``changes``: each condition whose status or value changed, then the
    verdict when it changed (``program`` added so several programs stay apart)."""
    out: list[ConditionChange] = []
    for program, now in after.items():
        was = before.get(program)
        if not was:
            continue
        for cid, cond in now["conditions"].items():
            old = was["conditions"].get(cid)
            if old and (old["status"] != cond["status"] or old["actual"] != cond["actual"]):
                out.append(
                    {
                        "condition": cid,
                        "program": program,
                        "title": cond["title"],
                        "before": old["status"],
                        "after": cond["status"],
                        "before_value": old["actual"],
                        "after_value": cond["actual"],
                    }
                )
                if old.get("required", cond["required"]) != cond["required"]:
                    # A banded limit moved with the figures (5% → 4% above 5000万).
                    out[-1]["after_required"] = cond["required"]
                elif cond["status"] == "fail":
                    out[-1]["required"] = cond["required"]  # how far off the figure is
        if was["verdict"] != now["verdict"]:
            out.append(
                {
                    "condition": "verdict",
                    "program": program,
                    "title": now["name"],
                    "before": was["verdict"],
                    "after": now["verdict"],
                }
            )
    return out


# ---------------------------------------------------------------------------- reply texts

_UNITS_WAN = (
    "rd_expense_3y_total",
    "revenue_3y_total",
    "equity_financing_2y",
    "equity_financing_3y",
)
_COUNT_UNITS = {
    "employees": "人",
    "tech_staff": "人",
    "transformations_3y": "项",
    "led_standards_5y": "项",
    "niche_market_years": "年",
    "market.national_rank": "名",
    "market.province_rank": "名",
    "st_award.rank": "名",
}
_LABELS = {
    "registered_year": "成立年份",
    "registered_month": "成立年月",
    "st_award.level": "科技奖励级别",
    "st_award.year": "科技奖励年份",
    "st_award.rank": "科技奖励排名",
    "stated.rd_ratio_last_year": "上年研发费用占营业收入比例",
    "stated.debt_ratio_last_year": "上年资产负债率",
    "stated.main_business_share": "主营业务收入占比",
    "stated.main_business_growth_last_year": "上年主营业务收入增长率",
    "stated.revenue_growth_last_year": "上年营业收入增长率",
    "stated.tech_staff_ratio": "科技人员占比",
}


def field_label(knowledge: Knowledge, path: str) -> str:
    """A field's Chinese name (「2025年营业收入」, 「职工总数」)."""
    if path in _LABELS:
        return _LABELS[path]
    label = knowledge.label_for(path)
    return label if label != path else path


def value_text(knowledge: Knowledge, path: str, value: Any) -> str:
    """A fact's value in Chinese with its unit (「1800 万元」, 「60 人」, 「没有」)."""
    if value is None:  # a fact a later one replaced (see ``_superseded``)
        if path in REGISTRATION_KEYS:
            return "（改按您说的成立时间计算）"
        return "（改按您说的合计数计算）"
    return _value_text(knowledge, path, value)


def _value_text(knowledge: Knowledge, path: str, value: Any) -> str:
    if isinstance(value, bool):
        if path.startswith("compliance."):
            return "有" if value else "没有"
        return "是" if value else "否"
    if path == "qualifications" and isinstance(value, list):
        names = [knowledge.programs[q].name if q in knowledge.programs else q for q in value]
        return "、".join(names) or "暂无"
    if path == "registered_month" and isinstance(value, str):
        year, month = value.split("-")
        return f"{year}年{int(month)}月"
    if path == "registered_year":
        return f"{value}年"
    if isinstance(value, str):
        return VALUE_TEXT.get(value, value)
    if path.startswith("stated.") or path.endswith(("share_pct", "_share")):
        return f"{_num(value)}%"
    if path in _COUNT_UNITS or path.startswith("ip."):
        return f"{_num(value)} {_COUNT_UNITS.get(path, '项')}"
    if path.startswith("financials.") or path in _UNITS_WAN:
        return f"{_num(value)} 万元"
    return _num(value) if isinstance(value, int | float) else str(value)


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int | float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def facts_list(knowledge: Knowledge, facts: dict[str, Any]) -> list[str]:
    """One line per fact: 「- 2025年营业收入：3,200 万元」 (fiscal years oldest first)."""
    return [
        f"- {field_label(knowledge, p)}：{value_text(knowledge, p, facts[p])}"
        for p in sorted(facts, key=_order)
        if not p.startswith("_")
    ]


def _order(path: str) -> tuple[int, str]:
    return (1 if path.startswith("financials.") else 0, path)


def change_lines(knowledge: Knowledge, changes: list[FactChange]) -> list[str]:
    """「- 职工总数：1 人 → 60 人」 for each replaced fact."""
    lines = []
    for c in changes:
        old, new = value_text(knowledge, c.path, c.old), value_text(knowledge, c.path, c.new)
        lines.append(f"- {field_label(knowledge, c.path)}：{old} → {new}")
    return lines


def condition_change_lines(changes: list[ConditionChange]) -> list[str]:
    """「- 近三年研发费用占比：4.00% 不符合 → 6.00% 符合」 and the verdict before → after."""
    lines = []
    for c in changes:
        if c["condition"] == "verdict":
            lines.append(
                f"- **{c['title']}结论：{VERDICT_TEXT[c['before']]} → {VERDICT_TEXT[c['after']]}**"
            )
            continue
        before = " ".join(
            x for x in (short_value(c.get("before_value")), STATUS_TEXT[c["before"]]) if x
        )
        after = " ".join(
            x for x in (short_value(c.get("after_value")), STATUS_TEXT[c["after"]]) if x
        )
        moved, required = c.get("after_required"), c.get("required")
        limit = f"（要求改为：{moved}）" if moved else f"（要求：{required}）" if required else ""
        lines.append(f"- {c['title']}：{before} → {after}{limit}")
    return lines


def short_value(actual: str | None) -> str:
    """The figure of an engine's ``actual`` text without its label (「…比例 5.07%」 -> 「5.07%」).

    >>> short_value("近三个会计年度研发费用总额占同期销售收入总额比例 5.07%"), short_value("")
    ('5.07%', '')
    """
    tail = actual.rsplit(" ", 1)[-1] if actual else ""
    return tail if re.search(r"\d", tail) or len(tail) <= 4 else actual or ""
