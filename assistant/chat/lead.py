"""Which sentence answers a question, and whether any sentence does.

The lead of a passage answer is chosen from every sentence of the top passages by three
signals, none of them a list of known questions:

- **meaning**: e5 cosine of the sentence to the question (sentence vectors are cached);
- **focus**: the share of the question's own terms the sentence carries, each term weighted
  by its rarity in the index (IDF), after the program names and the words every question
  has (申报, 多少, 是否 …) are removed — what the question asks *about* (学历, 事业单位,
  评分标准), so an unseen term weighs most;
- **type**: a yes/no question wants a sentence that says yes or no, 多少/几 a figure (in the
  unit asked for: 元, 分, %, 年 …), 什么时候 a date.

These and a sentence's form (a table row, a list's introduction, another program, length)
and its passage's retrieval rank are the :data:`FEATURES` of a candidate; its score is their
weighted sum (:data:`HAND_WEIGHTS`, or the weights ``python -m eval.fit_lead`` writes).

The same focus coverage is the evidence the scope decision rests on: a question none of
whose passages carries its focus terms is not answered by them.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from assistant.chat.dialogue import asking_part, wants_to_apply
from assistant.chat.fact_cues import ABOVE_WORDS, BOUND
from assistant.chat.statements import candidate_sentences, sentences_under_headings
from assistant.core.text import normalize
from assistant.search.embedder import NamedEmbeddings
from assistant.search.keyword import Tokenizer
from assistant.search.retrieval import Passage

_T = TypeVar("_T")

# Words that say what kind of question it is, not what it is about.
_SCAFFOLD = set(
    "申报 申请 认定 评价 评定 评选 评 报 企业 公司 单位 条件 要求 规定 多少 几 几个 什么 怎么 怎样 "
    "如何 哪些 哪个 哪里 是否 可以 能否 可否 能 可 吗 呢 需要 需 要 有 没有 是 的 了 还 还能 "
    "请问 一下 现在 我们 我司 本 政策 问题 情况 时候 什么时候 多久 多长 时间 关于 对 就 会 "
    "应该 应 怎么办 如果 想 能不能 可不可以 是不是 有没有 要不要 需不需要 算不算 会不会 "
    "一共 共 总共 分别 具体 进行 相关 方面 之间 以上 以下 其 该 哪 谁 "
    "國家 国家 办法 管理 多长时间 长时间 多长 开始 结束 一般 大概 通常 才能 才 算是 "
    "怎么样 怎样 会怎样 如何处理 一样 已经 还要 以后 之后 之前 能打 大概 准备 评上 "
    "清单 列表 列出 列一下 帮我 给我 这个 那个 这些 那些 这样 小于 大于 低于 高于 不小于 不大于 "
    "不低于 不高于 等于 最早 最晚 最迟 那项 这项 那条 这条 这部分 那部分 一部分 一部 这部 那部 "
    "的话 进去 算进 算进去 大概 左右 能拿 拿到 "
    # discourse and courtesy words a message carries whatever it asks
    "另外 此外 其中 其实 自己 非常 感谢 谢谢 麻烦 老师 您好 你好 打扰 冒昧 烦请 顺便 "
    "部分 等到 听说 知道 那边 这边 为什么 为啥 除了 以外 之外 别的 其他 其它 还有 "
    # when, not what: a question's time words
    "去年 今年 明年 前年 后年 当年 年底 年初 一年 来得及 来不及 来得 赶得上 赶不上".split()
)
_YESNO = re.compile(
    r"是否|能否|可否|能不能|可不可以|是不是|有没有|要不要|需不需要|算不算|会不会|"
    r"(?:吗|(?<!什)么|嘛)[？?。！!]?\s*$"
)
_FIGURE_Q = re.compile(
    r"多少|几(?:个|年|项|名|家|人|天|月|分|次|批|台|辆|款|亩|成|倍|类|种|条)?|多久|多长|多大|多高"
)
# Words that ask for a figure only when the question is not a yes/no one
# (「分值低于60分还能直接确认吗」 asks yes or no).
_FIGURE_WEAK = re.compile(r"比例|占比|上限|下限|最低|最高|至少|门槛|分数线")
# A question asking for a list or an overview is answered by a whole passage: the lead then
# comes from the passage retrieval ranks first.
_LIST_Q = re.compile(
    r"哪些|什么条件|条件是什么|条件有|怎么样才能|怎样才能|要求是什么|什么要求|什么材料|流程|步骤|"
    r"清单|列(?:一下|出|个)"
)
# The list cues that ask for items whatever the topic (哪些材料, 流程); the others (什么要求,
# 什么条件) ask for a list only when the question names no attribute of its own.
_LIST_ITEMS_Q = re.compile(r"哪些|什么材料|流程|步骤|清单|列(?:一下|出|个)")
_DEFINE_Q = re.compile(r"什么是|是什么|指什么|是指|含义|定义|什么意思|怎么理解|有什么不同|区别")
# A question asking how a figure is computed wants the method, not the figure (「这个占比如何
# 计算」 names a share but does not ask for one).
_METHOD_Q = re.compile(
    r"如何计算|怎么计算|怎样计算|怎么算|如何算|计算方法|算法|如何确定|怎么确定|口径"
)
_DATE_Q = re.compile(
    r"什么时候|何时|哪天|几月|几号|哪一年|哪年|什么时间|哪个时间|来得及|来不及|赶得上|赶不上"
)
# Where to apply: answered by a sentence naming a place (a website, a platform, an office).
_PLACE_Q = re.compile(
    r"去哪|在哪|哪里|哪儿|哪个部门|什么部门|哪个单位|找谁|向谁|哪个网站|什么网站|什么平台"
)
_PLACE = re.compile(r"网站|网|平台|部门|[局厅委办]|机构|窗口|受理|系统|www\.|\.gov\.cn")
# What a search for a place question adds to its few words.
PLACE_WORDS = "向哪个部门申报 受理机构 申报平台 网站"
# Nouns that ask for a date only when the question is not a yes/no one: 「申报截止时间」
# asks a date, 「工作时间在183天以上，是指一个自然年度吗」 asks yes or no.
_DATE_WEAK = re.compile(r"截止|时间")
_UNITS: list[tuple[re.Pattern[str], str]] = [
    # 「要占总收入多少」 asks for a share, whatever the share is of
    (re.compile(r"占[^，。？?]{0,8}多少|多少%"), "%"),
    (
        re.compile(r"多少钱|金额|资金|奖励多少|补贴多少|投资多少|总投资|多少万|多少亿|费用多少"),
        "元",
    ),
    (re.compile(r"多少分|几分|得分|分值|分数|评分标准|打分"), "分"),
    # 「上年营业收入最少要多少」: an amount of money
    (
        re.compile(
            r"(?:收入|营收|销售额|费用|投入|资产|融资|奖金)[^，。？?]{0,6}"
            r"多少(?![分人年个家天次项件%])"
        ),
        "万|亿|元",
    ),
    (re.compile(r"比例|占比|百分之|多少%"), "%"),
    (re.compile(r"工作日"), "工作日"),
    (re.compile(r"几年|多少年|多久|多长时间|有效期|期限|几天|多少天|几个月"), "年|月|天|日"),
    (re.compile(r"几次|多少次"), "次"),
    (re.compile(r"多少家|几家"), "家"),
    (re.compile(r"多少人|几人|几名|多少名"), "人|名"),
    (re.compile(r"多少台|几台|多少辆|几辆"), "台|辆"),
    (re.compile(r"多少款"), "款"),
    (re.compile(r"多少亩|几亩"), "亩"),
    (re.compile(r"面积|多少平方"), "平方"),
    (re.compile(r"几项|多少项"), "项"),
    (re.compile(r"多少个|几个"), "个|项|家"),
]
# A focus term that is a figure the question states (25%, 2026), not an attribute.
_STATED_FIGURE = re.compile(r"[\d.%]+")
# A sentence that opens by pointing back at what came before it (a demonstrative or
# pronoun subject): read first, it leaves the reader asking "which?".
_LEANS_BACK = re.compile(r"(?:这|那|该|此|其|上述|以上|前述|两者|二者|前者|后者|它们?)")
# A sentence that is itself a question, or reports one being asked (a FAQ's framing).
_ASKING_SENTENCE = re.compile(
    r"[？?]\s*[”\"」』）)]?\s*[。！!]?\s*$|(?:问|提问|疑问|问到)[:：]?\s*[“\"「『]"
)
_DIGIT = re.compile(r"\d|[一二三四五六七八九十两百千万亿]+(?:个|年|项|名|家|人|天|月|分|倍|类)")
# A sentence that sets a requirement: a bound or an obligation.
_LIMIT = re.compile(r"不超过|不低于|不少于|不高于|以上|以下|至少|最多|≥|≤|[须需]|应当|必须|不得")
_DATE = re.compile(r"\d{1,4}年|\d{1,2}月|月底|月末|\d{1,2}日|工作日|季度|年底|年初")
# Negation cues decide the polarity of a rule sentence; the first one that occurs wins.
_NEGATIVE = re.compile(
    r"不能|不可以|不可|不得|不属于|不算|不计入|不计|不需要|无需|无须|不必|不要求|不看|不再|没有|"
    r"不允许|不予|禁止|不是|不包括|不受|不适用|取消|不收费|不收取|免费"
)
_POSITIVE = re.compile(
    r"可以|可直接|可|能够|能|须|需要|应当|应|必须|属于|算|计入|包括|有效|即可|允许"
)
# The yes and no words a question's own modal asks for (the first that occurs decides).
_ANSWER_WORDS: list[tuple[re.Pattern[str], tuple[str, str]]] = [
    (re.compile(r"需要|需不需要|要不要|必须|是否需|要求|要(?:交|缴|付|花|收)"), ("需要", "不需要")),
    (re.compile(r"可以|可否|可不可以"), ("可以", "不可以")),
    (re.compile(r"算不算|是否算|算.{0,12}吗"), ("算", "不算")),
    (re.compile(r"能否|能不能|还能|能"), ("能", "不能")),
    (re.compile(r"有没有|是否有|有.{0,12}吗"), ("有", "没有")),
    (re.compile(r"属于"), ("属于", "不属于")),
    (re.compile(r"会不会|会.{0,12}吗"), ("会", "不会")),
    (re.compile(r"行不行|行吗|成吗"), ("行", "不行")),
    (re.compile(r"够不够|够吗|够了吗"), ("够", "不够")),
]
# Web pages annotate characters with pinyin (「濟(jì)南」); matching reads past it (the
# annotations themselves are removed from documents at ingest).
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")
_URL = re.compile(r"https?://|来源地址|來源地址")


def _matching_text(text: str) -> str:
    """Text as focus terms are looked for in it: normalised, lower case, no pinyin."""
    return _PINYIN.sub("", normalize(text).lower())


# What each candidate sentence is scored on (see :meth:`LeadScorer.features`). The score is
# their weighted sum; the weights are data (``lead_weights.json``), fitted by
# ``python -m eval.fit_lead`` on questions outside the held-out test halves.
FEATURES = (
    "meaning",  # e5 cosine to the question, rescaled: related Chinese text sits in 0.75–0.95
    "focus",  # share of the question's focus weight the sentence carries
    "type",  # has what the question type wants (a figure, a date, a yes or no …)
    "table_row",  # a table row read out of its table
    "intro",  # a list's introduction (ends with 「：」) under a question not asking for a list
    "intro_of_list",  # the same under a list question
    "other_program",  # about another program than the one asked about
    "length",  # characters beyond 120, in hundreds
    "behind",  # how far its passage's fused retrieval score is behind the best passage's
    "meaning_gap",  # cosine behind the closest candidate's, in 0.05 steps (<= 0)
    "focus_gap",  # focus coverage behind the best candidate's (<= 0)
    "stated_numbers",  # share of the figures the question states that the sentence repeats
    "bigrams",  # share of the question's character bigrams the sentence has
    "first_of_passage",  # the first sentence of its passage
    "short",  # shorter than 12 characters
    "asks",  # the sentence asks or reports a question (「很多企业问"…怎么复审"。」): no answer
    "leans_back",  # it opens by pointing back (这个分数…, 两者…, 该…): it needs the sentence before
)
# The weights written by hand (used when no fitted weights file is present). Of the features
# added for fitting only ``stated_numbers`` weighs: a sentence that repeats the figures a
# question states (「5%到6%之间得几分」 -> 「5%（含）至6%：40分」) is the band it asks about.
HAND_WEIGHTS = {
    "meaning": 1.0,
    "focus": 2.0,
    "type": 0.8,
    "table_row": -0.5,
    "intro": -0.6,
    "other_program": -1.0,
    "length": -0.4,
    "behind": -6.0,
    "stated_numbers": 1.0,
    "asks": -1.5,
    "leans_back": -0.5,
}
# The features that say where retrieval ranked a sentence, not how well it answers: an
# upload's sentence is compared with a curated one without them (see :func:`_prefer_upload`).
_RETRIEVAL_COLUMNS = [FEATURES.index("behind")]
# Features that cost string work per candidate: computed for scoring only when they weigh.
_TEXT_FEATURES = ("stated_numbers", "bigrams")
WEIGHTS_FILE = Path(__file__).with_name("lead_weights.json")
# A sentence carrying at least this share of the focus weight answers the question's point.
COVERED = 0.5
# A sentence this close in meaning (e5 cosine) that carries this share of the focus opens
# the answer too (see :attr:`Lead.opens`).
PARTLY_COVERED = 0.25
CLOSE_MEANING = 0.92
# The share of a focus term's weight a sentence gets when only its article's title has it.
CONTEXT_SHARE = 0.3
# Above this share of its focus weight on words the knowledge base never uses, a message
# asks mostly about something else (「最近股市行情怎么样」 0.68, 「今天济南天气」 0.67);
# a follow-up in the domain's words stays far below (「明年报研发算哪三年」 0.0–0.35).
UNSEEN_LIMIT = 0.5
MAX_PASSAGES = 6


@dataclass(frozen=True)
class Shape:
    """What a question asks for: its type, its focus terms and the unit of a figure."""

    kind: str  # list | rule | yesno | figure | date | place | define | open
    focus: tuple[str, ...]
    unit: str = ""
    answer_words: tuple[str, str] = ("", "")
    numbers: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # the longest focus terms, for telling what is missing
    # A yes/no question about a limit (「对职工人数有上限吗」) is answered by the figure.
    figure: bool = False
    # A bound the question states (「资产负债率超过80%，还能申请吗」): above or below, and
    # the figure with its unit.
    bound: tuple[bool, str] | None = None

    @property
    def attributes(self) -> tuple[str, ...]:
        """The focus terms that name something (not a figure or year the question states)."""
        return _named(self.focus)


@dataclass(frozen=True)
class Lead:
    """The chosen sentence, the passage it comes from and how well it answers."""

    sentence: str
    passage: Passage
    coverage: float
    similarity: float
    score: float
    type_match: float
    missing: tuple[str, ...]

    kind: str = "open"

    @property
    def answers(self) -> bool:
        """Whether the sentence carries the question's point: its focus terms and, for a
        figure or date question, a figure or date."""
        return self.coverage >= COVERED and self._typed

    @property
    def _typed(self) -> bool:
        """A figure or date question's sentence has a figure or date; others need none."""
        return self.kind not in ("figure", "date", "place") or self.type_match > 0

    @property
    def opens(self) -> bool:
        """Whether the sentence may open the answer as its answer: it carries the point
        (:attr:`answers`), or part of the focus while it means what the question asks
        (a question's own wording — 获得, 采取 — is often not the rule's). Scope decisions
        rest on :attr:`answers` alone."""
        if self.answers:
            return True
        close = self.coverage >= PARTLY_COVERED and self.similarity >= CLOSE_MEANING
        return close and self._typed


