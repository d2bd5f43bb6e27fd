"""What a question is about: the programs it names and the kind of answer it wants.

Programs come from the glossary's names and abbreviations (with a one-character typo
tolerance for names of four or more characters: 泉成好品 -> 泉城好品). The kind is decided
by cue words, checked in order (the first match wins). A question with no program, no
domain word and no company facts is out of scope, unless the conversation is already about
a program (then the knowledge base's evidence decides).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.chat.attributes import located_elsewhere
from assistant.core.text import normalize
from assistant.core.vocabulary import Vocabulary
from assistant.search.retrieval import ProgramDetector

KINDS: list[tuple[str, str]] = [
    (
        "match",
        r"(?:能|可以|可)(?:申请|申报|报|评)(?:点|些)?(?:哪些|什么|啥)|哪些项目|适合(?:申报|申请)|能拿哪些|"
        r"(?:别的|其他|其它)(?:还)?(?:能|可以)(?:申请|申报|报|评)|先(?:申请|申报|报|评)(?:什么|啥)",
    ),
    (
        "gaps",
        # 「还差多少分」 asks for the score (scoring), not for the figures to change
        r"还差(?:什么|多少(?!分)|哪些|啥)|差(?:什么|多少(?!分)|哪些|啥)|离.{1,8}(?:还差|差)|缺(?:什么|哪些|啥)|"
        # a change asked for: 「要补到多少」, 「还得加多少」, 「提高到多少才行」
        r"(?:补|加|提高|提升|增加|涨|投)到多少|(?:还?要|还?得|需要|再)(?:补|加|增加|提高|投)多少|"
        # why the verdict is no: 「差在哪」, 「为什么不行」 (the failing conditions)
        r"差在哪|卡在哪|(?:为什么|为啥|怎么)(?:还)?(?:不行|不够|不符合|没过|过不了)|"
        r"哪(?:里|儿|条|项)不(?:行|够|符合|达标)|(?:要|得)有多少才(?:够|行)",
    ),
    (
        "eligibility",
        r"能不能|能否|可不可以|是否可以|可以申请吗|能申请吗|能评(?:上)?吗|能报吗|够不够|"
        r"符合.{0,6}(?:吗|么|不)|有没有资格|够格|达标吗|能不能评|能评|可以评吗|可以报吗|能过吗|有戏吗|"
        r"评不了|报不了|申请不了|评不上|没戏|"
        # 「能弄不」, 「能报不？」: a yes/no asked with a trailing 不
        r"(?:能[\u4e00-\u9fff]{1,2}|够|行|可以|成)不\s*(?:[?？。!！]|$)|行不行|成不成",
    ),
    (
        "comparison",
        r"区别|不同|差别|比较|对比|哪个(?:更|比较)?(?:好|容易|难|快|简单|合适|划算)|"
        r"先(?:申请|申报|报|评|做)哪个|和.{1,10}(?:有什么|有啥)(?:区别|不同|关系)",
    ),
    ("scoring", r"评分|打分|得分|分数|多少分|几分|评价指标|指标体系|分值"),
    ("materials", r"材料|资料|准备什么|提交什么|清单|要交|附件|证明文件|审计报告"),
    (
        "validity",
        r"有效期|几年有效|有效.{0,3}几年|多久有效|(?<![明今去前后])年报|年度报告|复审|重新认定|更名|改名|撤销|取消资格|"
        r"到期|年度更新|每年要",
    ),
    (
        "procedure",
        r"流程|程序|步骤|怎么申请|如何申请|怎么申报|如何申报|怎么报|什么时候|何时|时间|截止|窗口|"
        r"哪里报|在哪|去哪|找谁|哪个部门|谁负责|公示|平台",
    ),
    ("benefits", r"好处|优惠|税率|减免|补贴|奖励|奖金|扶持|政策支持|有什么用|能享受|少交|税"),
    (
        "statistics",
        r"多少家|多少个品牌|多少个企业|第几批|批次|名单|公布了|入选了?多少|共有多少|一共多少|几批",
    ),
    (
        "definition",
        r"什么是|是什么意思|指的是|指什么|怎么算|如何计算|怎么计算|包括哪些|包括什么|定义|含义|口径|"
        r"算不算|算.{0,4}吗",
    ),
    (
        "threshold",
        r"多少|几个|几项|几年|几人|比例|占比|门槛|至少|不低于|最低|要求.{0,6}多|上限|超过",
    ),
]
KIND_TOPICS: dict[str, tuple[str, ...]] = {
    "scoring": ("scoring",),
    "materials": ("materials",),
    "validity": ("validity",),
    "procedure": ("procedure",),
    "benefits": ("benefits",),
    "statistics": ("statistics",),
    "definition": ("definitions", "faq"),
    "comparison": ("comparison", "overview"),
    "threshold": ("conditions", "eligibility", "scoring"),
    "conditions": ("conditions", "eligibility", "overview"),
}
_DOMAIN = re.compile(
    r"申报|申请|认定|评价|入库|资格|资质|条件|政策|补贴|奖励|研发|高新|企业|公司|品牌|专利|知识产权|"
    r"科技|认证|审计|税|营收|收入|员工|职工|门槛|评审|材料|有效期|名单|批次|证书|称号"
)
_OUT = re.compile(
    r"天气|股票|股价|炒股|彩票|写(?:一)?首诗|作诗|诗歌|的诗|笑话|菜谱|做饭|电影|歌曲|足球|篮球|旅游|"
    r"星座|算命|减肥|翻译成英文|编程|写代码|医院|挂号|房价|买房|餐厅|好吃|美食|"
    r"高铁票|火车票|车票|机票|航班|订酒店|"
    # 「一件发明专利」 reads as a company fact and would route to the engine before any
    # evidence is weighed, so the patent-office fee question keeps its pattern.
    r"(?:申请|申报)(?:一件|一个)?(?:发明)?专利(?:要|需要)?(?:多少钱|费用|多久)"
)
# Out of domain even beside a program's name (「推荐几只小巨人概念股」 asks for stock tips).
_OUT_ALWAYS = re.compile(r"概念股|股票|股价|炒股|荐股|买股|彩票")
# Whose eligibility a yes/no question asks about: the user's own company (我们, 我司 …) is
# an assessment; a class of companies (事业单位, 名称变更的企业, 分公司 …) is a policy question
# answered from the rules, whatever facts the session holds.
_OWN = re.compile(r"我们|我司|本公司|我公司|我厂|咱们|咱|我单位|我方|本企业|本单位|俺|我家")
_THIRD_PARTY = re.compile(
    r"(?:的|该|此|这类|这种|哪些|那些|有些|一些|其他)(?:企业|公司|单位)|[\u4e00-\u9fff]{2}单位|"
    r"机构|组织|个体户|个人独资|合伙企业|分公司|子公司"
)
_FOLLOW_UP = re.compile(
    r"^(?:那|那么|如果是|换成|再看看|再问下)?.{0,16}(?:呢|如何|怎么样|看看|试试)[？?。]?$"
)


_NOTHING = re.compile(r"(?!)")
# With company facts, a question that ends yes/no or says 能/够 asks whether they fit (the
# 么 of 怎么/什么 is no question particle).
_ASKS_FIT = re.compile(
    r"吗|(?<![什怎这那多要])么[？?。！!]?$|能|可以|行不行|够|达标|没[？?]?$|不[？?]?$"
)


# A yes/no question whose predicate is how a rule treats a thing (「高企申报能用吗」,
# 「算不算」, 「能重复用吗」) asks about the rule, whatever figures the message has.
_RULE_PREDICATE = re.compile(
    r"(?:重复|再|共同|一起|直接)?(?:用|使用|算|计入|算进去?|抵扣|认可)(?:吗|么|不|呢|[？?]|$)|"
    r"算不算|能不能用|可不可以用|能不能算|能不能计入"
)


def _last_clause(text: str) -> str:
    """The message's last clause (where a question is asked)."""
    parts = [p for p in re.split(r"[，,。；;！!]", text) if p.strip()]
    return parts[-1] if parts else text


