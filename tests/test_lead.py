"""Lead sentences, yes/no leads, policy questions, scope from evidence and the question's
script: the shipped knowledge base and the real news fixtures in tests/data/news."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.chat.intent import IntentDetector
from assistant.chat.lead import Lead, Shape, opening, polarity
from assistant.config import PROJECT_ROOT, Settings
from assistant.core.knowledge import load_knowledge
from assistant.core.text import is_traditional, to_simplified
from assistant.search.retrieval import Passage
from tests.conftest import indexed_chat

DAY = dt.date(2026, 11, 22)
NEWS = PROJECT_ROOT / "tests" / "data" / "news"


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("lead"), embeddings="hashing")
    return indexed_chat(settings)


@pytest.fixture(scope="module")
def intents():
    return IntentDetector(load_knowledge(PROJECT_ROOT / "knowledge").glossary.program_names)


def _lead(sentence: str, coverage: float = 1.0, missing: tuple[str, ...] = ()) -> Lead:
    passage = Passage("c", "kb-x", sentence, 1.0, {}, 1, 1)
    return Lead(sentence, passage, coverage, 0.9, 1.0, 1.0, missing, "yesno")


def test_polarity_reads_the_rule_not_the_topic():
    assert polarity("商标不属于高企认定所说的知识产权") is False
    assert polarity("有效期内的高企可直接确认为科技型中小企业") is True
    assert polarity("每年5月底前报送") is None


def test_a_yes_no_question_gets_the_word_its_modal_asks_for():
    shape = Shape("yesno", ("商标",), answer_words=("算", "不算"))
    text = opening(_lead("商标不属于高企认定所说的知识产权。"), shape)
    assert text.startswith("不算。商标不属于")


def test_a_sentence_without_the_point_says_what_is_missing():
    shape = Shape("yesno", ("事业",), answer_words=("可以", "不可以"), phrases=("事业单位",))
    text = opening(_lead("申请主体必须是居民企业。", 0.2, ("事业",)), shape)
    assert text.startswith("知识库中没有直接说明「事业单位」")
    assert "居民企业" in text
    assert "可以。" not in text


def test_a_question_about_a_class_of_companies_is_a_policy_question(intents):
    for question in (
        "事业单位是否可以申报高新技术企业？",
        "已获得高企资格的企业名称发生了变化，能否直接以新名称参加重新认定？",
    ):
        assert intents.detect(question, has_facts=True).kind != "eligibility", question
    assert intents.detect("我们公司能评高企吗？").kind == "eligibility"
    assert intents.detect("能评高企吗？", has_facts=True).kind == "eligibility"


def test_the_shapes_of_questions(chat):
    leads = chat[0].leads
    assert leads.shape("高企年度发展情况报表什么时候交？").kind == "date"
    figure = leads.shape("聊城投资多少钱对质检中心进行提升改造？")
    assert (figure.kind, figure.unit) == ("figure", "元")
    assert leads.shape("商标能算高企的知识产权吗？").answer_words == ("算", "不算")
    # 「60分」 is the question's premise: a yes/no question, not a figure question
    assert leads.shape("评价分值低于60分的企业，还能直接确认为科技型中小企业吗？").kind == "yesno"
    # program names and question words are not what a question is about
    assert leads.shape("事业单位是否可以申报高新技术企业？").focus == ("事业",)


def test_unseen_focus_terms_weigh_most(chat):
    leads = chat[0].leads
    shape = leads.shape("员工的个人所得税专项附加扣除怎么填？")
    coverage, missing = leads.coverage("高新技术企业的企业所得税税率为15%。", shape)
    assert coverage < 0.5
    assert "专项" in "".join(missing)


def test_out_of_domain_questions_are_refused(chat):
    for question in (
        "明天济南会下雨吗？",
        "员工的个人所得税专项附加扣除怎么填？",
        "结婚登记需要带什么材料？",
    ):
        assert chat[0].ask(question, as_of=DAY)["refused"], question


def test_uploaded_news_is_answered_in_the_questions_script(chat, tmp_path):
    assistant, stack = chat
    files = [shutil.copy(NEWS / name, tmp_path) for name in ("lunan-zhijian-2005.txt",)]
    paths = [Path(f) for f in files]
    stack.indexer.ingest_files(paths)
    try:
        simple = assistant.ask("鲁南质检中心总投资多少？", as_of=DAY)
        assert not simple["refused"]
        first = simple["answer"].split("\n\n")[0]
        assert "8300万元" in first
        assert not is_traditional(first)
        assert simple["citations"][0]["source_id"].startswith("file-")
        assert is_traditional(simple["citations"][0]["text"])  # the source keeps its script
        traditional = assistant.ask("魯南質檢中心總建築面積是多少？", as_of=DAY)
        first = traditional["answer"].split("\n\n")[0]
        assert "21000" in first
        assert is_traditional(first)
    finally:
        stack.indexer.remove([str(p) for p in paths])
    assert assistant.ask("鲁南质检中心总投资多少？", as_of=DAY)["refused"]


def test_the_news_fixtures_name_their_sources_and_figures():
    questions = yaml.safe_load((NEWS / "questions.yaml").read_text(encoding="utf-8"))
    files = sorted(NEWS.glob("*.txt"))
    assert len(files) >= 10
    assert sum(is_traditional(f.read_text(encoding="utf-8")) for f in files) >= 2
    for f in files:
        assert "来源地址：http" in to_simplified(f.read_text(encoding="utf-8")), f.name
    for q in questions:
        text = to_simplified((NEWS / q["file"]).read_text(encoding="utf-8"))
        assert to_simplified(q["figure"]) in text, q


def test_a_focus_term_in_the_articles_title_counts_part_of_its_weight(chat):
    leads = chat[0].leads
    shape = leads.shape("研发投入指标在5%到6%之间得几分？")
    alone, missing = leads.coverage("5%（含）至6%：40分", shape)
    titled, lacking = leads.coverage("5%（含）至6%：40分", shape, "科技型中小企业研发投入指标评分")
    assert titled > alone
    assert len(lacking) < len(missing)


def test_a_yes_no_question_about_a_limit_is_answered_by_the_figure(chat):
    leads = chat[0].leads
    shape = leads.shape("科技型中小企业对职工人数有上限吗？")
    assert shape.kind == "yesno"
    assert shape.figure
    assert leads.type_match("职工总数不超过500人。", shape) > leads.type_match(
        "职工总数包括在职、兼职和临时聘用人员。", shape
    )
    # the figure answers: no yes/no word that the limit's own 不得/不超过 would invert
    text = opening(_lead("资产负债率不得超过70%。"), shape)
    assert text.startswith("资产负债率不得超过70%")


def test_a_noun_of_time_in_a_yes_no_question_does_not_make_it_a_date_question(chat):
    leads = chat[0].leads
    assert leads.shape("科技人员累计实际工作时间在183天以上，是指一个自然年度吗？").kind == "yesno"
    assert leads.shape("高企申报的截止时间").kind == "date"


def test_a_sentence_about_another_program_weighs_less_even_when_it_names_one_asked_for(chat):
    leads = chat[0].leads
    asked = {"hnte", "innovative_sme"}
    other = "科技型中小企业：企业只要拥有有效期内的高新技术企业资格证书，就可以直接确认。"
    same = "创新型中小企业：有效期内的高企同样属于可直接认定的情形。"
    assert leads._form_penalty(other, asked) > leads._form_penalty(same, asked)


def test_a_lists_introduction_opens_a_list_question_only(chat):
    leads = chat[0].leads
    intro = "据首批好品山东发布时的报道，遴选按以下环节进行："
    assert leads._form_penalty(intro, set(), listing=True) < leads._form_penalty(intro, set())


def test_a_close_sentence_with_part_of_the_point_opens_without_the_gap_note():
    shape = Shape("yesno", ("获得", "资格", "直接"), answer_words=("可以", "不可以"))
    sentence = "有效期内的高企同样属于可直接认定的情形。"
    close = Lead(sentence, _lead(sentence).passage, 0.3, 0.95, 1.0, 1.0, ("获得",), "yesno")
    far = Lead(sentence, _lead(sentence).passage, 0.3, 0.85, 1.0, 1.0, ("获得",), "yesno")
    assert opening(close, shape).startswith("可以。有效期内")
    assert opening(far, shape).startswith("知识库中没有直接说明")
    assert not close.answers  # scope decisions still need the point itself


def test_the_yes_or_no_comes_from_the_clause_that_carries_the_point():
    shape = Shape("yesno", ("183", "科技", "人员", "自然", "年度"), answer_words=("是", "不是"))
    sentence = (
        "对身兼多职的人员，累计达到183天以上才计为科技人员，不能因为其名义岗位是研发就整年计入。"
    )
    assert not opening(_lead(sentence), shape).startswith("不是")
    ruled = "商标不属于高企认定所说的知识产权，无论注册了多少商标都不计分。"
    assert opening(_lead(ruled), Shape("yesno", ("商标",), answer_words=("算", "不算"))).startswith(
        "不算。"
    )


def test_a_requirement_question_about_one_attribute_is_a_rule_question(chat):
    leads = chat[0].leads
    rule = leads.shape("科技型中小企业的职工总数有什么要求")
    assert rule.kind == "rule"
    assert leads.type_match("职工总数不超过500人。", rule) > leads.type_match(
        "职工总数包括在职、兼职和临时聘用人员。", rule
    )
    assert leads.shape("高企的认定条件有哪些？").kind == "list"
    assert leads.shape("2026年以后小巨人的认定条件是什么？").attributes == ()


def test_free_of_charge_says_no_and_a_fee_question_is_answered_with_need():
    """「…都不收费」 says no to 「要交钱吗」, which asks whether one needs to pay."""
    from assistant.chat.lead import question_shape

    assert polarity("申报和认定都不收费。") is False
    assert polarity("评价全程免费") is False
    shape = question_shape("申报专精特新要交钱吗？", _Tokens(), lambda text: text)
    assert shape.answer_words == ("需要", "不需要")


class _Tokens:
    """The smallest tokenizer the shape reader needs (no jieba: the words do not matter)."""

    def tokens(self, text: str) -> list[str]:
        return [text]

    def is_word(self, token: str) -> bool:
        return False


def test_a_band_repeating_the_stated_figures_outranks_one_repeating_half_of_them():
    from assistant.chat.lead import _share_of_numbers

    assert _share_of_numbers(("5%", "6%"), "5%（含）至6%：40分") == 1.0
    assert _share_of_numbers(("5%", "6%"), "研发费用占销售收入正好6%得50分") == 0.5
    assert _share_of_numbers(("5",), "研发费用占比2.5%") == 0.0  # 5 is not in 2.5
    # a year sets the question, it is not a figure the answer repeats
    assert _share_of_numbers(("2024", "600"), "2024年秋季开工项目") == 0.0


def test_a_share_asked_wants_a_percent_and_an_amount_asked_wants_money():
    from assistant.chat.lead import question_shape

    share = question_shape("高新技术产品收入要占总收入多少才行？", _Tokens(), lambda t: t)
    assert share.unit == "%"
    money = question_shape("现在申报省级专精特新，上年营业收入最少要多少？", _Tokens(), lambda t: t)
    assert money.unit == "万|亿|元"
    # a count of people is not money, nor a score
    assert question_shape("研发人员最少要多少人？", _Tokens(), lambda t: t).unit != "万|亿|元"


def test_a_sentence_that_asks_or_reports_a_question_is_marked_as_asking():
    from assistant.chat.lead import _ASKING_SENTENCE

    assert _ASKING_SENTENCE.search('很多企业问"高企三年到期怎么复审"。')
    assert _ASKING_SENTENCE.search("高企到期了还能复审吗？")
    assert not _ASKING_SENTENCE.search("高企没有复审程序，到期只能重新认定。")


def test_a_sentence_that_points_back_is_marked_as_leaning_back():
    from assistant.chat.lead import _LEANS_BACK

    assert _LEANS_BACK.match("这个分数由平台自动计算")
    assert _LEANS_BACK.match("两者是一脉相承的关系")
    assert not _LEANS_BACK.match("专精特新发展评价得分≥50分")


def test_the_question_type_is_the_asking_clauses_not_the_scenes():
    """「十几个」 in the scene is the company's count; the question asks yes or no."""
    from assistant.chat.lead import question_shape

    question = "我们注册了十几个商标，申报高企的时候能当知识产权算分吗？"
    shape = question_shape(question, _Tokens(), str)
    assert shape.kind == "yesno"
    assert question_shape("申报高企要几个商标？", _Tokens(), str).kind == "figure"