# A question's type by its cues, the first that matches: the strong cues of a type, then the
# weaker nouns that only ask for a figure or a date when nothing else decided it.
_KINDS: list[tuple[re.Pattern[str], str]] = [
    (_LIST_Q, "list"),
    (_FIGURE_Q, "figure"),
    (_DATE_Q, "date"),
    (_PLACE_Q, "place"),
    (_YESNO, "yesno"),
    (_METHOD_Q, "open"),
    (_DATE_WEAK, "date"),
    (_FIGURE_WEAK, "figure"),
    (_DEFINE_Q, "define"),
]


def question_shape(question: str, tokenizer: Tokenizer, strip: Callable[[str], str]) -> Shape:
    """The question's type, focus terms and wanted unit.

    ``strip`` removes the program names (what a question names is not what it asks about).
    """
    norm = normalize(question)
    # The type is the asking clause's: a figure in the scene (「我们注册了十几个商标，…能算分
    # 吗」) does not make a yes/no question ask for a figure.
    asked = asking_part(norm)
    kind = next((k for pattern, k in _KINDS if pattern.search(asked)), "open")
    unit = next((u for pattern, u in _UNITS if pattern.search(asked)), "")
    words = next((w for pattern, w in _ANSWER_WORDS if pattern.search(asked)), ("是", "不是"))
    terms = [
        t
        for t in tokenizer.tokens(strip(norm))
        if t not in _SCAFFOLD and len(t) > 1 and tokenizer.is_word(t) and not _asks(t)
    ]
    terms = _without_artefacts(list(dict.fromkeys(terms)), norm)
    # What the message asks about, not the scene it sets (「…？我们没评过这个，省里市里
    # 的都没有」): terms only in statements about the asker or after the question drop,
    # unless the question is too short to carry its own point (「研发占比4.6%，够吗」,
    # 「我们没做过研发费用加计扣除，有影响吗」 ask about their statements) or the message
    # asks about the program as a whole (「我们是潍坊一家食品机械厂，想报好品山东」).
    kept = [t for t in terms if t in asked]
    terms = kept if len(_named(kept)) > 1 or wants_to_apply(asked) else terms
    # jieba's search mode yields a compound and its parts (年度发展情况报表, 年度, 报表):
    # a compound counts through its parts, so 「上一年度的发展情况报表」 carries it.
    atomic = [t for t in terms if not any(u != t and u in t for u in terms)]
    longest = [t for t in terms if not any(u != t and t in u for u in terms)]
    phrases = [_whole_word(t, norm) for t in longest]
    numbers = tuple(re.findall(r"\d+(?:\.\d+)?", norm))
    if kind == "list" and _named(atomic) and not _LIST_ITEMS_Q.search(norm):
        # 「职工总数有什么要求」 asks for one attribute's rule, not for the list of all of
        # them: every passage competes for the lead, a sentence that sets a limit first.
        kind = "rule"
    figure = kind == "yesno" and bool(_FIGURE_WEAK.search(norm))
    said = _QUESTION_BOUND.search(norm)
    bound = (said.group(1) in ABOVE_WORDS, said.group(2)) if said else None
    return Shape(
        kind, tuple(atomic), unit, words, numbers, tuple(dict.fromkeys(phrases)), figure, bound
    )