def _any_of(patterns: Iterable[str]) -> re.Pattern[str]:
    """One expression matching any of ``patterns`` (none: matches nothing)."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(joined) if joined else _NOTHING


@dataclass(frozen=True)
class Intent:
    """Programs named, the kind of answer, and whether the question is out of scope."""

    programs: tuple[str, ...]
    kind: str
    out_of_scope: bool
    follow_up: bool
    # In scope only through the conversation's program: the answer needs evidence.
    contextual: bool = False


class IntentDetector:
    """Detects programs (via the retrieval's program detector) and the question kind.

    Args:
        names: Program id -> the names people use for it (glossary).
    """

    def __init__(
        self,
        names: dict[str, tuple[str, ...]],
        words: Vocabulary | None = None,
        terms: Iterable[str] = (),
    ) -> None:
        """Index the names (longest first, one-character typos tolerated) and the scope
        words of the vocabulary (none without one). ``terms``: the knowledge base's own
        terms (梯度培育, 细分市场 …), which place a message in its domain as the general
        domain words do."""
        self._programs = ProgramDetector(names)
        self._terms = _any_of(re.escape(t) for t in terms if len(t) > 1)
        words = words or Vocabulary()
        # The knowledge base covers one province and its programs: other regions' local
        # rules and other titles are out of scope.
        self._province = words.regions.province_short
        self._regions = words.regions
        self._other_region = _any_of(map(re.escape, words.regions.other_regions))
        self._uncovered = _any_of(words.uncovered.patterns)
        self._in_scope_with = set(words.uncovered.in_scope_with)

    def programs(self, text: str) -> list[str]:
        """Program ids named in the text, in order of first mention."""
        return self._programs.detect(text)

    def without_programs(self, text: str) -> str:
        """The text with the program names removed (what a follow-up carries over)."""
        return self._programs.remove(text)

    def detect(
        self,
        text: str,
        *,
        has_facts: bool = False,
        previous_kind: str = "",
        in_topic: bool = False,
    ) -> Intent:
        """The intent of a question. ``in_topic``: the conversation is about a program
        already, so a question that names none (「到期了怎么办？」) is read in its context
        rather than judged out of scope for lacking a domain word (the evidence decides)."""
        norm = normalize(text)
        programs = tuple(self.programs(norm))
        follow_up = bool(_FOLLOW_UP.match(norm.strip())) and len(norm) <= 20
        policy = not _OWN.search(norm) and bool(_THIRD_PARTY.search(self.without_programs(norm)))
        # 「一个软著能不能在以后的申报里重复用」 asks how a rule treats a thing, not whether
        # the company is eligible.
        policy = policy or bool(_RULE_PREDICATE.search(_last_clause(norm)))
        has_facts = has_facts and not policy
        kind = next(
            (
                k
                for k, pattern in KINDS
                if re.search(pattern, norm) and not (policy and k == "eligibility")
            ),
            "",
        )
        if not kind and follow_up and previous_kind:
            kind = previous_kind
        # Company figures plus a yes/no question is an eligibility question, whatever
        # other cue words it has.
        if (
            has_facts
            and kind not in ("match", "gaps", "scoring", "definition", "procedure")
            and _ASKS_FIT.search(norm)
        ):
            kind = "eligibility"
        kind = kind or "conditions"
        out = (bool(_OUT.search(norm)) and not programs) or bool(_OUT_ALWAYS.search(norm))
        # A company placed elsewhere (「我们是河北的企业」) asks about the national rules
        # or is told the provincial ones exclude it; another region's own rules are
        # out of scope.
        out = out or (
            bool(self._other_region.search(norm))
            and not (self._province and self._province in norm)
            and not located_elsewhere(norm, self._regions)
        )
        out = out or (
            bool(self._uncovered.search(norm)) and not self._in_scope_with.intersection(programs)
        )
        bare = (
            not programs
            and not has_facts
            and not _DOMAIN.search(norm)
            and not self._terms.search(norm)
        )
        if bare and not in_topic:
            out = True
        return Intent(programs, kind, out, follow_up, contextual=bare and in_topic and not out)