def test_a_bound_the_question_states_is_decided_against_the_rules_limit(chat):
    """「超过80%」 against 「≤80%」 is no, 「低于500人」 against 「不超过500人」 yes: the
    yes/no word comes from comparing the two, not from the sentence's own wording."""
    leads = chat[0].leads
    above = leads.shape("资产负债率超过80%，还能申请专精特新中小企业吗？")
    assert above.bound == (True, "80%")
    rule = _lead("要求上年末资产负债率≤80%（含80%）")
    assert opening(rule, above).startswith("不能。")
    below = leads.shape("职工低于500人能评科技型中小企业吗")
    assert opening(_lead("职工总数不超过500人（≤500人）"), below).startswith("能。")


def test_a_yes_or_no_needs_a_sentence_in_the_questions_modal(chat):
    """Advice (「应先转为查账征收…再考虑申报」) does not say whether one 能 apply: no 能。
    is put before it; a sentence that says 不能 does get one."""
    leads = chat[0].leads
    asked = leads.shape("我们企业所得税是核定征收的，能报科技型中小企业吗？")
    advice = opening(
        _lead("实务建议：核定征收企业应先转为查账征收并规范研发费用核算，再考虑申报。"), asked
    )
    assert not advice.startswith(("能。", "不能。"))
    rule = opening(_lead("核定征收的企业不能参加科技型中小企业评价。"), asked)
    assert rule.startswith("不能。")


def test_a_figure_the_knowledge_base_never_states_is_no_focus_term(chat):
    """「营收6800万」 is the company's figure: no passage can carry 6800, so it neither
    lowers every sentence's coverage nor counts as a word the knowledge base lacks."""
    leads = chat[0].leads
    shape = leads.shape("营收6873万的企业，高企研发费用比例要求多少？")
    assert "6873" not in shape.focus
    assert "60%" in leads.shape("高新技术产品收入占比那个60%，分母用哪个数？").focus