# A bound a question states, and a limit a rule sentence sets, on a figure with its unit.
_QUESTION_BOUND = re.compile(rf"({BOUND})\s*(\d+(?:\.\d+)?\s*(?:%|％|万|亿|人|分|年|项|个)?)")
_MAX = r"≤|<=|不超过|不高于|不大于|不多于|最多"
_MIN = r"≥|>=|不低于|不少于|不小于|至少|最少"


# The words a sentence must use to answer a question's modal with yes or no: 「应先转为查账
# 征收」 advises, it does not say whether one 能 apply.
_LICENSES = {
    "能": r"能|可以|可|不得|禁止|不予|允许|无法",
    "可以": r"能|可以|可|不得|禁止|不予|允许|无法",
    "需要": r"需|须|应|必须|要求|不必|无需|无须|不用|要|不再|收费|免费|硬性",
    "算": r"算|属于|计入|计为|视为|不计|包括|能|可",
    "有": r"有|没有|无|未",
}


def _licensed(sentence: str, words: tuple[str, str]) -> bool:
    """Whether the sentence speaks in the question's modal (see :data:`_LICENSES`); a
    modal with no entry (是, 会 …) is answered by any rule sentence."""
    wanted = _LICENSES.get(words[0])
    return wanted is None or bool(re.search(wanted, sentence))


