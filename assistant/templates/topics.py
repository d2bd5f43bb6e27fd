"""Topic agreement: a cheap, explainable veto for near misses that e5 cannot tell apart.

multilingual-e5-small scores questions that share a program and a sentence pattern as
near-identical: 「泉城好品申报需要提交哪些材料？」 and 「泉城好品申报需要满足哪些条件？」
have a cosine of 0.98, above most true paraphrases (measured: ``bench/templates.py``).
What tells them apart is one word naming what is asked (材料 vs 条件) or what it is
about (研发费用 vs 营业收入).

- Aspects (materials, requirement, validity, procedure, timing, benefits, fees, scoring,
  definition, lookup …): when both texts name some, they must share one. An aspect is
  often implicit (「什么样的企业可以申报」 asks for conditions without saying so).
- Subjects (R&D expense, revenue, staff, market share, IP, annual report): a trigger
  about a subject answers only questions naming one of its subjects, so the 年报
  template does not answer 「高企认定申报什么时候开始？」.

Otherwise the decision is the cosine's. Words are matched longest first, so 「多少分」
is scoring, not the requirement 「多少」.
"""

from __future__ import annotations

from assistant.core.text import normalize

ASPECTS: dict[str, tuple[str, ...]] = {
    "materials": ("申报材料", "材料", "资料", "附件", "证明文件", "准备什么", "提交什么"),
    "requirement": (
        "条件",
        "要求",
        "门槛",
        "规定",
        "达到",
        "最低",
        "不低于",
        "至少",
        "百分之几",
        "多少",
    ),
    "validity": ("有效期", "几年有效", "有效", "到期", "管几年"),
    "procedure": (
        "流程",
        "步骤",
        "程序",
        "手续",
        "怎么申报",
        "如何申报",
        "怎么申请",
        "如何申请",
        "怎么报",
    ),
    "timing": ("什么时候", "何时", "几月", "哪天", "时间"),
    "benefits": ("优惠", "好处", "政策支持", "奖励", "补贴", "减免", "扶持", "奖补"),
    "fees": ("收费", "交钱", "免费", "交费", "缴费", "要钱", "花钱"),
    "scoring": ("多少分", "评分", "打分", "得分", "分数", "合格线", "分数线", "几分"),
    "definition": (
        "归集",
        "范围",
        "怎么认定",
        "如何认定",
        "算不算",
        "能算",
        "怎么算",
        "包括哪些",
        "指什么",
        "是什么意思",
        "定义",
    ),
    "rename": ("改名", "更名", "名称变更"),
    "replacement": ("补办", "丢了", "遗失", "丢失"),
    "listing": ("名单", "公布", "公示", "批次"),
    "lookup": ("在哪里查", "哪里查", "在哪查", "查询"),
}
SUBJECTS: dict[str, tuple[str, ...]] = {
    "rd_expense": ("研发费用", "研发投入", "研发经费", "研发支出"),
    "revenue": ("营业收入", "营收", "销售收入", "收入"),
    "staff": ("科技人员", "研发人员", "职工", "员工"),
    "market": ("市场占有率", "占有率", "市场份额", "市场排名"),
    "ip": ("知识产权", "专利", "软件著作权", "软著"),
    "annual_report": ("年报", "年度报告"),
}


def _terms(groups: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    return sorted(((w, g) for g, ws in groups.items() for w in ws), key=lambda x: -len(x[0]))


_ASPECT_TERMS = _terms(ASPECTS)
_SUBJECT_TERMS = _terms(SUBJECTS)


def _found(text: str, terms: list[tuple[str, str]]) -> frozenset[str]:
    groups = set()
    for word, group in terms:
        if word in text:
            groups.add(group)
            text = text.replace(word, "\0")
    return frozenset(groups)


def topics(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The aspects and subjects a text names.

    >>> topics("创新型中小企业评价要多少分才能通过？")
    (frozenset({'scoring'}), frozenset())
    >>> sorted(topics("研发投入要占营收多少")[1])
    ['rd_expense', 'revenue']
    """
    text = normalize(text)
    return _found(text, _ASPECT_TERMS), _found(text, _SUBJECT_TERMS)


def topics_agree(question: str, trigger: str) -> bool:
    """Whether a question may be answered by a trigger: no clearly different aspect, and
    one of the trigger's subjects (if it has any) named.

    >>> topics_agree("泉城好品申报需要提交哪些材料？", "泉城好品申报需要满足哪些条件？")
    False
    >>> topics_agree("申请科小需要准备什么材料？", "科技型中小企业评价需要准备哪些材料？")
    True
    >>> topics_agree("什么样的企业可以申报泉城好品？", "泉城好品申报需要满足哪些条件？")
    True
    >>> topics_agree("高企认定申报什么时候开始？", "高企每年的年报什么时候填？")
    False
    """
    (qa, qs), (ta, ts) = topics(question), topics(trigger)
    return not ((qa and ta and not qa & ta) or (ts and not qs & ts))