def bound_decides(bound: tuple[bool, str], sentence: str) -> bool | None:
    """Whether a company with the question's bound meets the limit the sentence sets on
    the same figure: above 80% against ≤80% does not, below 3% against ≥3% does not, above
    a minimum or below a maximum does. None when the sentence sets no limit on it.

    >>> bound_decides((True, "80%"), "上年末资产负债率≤80%（含80%）")
    False
    >>> bound_decides((False, "500人"), "职工总数不超过500人")
    True
    >>> bound_decides((True, "80%"), "研发费用占比≥3%") is None
    True
    """
    above, figure = bound
    value = re.escape(figure.replace(" ", "").replace("％", "%"))
    text = normalize(sentence).replace(" ", "").replace("％", "%")
    if re.search(rf"(?:{_MAX}){value}|(?<![\d.]){value}(?:（含）)?(?:以下|以内)", text):
        return not above
    if re.search(rf"(?:{_MIN}){value}|(?<![\d.]){value}(?:（含）)?以上", text):
        return above
    return None


# Question words that jieba may glue to the next character (「多少天才算」 -> 多少/天才/算).
_QUESTION_SPAN = re.compile(
    r"多少[钱分年人家项个次天]?|几[个年项名家人天月分次]?|什么时候|多久|多长时间|哪[年天个些里]"
)


def _without_artefacts(terms: list[str], question: str) -> list[str]:
    """The terms less two kinds of segmentation artefacts, which would otherwise weigh as
    the rarest terms of all (the index has never seen them):

    - the middle of a compound jieba's search mode yields besides its parts (研发人员 ->
      研发, 发人, 人员): a fragment inside a longer term that straddles the edge of one of
      its parts (品牌 inside 高端品牌培育 straddles none and stays);
    - a word glued across a question word (「多少天才算」 -> 天才): every place the term
      occurs in the question overlaps one.

    >>> terms = ["兼职", "研发", "发人", "人员", "研发人员", "天才"]
    >>> _without_artefacts(terms, "兼职的研发人员要干满多少天才算")
    ['兼职', '研发', '人员', '研发人员']
    """
    spans = [m.span() for m in _QUESTION_SPAN.finditer(question)]

    def interior(term: str) -> bool:
        for longer in (t for t in terms if len(t) > len(term) and term in t):
            at = longer.find(term)
            if at == 0 or at + len(term) == len(longer):
                continue
            for part in terms:
                if part in (term, longer) or part not in longer:
                    continue
                j, end = longer.find(part), longer.find(part) + len(part)
                if j < at < end < at + len(term) or at < j < at + len(term) < end:
                    return True  # straddles a part's edge (发人 across 研发|人员)
        return False

    def glued(term: str) -> bool:
        places = [m.start() for m in re.finditer(re.escape(term), question)]
        return bool(places) and all(
            any(a < start + len(term) and start < b for a, b in spans) for start in places
        )

    return [t for t in terms if not interior(t) and not glued(t)]


def _asks(term: str) -> bool:
    """Whether a term is itself a question word (几年, 多少钱, 什么时候): what the question
    asks with, not what it asks about."""
    return bool(
        _FIGURE_Q.fullmatch(term)
        or re.fullmatch(r"多少[钱分年人家项个次天]", term)
        or _DATE_Q.fullmatch(term)
        or _PLACE_Q.fullmatch(term)
        or _YESNO.fullmatch(term)
    )


def _named(terms: Sequence[str]) -> tuple[str, ...]:
    """The terms that name something (not a figure or year the question states)."""
    return tuple(t for t in terms if not _STATED_FIGURE.fullmatch(t))


def _whole_word(term: str, question: str) -> str:
    """The term with the scaffold word the tokenizer split off it (事业 -> 事业单位)."""
    for word in ("单位", "企业", "公司", "机构"):
        if term + word in question:
            return term + word
    return term


def polarity(sentence: str) -> bool | None:
    """True when a rule sentence says yes (可以, 须 …), False when it says no (不得, 没有 …),
    None when it says neither.

    >>> polarity("商标不属于高企认定所说的知识产权"), polarity("有效期内的高企可直接确认")
    (False, True)
    >>> polarity("每年5月底前") is None
    True
    """
    if _NEGATIVE.search(sentence):
        return False
    if _POSITIVE.search(sentence):
        return True
    return None


def point_polarity(sentence: str, focus: Sequence[str]) -> bool | None:
    """The polarity of the clause that carries most of the question's focus terms: a
    sentence can say no about something else (「…才计为科技人员，不能因为其名义岗位是研发就
    整年计入」 does not answer 「183天是指一个自然年度吗」 with no).

    >>> point_polarity("累计183天以上才计为科技人员，不能整年计入", ("183", "科技"))
    >>> point_polarity("商标不属于知识产权，无论注册多少", ("商标",))
    False
    """
    clauses = [c for c in re.split(r"[，,；;。]", sentence) if c.strip()]
    if len(clauses) <= 1 or not focus:
        return polarity(sentence)
    text = [_matching_text(c) for c in clauses]
    hits = [sum(t in c for t in focus) for c in text]
    return polarity(clauses[hits.index(max(hits))])


class LeadScorer:
    """Scores sentences against a question (e5 meaning, focus coverage, type).

    Args:
        embeddings: The search embedder (sentence vectors go through its cache).
        tokenizer: The keyword tokenizer.
        idf: Term -> inverse document frequency in the index (None: a term the index
            has never seen, which weighs as the rarest).
        strip: Removes program names from a question.
        programs_of: The programs a text names (a sentence about another program than
            the one asked about is not its answer).
        cache_size: Sentence vectors (and sentence features) kept in memory.
        weights: Feature weights (:data:`FEATURES`); default: :func:`load_weights`.
    """

    def __init__(
        self,
        embeddings: NamedEmbeddings,
        tokenizer: Tokenizer,
        idf: Callable[[str], float | None],
        strip: Callable[[str], str],
        programs_of: Callable[[str], list[str]] = lambda _text: [],
        synonyms: Mapping[str, Sequence[str]] | None = None,
        *,
        cache_size: int = 20000,
        weights: Mapping[str, float] | None = None,
    ) -> None:
        """Keep the parts; vectors are computed on first use."""
        self.programs_of = programs_of
        # Glossary synonyms both ways: 研发 carries 研究开发 and the reverse.
        pairs: dict[str, set[str]] = {}
        for term, alts in (synonyms or {}).items():
            for alt in alts:
                if alt != term:
                    pairs.setdefault(normalize(term), set()).add(normalize(alt))
                    pairs.setdefault(normalize(alt), set()).add(normalize(term))
        self.synonyms = {k: tuple(sorted(v)) for k, v in pairs.items()}
        self.embeddings = embeddings
        self.tokenizer = tokenizer
        self.idf = idf
        self.strip = strip
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._features: OrderedDict[str, _Features] = OrderedDict()
        self._shapes: OrderedDict[str, Shape] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.set_weights(load_weights() if weights is None else weights)

    def set_weights(self, weights: Mapping[str, float]) -> None:
        """Score with these feature weights (a feature not named weighs 0)."""
        self.weights_by_feature = dict(weights)
        self._weight_vector = np.array([weights.get(f, 0.0) for f in FEATURES], dtype=np.float32)
        self._weighed_text = {f for f in _TEXT_FEATURES if weights.get(f)}

    def shape(self, question: str) -> Shape:
        """The question's shape (see :func:`question_shape`); a turn asks for it more than
        once (scope check, then composing), and jieba is not free."""
        with self._lock:
            found = self._shapes.get(question)
        if found is None:
            found = question_shape(question, self.tokenizer, self.strip)
            # A figure the knowledge base never states (「2019年成立」, 「营收6800万」) is the
            # company's, not a topic: no passage can carry it, and it is not what is asked.
            kept = tuple(
                t for t in found.focus if not (_STATED_FIGURE.fullmatch(t) and self.idf(t) is None)
            )
            if kept != found.focus:
                dropped = set(found.focus) - set(kept)
                found = replace(
                    found,
                    focus=kept,
                    phrases=tuple(p for p in found.phrases if p not in dropped),
                )
            with self._lock:
                _remember(self._shapes, question, found, _SHAPES_KEPT)
        return found

    def weights(self, terms: Sequence[str]) -> dict[str, float]:
        """Each focus term's weight: its IDF, or the highest IDF for an unseen term."""
        known = {t: self.idf(t) for t in terms}
        top = max((v for v in known.values() if v is not None), default=1.0)
        return {t: (v if v is not None else top) for t, v in known.items()}

    def unseen_share(self, shape: Shape) -> float:
        """Share of the focus weight on terms the knowledge base never uses, nor any of
        their synonyms (「抄底」, 「行情」): what no passage can be evidence for."""
        if not shape.focus:
            return 0.0
        weights = self.weights(shape.focus)
        unseen = [
            t
            for t in shape.focus
            if self.idf(t) is None and all(self.idf(a) is None for a in self.synonyms.get(t, ()))
        ]
        return sum(weights[t] for t in unseen) / sum(weights.values())

    def coverage(
        self,
        sentence: str,
        shape: Shape,
        context: str = "",
        weights: Mapping[str, float] | None = None,
    ) -> tuple[float, tuple[str, ...]]:
        """Share of the focus weight the sentence carries, and the focus terms it lacks.

        ``context`` is what the sentence stands under (its article's title): a list item
        「5%（含）至6%：40分」 answers 「研发投入指标得几分」 through its heading, so a focus
        term only the context carries counts half (the sentence itself still has to say
        the rest). ``weights``: the focus terms' :meth:`weights`, when the caller already
        has them."""
        if not shape.focus:
            return 1.0, ()
        if weights is None:
            weights = self.weights(shape.focus)
        text = self._sentence_features(sentence).text
        around = _matching_text(context)

        def carries(t: str, where: str) -> bool:
            return t in where or any(alt in where for alt in self.synonyms.get(t, ()))

        missing = tuple(t for t in shape.focus if not carries(t, text))
        inherited = sum(weights[t] for t in missing if around and carries(t, around))
        total = sum(weights.values())
        lacking = tuple(t for t in missing if not (around and carries(t, around)))
        return 1.0 - (sum(weights[t] for t in missing) - CONTEXT_SHARE * inherited) / total, lacking

    def type_match(self, sentence: str, shape: Shape) -> float:
        """How well the sentence has what the question type wants (0–1). Figures and
        dates the question itself states (「2026年…什么时候」) do not count."""
        for number in sorted(shape.numbers, key=len, reverse=True):
            sentence = sentence.replace(number, "")
        if shape.kind == "define":
            head = normalize(sentence)[:24]
            return 1.0 if re.search(r"[:：]|是指|指的是|是一项|是一种|即", head) else 0.0
        if shape.kind == "figure":
            if not _DIGIT.search(sentence):
                return 0.0
            return 1.0 if not shape.unit or re.search(shape.unit, sentence) else 0.2
        if shape.kind == "date":
            return 1.0 if _DATE.search(sentence) else 0.0
        if shape.kind == "place":
            return 1.0 if _PLACE.search(sentence) else 0.0
        if shape.kind == "rule":
            return 1.0 if _LIMIT.search(sentence) else 0.0
        if shape.kind == "yesno":
            table = sentence.lstrip().startswith("|")
            if shape.figure:
                return 1.0 if _DIGIT.search(sentence) else 0.0
            return 0.0 if table or polarity(sentence) is None else 1.0
        return 0.0

    def warm(self, texts: Sequence[str]) -> int:
        """Embed every candidate sentence of these passage texts ahead of questions (the
        vectors land in the embedder's cache, so a later run starts warm); how many."""
        found = [s for text in texts for s in candidate_sentences(text) if len(s) >= 6]
        unique = list(dict.fromkeys(found))
        for start in range(0, len(unique), 256):
            self._sentence_vectors(unique[start : start + 256])
        return len(unique)

    def _form(self, sent: str, asked: set[str], *, listing: bool) -> dict[str, float]:
        """The sentence's form features: a table row read out of its table, a list's
        introduction (which opens a list question, completed with its items' heads, but no
        other), a sentence about another program than the one asked about (「与高企的区别：…」
        under a 科技型 question), great length."""
        intro = 1.0 if sent.rstrip().endswith(("：", ":")) else 0.0
        named = set(self._sentence_features(sent).programs)
        # About another program: it names one the question does not, and not every one the
        # question does (「科技型中小企业：…高企证书…」 under 「高企能直接认定为创新型吗」).
        other = bool(asked and named - asked and asked - named)
        return {
            "table_row": 1.0 if sent.startswith("|") else 0.0,
            "intro": 0.0 if listing else intro,
            "intro_of_list": intro if listing else 0.0,
            "other_program": 1.0 if other else 0.0,
            "length": max(0, len(sent) - 120) / 100,
            "short": 1.0 if len(sent) < 12 else 0.0,
            "asks": 1.0 if _ASKING_SENTENCE.search(sent) else 0.0,
            "leans_back": 1.0 if _LEANS_BACK.match(sent.lstrip("*-# ")) else 0.0,
        }

    def _form_penalty(self, sent: str, asked: set[str], *, listing: bool = False) -> float:
        """What the sentence's form takes off its score (the negated weighted form features)."""
        form = self._form(sent, asked, listing=listing)
        return -sum(self.weights_by_feature.get(k, 0.0) * v for k, v in form.items())

    def _sentence_features(self, sentence: str) -> _Features:
        """The sentence's matching text and named programs, computed once per sentence: the
        same knowledge sentences come back question after question, and program detection
        (with its one-typo matching) is the costliest part of scoring one."""
        with self._lock:
            found = self._features.get(sentence)
        if found is None:
            text = _matching_text(sentence)
            found = _Features(text, tuple(self.programs_of(sentence)))
            with self._lock:
                _remember(self._features, sentence, found, self._cache_size)
        return found

    def _sentence_vectors(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            fresh = self.embeddings.embed_documents(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._vectors[text] = np.asarray(vector, dtype=np.float32)
                while len(self._vectors) > self._cache_size:
                    self._vectors.popitem(last=False)
        with self._lock:
            return np.stack([self._vectors[t] for t in texts])

    def features(
        self,
        question: str,
        passages: Sequence[Passage],
        shape: Shape,
        text_features: Collection[str] = _TEXT_FEATURES,
    ) -> tuple[list[Lead], np.ndarray]:
        """Every candidate sentence of the top passages as an unscored :class:`Lead`, and
        its row of :data:`FEATURES`. Of the string-matching features only ``text_features``
        are computed (the others are 0): scoring asks for the ones that weigh."""
        asked = set(self.programs_of(question))
        top = max((p.score for p in passages[:MAX_PASSAGES]), default=0.0) or 1.0
        candidates = _candidates(passages[: 1 if shape.kind == "list" else MAX_PASSAGES])
        if not candidates:
            return [], np.zeros((0, len(FEATURES)), dtype=np.float32)
        query = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        sims = self._sentence_vectors([c[2] for c in candidates]) @ query
        # The focus weights read the keyword index (a store round trip): once per question.
        weights = self.weights(shape.focus) if shape.focus else None
        wanted = set(text_features)
        grams = _bigrams(_matching_text(self.strip(question))) if "bigrams" in wanted else set()
        leads: list[Lead] = []
        rows: list[dict[str, float]] = []
        seen: set[int] = set()
        for (rank, passage, sent, context), sim in zip(candidates, sims, strict=True):
            cov, missing = self.coverage(sent, shape, context, weights)
            typed = self.type_match(sent, shape)
            # Retrieval's own confidence: the fused score relative to the best passage.
            behind = max(0.0, 1.0 - passage.score / top) if passage.score > 0 else rank / 10
            text = self._sentence_features(sent).text
            row = {
                "meaning": (float(sim) - 0.75) / 0.2,
                "focus": cov,
                "type": typed,
                "behind": behind,
                "stated_numbers": (
                    _share_of_numbers(shape.numbers, text) if "stated_numbers" in wanted else 0.0
                ),
                "bigrams": len(grams & _bigrams(text)) / len(grams) if grams else 0.0,
                "first_of_passage": 0.0 if rank in seen else 1.0,
            }
            row.update(self._form(sent, asked, listing=shape.kind == "list"))
            seen.add(rank)
            rows.append(row)
            leads.append(Lead(sent, passage, cov, float(sim), 0.0, typed, missing, shape.kind))
        best_sim = max(lead.similarity for lead in leads)
        best_cov = max(lead.coverage for lead in leads)
        for lead, row in zip(leads, rows, strict=True):
            row["meaning_gap"] = (lead.similarity - best_sim) / 0.05
            row["focus_gap"] = lead.coverage - best_cov
        matrix = np.array([[row.get(f, 0.0) for f in FEATURES] for row in rows], dtype=np.float32)
        return leads, matrix

    def choose(self, question: str, passages: Sequence[Passage], shape: Shape) -> Lead | None:
        """The sentence of the top passages that best answers the question."""
        leads, matrix = self.features(question, passages, shape, self._weighed_text)
        if not leads:
            return None
        scores = matrix @ self._weight_vector
        # Support: the score less retrieval's rank, what an upload is compared on.
        supports = scores - matrix[:, _RETRIEVAL_COLUMNS] @ self._weight_vector[_RETRIEVAL_COLUMNS]
        best: Lead | None = None
        # The best sentence of each kind of source with its support (see below).
        by_kind: dict[bool, tuple[Lead, float]] = {}
        for lead, score, support in zip(leads, scores, supports, strict=True):
            lead = replace(lead, score=float(score))
            if best is None or lead.score > best.score:
                best = lead
            upload = lead.passage.metadata.get("doc_type") == "upload"
            if upload not in by_kind or lead.score > by_kind[upload][0].score:
                by_kind[upload] = (lead, float(support))
        return _prefer_upload(best, by_kind)


def _bigrams(text: str) -> set[str]:
    """The character bigrams of a text's words (punctuation and spaces split words)."""
    words = re.findall(r"[\w%.]+", text)
    return {w[i : i + 2] for w in words for i in range(len(w) - 1)}


def _share_of_numbers(numbers: Sequence[str], text: str) -> float:
    """The share of the question's stated figures a sentence repeats (6 is not in 16). A
    year is when the question is set, not a figure its answer repeats (「2024年…总投资多少」).
    """
    numbers = [n for n in numbers if not re.fullmatch(r"(?:19|20)\d\d", n)]
    if not numbers:
        return 0.0
    found = sum(bool(re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", text)) for n in numbers)
    return found / len(numbers)


def load_weights(path: Path = WEIGHTS_FILE) -> dict[str, float]:
    """The fitted weights (feature -> weight), or :data:`HAND_WEIGHTS` without the file.

    Raises:
        ValueError: the file names a feature this code does not compute.
    """
    if not path.is_file():
        return dict(HAND_WEIGHTS)
    weights = json.loads(path.read_text(encoding="utf-8"))["weights"]
    unknown = set(weights) - set(FEATURES)
    if unknown:
        raise ValueError(f"{path.name}: unknown lead features {sorted(unknown)}")
    return {k: float(v) for k, v in weights.items()}


def _prefer_upload(best: Lead | None, by_kind: dict[bool, tuple[Lead, float]]) -> Lead | None:
    """An uploaded document's sentence over a curated article's when it carries the point
    and its own support (meaning, focus, type) is better: the fused rank that otherwise
    weighs in favours curated articles, whose headings repeat program names and tags, over
    a notice the staff uploaded because it holds what the articles do not."""
    if best is None or best.passage.metadata.get("doc_type") == "upload" or True not in by_kind:
        return best
    upload, upload_support = by_kind[True]
    curated, curated_support = by_kind[False]
    if upload.answers and (not curated.answers or upload_support > curated_support):
        return upload
    return best


@dataclass(frozen=True)
class _Features:
    """What scoring reads of one sentence besides its vector."""

    text: str  # normalised, lower case, pinyin annotations removed: where focus terms are found
    programs: tuple[str, ...]  # the programs it names


# Question shapes kept in memory (a turn asks for its question's shape more than once).
_SHAPES_KEPT = 512


def _remember(cache: OrderedDict[str, _T], key: str, value: _T, size: int) -> None:
    """Put ``value`` in a bounded least-recently-added cache (caller holds the lock)."""
    cache[key] = value
    while len(cache) > size:
        cache.popitem(last=False)


def _candidates(passages: Sequence[Passage]) -> list[tuple[int, Passage, str, str]]:
    """Every sentence of the passages that could open an answer, with its passage rank and
    what it stands under (its article's title and its section's heading)."""
    out = []
    for rank, passage in enumerate(passages):
        title = str(passage.metadata.get("article_title", ""))
        # Headings are left out: the answer opens with a statement, not a title.
        for sent, heading in sentences_under_headings(passage.text):
            # A question in the passage (an FAQ's heading) echoes, it does not answer.
            if len(sent) >= 6 and not _URL.search(sent) and not sent.endswith(("？", "?")):
                out.append((rank, passage, sent, f"{title} {heading}".strip()))
    return out


def opening(lead: Lead, shape: Shape) -> str:
    """The answer's first paragraph: a yes/no word when the sentence decides the question,
    the sentence itself, or — when it does not carry the question's point — what the
    knowledge base does say and that the exact point is not in it."""
    sentence = lead.sentence.strip()
    if not lead.opens:
        wanted = {"figure": "所问的数字", "date": "所问的时间", "place": "在哪里办理"}.get(
            shape.kind, "这一点"
        )
        terms = [p for p in shape.phrases if any(t in p for t in lead.missing)]
        gap = "、".join(f"「{t}」" for t in terms[:3]) or wanted
        return f"知识库中没有直接说明{gap}；与之最相关的内容是：{sentence}"
    if shape.kind != "yesno":
        return sentence
    # A bound the question states decides against the rule's limit; else the sentence's
    # own polarity, when it speaks in the question's modal (a limit's figure answers itself).
    said = bound_decides(shape.bound, sentence) if shape.bound else None
    if said is None and not shape.figure and _licensed(sentence, shape.answer_words):
        said = point_polarity(sentence, shape.focus)
    if said is None:
        return sentence
    yes, no = shape.answer_words
    return f"{yes if said else no}。{sentence}"
