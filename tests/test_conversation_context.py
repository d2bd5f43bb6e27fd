"""A conversation's context: follow-ups that name no program are read in the program the
conversation is about, a correction may name the field in one clause and give the figure in
the next, and question words are not what a question is about.

The answers that depend on which passage carries the point run on the real e5 model (the
hashing embedder's meaning signal is noise); the readers and the intent are pure.
"""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.chat.dialogue import DialogueState
from assistant.chat.extract import extract_facts
from assistant.chat.intent import IntentDetector
from assistant.config import PROJECT_ROOT, Settings
from assistant.core.knowledge import load_knowledge
from tests.conftest import indexed_chat

DAY = dt.date(2026, 12, 7)
KNOWLEDGE = load_knowledge(PROJECT_ROOT / "knowledge")


def _facts(text: str) -> dict[str, object]:
    return extract_facts(text, DAY, KNOWLEDGE.vocabulary).facts


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("哦对了，研发投入说错了，是200万", "financials.2025.rd_expense", 200),
        ("不好意思收入写错了，应该是3000万", "financials.2025.revenue", 3000),
        ("员工人数说错了，是520", "employees", 520),
        ("发明专利记错了，是3个", "ip.invention_patents", 3),
    ],
)
def test_a_correction_names_the_field_then_gives_the_figure(text, path, value):
    assert _facts(text) == {path: value}


@pytest.mark.parametrize(
    "text",
    [
        "研发投入不多，大概占5%",  # a share is not an amount
        "研发费用说错了，是去年的",  # no figure at all
        "收入这块不太清楚，300多个客户",  # no correction: the count is not revenue
    ],
)
def test_a_named_field_takes_no_figure_it_does_not_have(text):
    facts = _facts(text)
    assert "financials.2025.rd_expense" not in facts
    assert "financials.2025.revenue" not in facts


def test_a_month_of_registration_is_kept_whichever_order_it_is_said_in():
    assert _facts("我们公司成立于2019年5月")["registered_month"] == "2019-05"
    assert _facts("2019年5月成立")["registered_month"] == "2019-05"


def test_a_question_naming_no_program_is_read_in_the_conversations_topic():
    intents = IntentDetector(KNOWLEDGE.glossary.program_names, KNOWLEDGE.vocabulary)
    alone = intents.detect("到期了怎么办？")
    assert alone.out_of_scope
    in_topic = intents.detect("到期了怎么办？", in_topic=True)
    assert not in_topic.out_of_scope
    assert in_topic.contextual
    # what is out of domain stays out whatever the conversation was about
    assert intents.detect("明天济南天气怎么样", in_topic=True).out_of_scope
    assert intents.detect("推荐一只股票", in_topic=True).out_of_scope
    # a question with a domain word of its own needs no context
    assert not intents.detect("要准备哪些材料？", in_topic=True).contextual


@pytest.fixture(scope="module")
def chat(tmp_path_factory, e5):
    settings = Settings(data_dir=tmp_path_factory.mktemp("context"))
    return indexed_chat(settings, e5)[0]


def _talk(chat, *messages: str) -> dict:
    sid = None
    answer: dict = {}
    for message in messages:
        answer = chat.ask(message, session_id=sid, as_of=DAY)
        sid = answer["session_id"]
    return answer


@pytest.mark.model
def test_question_words_are_not_focus_terms(chat):
    shape = chat.leads.shape("科技型中小企业有效期几年？")
    assert "几年" not in shape.focus
    assert "有效" in shape.focus
    assert "多久" not in chat.leads.shape("好品山东的有效期多久").focus


@pytest.mark.model
def test_a_follow_up_asks_the_earlier_question_of_the_new_program(chat):
    """「那科技型中小企业呢？」 after a validity question is about tech_sme's validity, not
    about revocation, and does not say the knowledge base lacks 「几年」."""
    answer = _talk(chat, "高企证书有效期几年？", "那科技型中小企业呢？")
    assert answer["programs"] == ["tech_sme"]
    assert "kb-tech-sme-validity" in {c["source_id"] for c in answer["citations"]}
    assert "3月" in answer["answer"]
    assert "没有直接说明" not in answer["answer"].split("\n\n")[0]
    assert chat.intents.without_programs("高新技术企业证书有效期几年？") == "证书有效期几年？"


@pytest.mark.model
@pytest.mark.parametrize(
    ("first", "then", "program"),
    [
        ("高企有效期几年？", "到期了怎么办？", "hnte"),
        ("评上高新技术企业有什么好处", "要准备哪些材料？", "hnte"),
        ("专精特新小巨人需要什么条件", "评上了有什么好处", "little_giant"),
        ("好品山东是什么", "有效期多久", "haopin_shandong"),
    ],
)
def test_a_follow_up_naming_no_program_stays_with_the_conversations_program(
    chat, first, then, program
):
    answer = _talk(chat, first, then)
    assert not answer["refused"], answer["answer"][:200]
    assert answer["programs"] == [program], answer["answer"][:200]


@pytest.mark.model
def test_the_topic_is_where_an_answer_is_looked_for_first_not_the_only_place(chat):
    """A question the conversation's program says nothing about is answered from the whole
    knowledge base; one the knowledge base does not support at all is still refused."""
    general = _talk(chat, "高企认定对知识产权有什么要求", "优质中小企业梯度培育分几个层级？")
    assert not general["refused"]
    assert general["programs"] != ["hnte"]
    weather = _talk(chat, "高企认定对知识产权有什么要求", "明天济南天气怎么样")
    assert weather["refused"]
    unsupported = _talk(chat, "高企认定对知识产权有什么要求", "帮我写一封辞职信")
    assert unsupported["refused"]


@pytest.mark.model
def test_a_correction_after_an_assessment_updates_the_figure_and_says_so(chat):
    answer = _talk(
        chat,
        "去年收入3000万，研发投入150万",
        "能申请高企吗？",
        "哦对了，研发投入说错了，是200万",
    )
    assert answer["facts"]["financials"]["2025"]["rd_expense"] == 200
    assert "150 万元 → 200 万元" in answer["answer"]
    assert not answer["refused"]


@pytest.mark.model
def test_what_is_missing_is_the_answer_to_still_missing_before_the_facts_are_complete(chat):
    answer = _talk(
        chat,
        "我们是聊城的一家机械厂，职工150人，去年营收6000万，研发费用250万",
        "能申请科技型中小企业吗",
        "还差什么",
    )
    first = answer["answer"].split("\n\n")[0]
    assert "还缺" in first
    assert "#### 还需要补充" in answer["answer"]
    assert "资产总额" in answer["answer"]


@pytest.mark.model
def test_a_comparison_continues_with_the_same_programs(chat):
    answer = _talk(chat, "科技型中小企业和高企有什么区别", "哪个更容易")
    assert set(answer["programs"]) == {"tech_sme", "hnte"}
    assert "kb-tech-sme-vs-hnte" in {c["source_id"] for c in answer["citations"]}


@pytest.mark.model
def test_a_list_asked_for_as_a_checklist_opens_with_its_introduction(chat):
    answer = _talk(chat, "帮我列一下高企的材料清单")
    first = answer["answer"].split("\n\n")[0]
    assert "书面材料" in first
    assert "没有直接说明" not in first


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "program", "status"),
    [
        ("营收800万的企业能评小巨人吗", "little_giant", "不符合"),
        ("职工600人的企业能申请科技型中小企业吗", "tech_sme", "不符合"),
    ],
)
def test_some_companys_figures_are_checked_by_the_engine_not_read_off_a_passage(
    chat, question, program, status
):
    """A yes or no about a company's figures is a verdict: it comes from the rules engine
    (before, 「营收800万的企业能评小巨人吗」 opened with 「能。」 read off a sentence about
    the repealed rules)."""
    answer = _talk(chat, question)
    assert answer["act"] == "condition"
    assert answer["programs"] == [program]
    first = answer["answer"].split("\n\n")[0]
    assert status in first
    assert not first.startswith("能")


def _held(**facts: object) -> tuple[dict[str, object], dict[str, int]]:
    return dict(facts), {path: turn for turn, path in enumerate(facts, 1)}


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        # the old value names the field
        ("不对，650是集团的，我们这个法人主体只有420人", {"employees": 650}, {"employees": 420}),
        (
            "刚才那个数不对，2.3亿是含税的，不含税是1.96亿",
            {"financials.2025.revenue": 23000.0},
            {"financials.2025.revenue": 19600.0},
        ),
        # the old value moves to another year, the new one is the year named
        (
            "搞错了，1800万是前年的，去年是2,600万",
            {"financials.2025.revenue": 1800.0},
            {"financials.2024.revenue": 1800.0, "financials.2025.revenue": 2600.0},
        ),
        # the only figure corrects the amount stated last
        (
            "修改一下，是1.02亿",
            {"financials.2025.rd_expense": 300.0, "financials.2025.revenue": 12000.0},
            {"financials.2025.revenue": 10200.0},
        ),
        # of the year the message names
        (
            "哦不对 去年是5,100万",
            {"financials.2024.revenue": 4000.0, "financials.2025.revenue": 5000.0},
            {"financials.2025.revenue": 5100.0},
        ),
        # a count of people corrects people, not patents
        (
            "说错了，是45人",
            {"employees": 40, "ip.invention_patents": 3},
            {"employees": 45},
        ),
    ],
)
def test_a_correction_without_its_field_is_placed_from_the_session(text, facts, expected):
    from assistant.chat.corrections import resolve_corrections
    from assistant.core.text import normalize

    held, origin = _held(**facts)
    placed = _facts(text)
    found = resolve_corrections(normalize(text), DAY, held, origin, placed)
    assert {**placed, **found} == expected


def test_shares_said_the_wrong_way_round_each_move_to_the_year_named():
    from assistant.chat.corrections import resolve_corrections

    held, origin = _held(**{"financials.2025.rd_share": 2.8, "financials.2024.rd_share": 3.5})
    found = resolve_corrections("不对 2.8%是前年的 去年是3.5% 说反了", DAY, held, origin, {})
    assert found == {"financials.2024.rd_share": 2.8, "financials.2025.rd_share": 3.5}


def test_said_of_another_year_moves_every_figure_of_the_turn_that_stated_them():
    """「我说的是前年的数」 after 「去年研发200万，销售收入3000万」 moves both; the new
    figures the message gives for last year are the field readers' and stay."""
    from assistant.chat.corrections import resolve_corrections
    from assistant.core.text import normalize

    held = {"financials.2025.rd_expense": 200.0, "financials.2025.revenue": 3000.0}
    origin = {"financials.2025.rd_expense": 1, "financials.2025.revenue": 1}
    text = "哎不对，我说的是前年的数，不是去年的。去年研发是260万，收入3800万。"
    placed = _facts(text)
    found = resolve_corrections(normalize(text), DAY, held, origin, placed)
    assert {**placed, **found} == {
        "financials.2024.rd_expense": 200.0,
        "financials.2024.revenue": 3000.0,
        "financials.2025.rd_expense": 260.0,
        "financials.2025.revenue": 3800.0,
    }


def test_no_correction_cue_no_guess():
    from assistant.chat.corrections import resolve_corrections

    held, origin = _held(employees=40)
    assert resolve_corrections("我们还有45个客户", DAY, held, origin, {}) == {}


def test_english_terms_mixed_in_are_read_as_facts():
    from assistant.chat.mixed_language import in_chinese

    facts = _facts(in_chinese("去年revenue 5200万，R&D expense 280万，IP有3个invention patents"))
    assert facts == {
        "financials.2025.revenue": 5200,
        "financials.2025.rd_expense": 280,
        "ip.invention_patents": 3,
    }
    assert _facts(in_chinese("去年销售收入正好5000w")) == {"financials.2025.revenue": 5000}


@pytest.mark.model
def test_figures_typed_without_punctuation_are_read_one_by_one(chat):
    answer = _talk(chat, "青岛的 做传感器 去年营收三千万 研发投了两百万")
    assert answer["facts"]["financials"]["2025"] == {"revenue": 3000, "rd_expense": 200}


@pytest.mark.model
def test_saying_one_wants_to_apply_with_figures_gets_the_assessment(chat):
    answer = _talk(chat, "我们是科技型中小企业，营收0.3亿，想直接冲小巨人")
    assert answer["act"] == "assessment"
    results = answer["assessment"]
    results = results if isinstance(results, list) else [results]
    verdicts = {r["program"]: r["verdict"] for r in results}
    assert verdicts["little_giant"] == "not_eligible"


@pytest.mark.model
def test_an_uncovered_question_is_refused_even_when_the_session_holds_facts(chat):
    answer = _talk(
        chat, "我们是济南的，去年营收3000万，想报泉城好品", "另外问下，个人所得税专项附加扣除怎么填"
    )
    assert answer["refused"]


@pytest.mark.model
def test_a_place_question_is_answered_by_a_sentence_naming_the_place(chat):
    answer = _talk(chat, "专精特新中小企业有什么条件", "去哪报")
    first = answer["answer"].split("\n\n")[0]
    assert answer["programs"] == ["srdi_sme"]
    assert "平台" in first or "zjtx" in first


@pytest.mark.model
def test_new_figures_while_an_assessment_is_in_play_assess_again(chat):
    answer = _talk(
        chat,
        "我们去年营收2000万，研发费用80万，有1件发明专利，能评创新型中小企业吗",
        "另外去年拿了A轮，机构投资人实缴了800万，这个有用吗",
    )
    assert answer["act"] == "assessment"
    assert answer["facts"]["equity_financing_2y"] == 800


@pytest.mark.model
def test_when_can_we_apply_is_the_first_day_the_companys_dates_meet_the_rules(chat):
    answer = _talk(
        chat,
        "我们公司是2026年3月18日注册的，做储能电池管理系统，今年能报高企吗",
        "那最早什么时候可以报",
    )
    assert answer["act"] == "condition"
    assert "2027-03-18" in answer["answer"].split("\n\n")[0]


@pytest.mark.model
def test_how_many_points_do_we_get_opens_with_the_engines_score(chat):
    answer = _talk(
        chat,
        "2025年职工总数85人，科技人员22人；营业收入2,400万元，研发费用150万元；有效实用新型专利2件。",
        "按科技型中小企业的评价指标能打多少分？",
    )
    assert answer["act"] == "assessment"
    first = answer["answer"].split("\n\n")[0]
    assert "78 分" in first
    score = answer["assessment"]["score"]
    assert (score["total_min"], score["total_max"]) == (78, 78)
    # what a stated figure scores under the rules stays a question about the rules
    rule = _talk(chat, "2025年职工总数85人", "科技人员占比25%能得几分？")
    assert rule["act"] != "assessment"


@pytest.mark.model
def test_a_city_is_checked_against_a_regional_brand_by_the_engine(chat):
    """「青岛的企业能申请吗」 in a conversation about 泉城好品: the engine's city condition
    answers (before, a passage about 高企 in 青岛 opened with 「能。」)."""
    answer = _talk(chat, "泉城好品怎么申请", "青岛的企业能申请吗")
    assert answer["act"] == "condition"
    assert answer["programs"] == ["quancheng_haopin"]
    assert "不符合" in answer["answer"].split("\n\n")[0]


def test_a_move_in_a_month_counts_from_the_months_last_day():
    facts = _facts("我们公司原来在青岛，2024年6月整体搬到济南")
    assert facts["operating_in_city_since"] == "2024-06-30"


@pytest.mark.model
def test_a_figure_with_a_short_question_about_a_condition_checks_it_again(chat):
    answer = _talk(
        chat,
        "2025年营业收入2,000万元，2025年研发费用110万元",
        "专精特新中小企业有什么条件",
        "研发那条呢，前年研发费用是58万",
    )
    assert answer["act"] == "assessment"
    conditions = {c["id"]: c["status"] for c in answer["assessment"]["conditions"]}
    assert conditions["srdi_sme.rd"] == "fail"


@pytest.mark.model
def test_figures_given_while_talking_of_a_program_are_judged_against_it(chat):
    answer = _talk(chat, "科技型中小企业对规模有什么要求", "我们员工520个")
    assert answer["act"] == "assessment"
    assert answer["assessment"]["program"] == "tech_sme"
    assert answer["assessment"]["verdict"] == "not_eligible"
    # without a program in the conversation the figures are confirmed, not judged
    alone = _talk(chat, "我们员工520个")
    assert alone["act"] == "facts"


@pytest.mark.model
def test_what_can_we_apply_for_with_nothing_known_asks_for_the_facts(chat):
    answer = _talk(chat, "你好 我们是青岛做电子设备的小公司，想问下我们这种情况能报点什么？")
    assert answer["act"] == "clarify"
    assert not answer["refused"]


@pytest.mark.model
def test_asking_whether_we_cannot_apply_is_an_assessment_not_a_passage(chat):
    answer = _talk(
        chat, "我们职工600人，去年营收8000万", "科技型中小企业呢", "那我们是不是评不了？"
    )
    assert answer["act"] == "assessment"
    assert answer["assessment"]["verdict"] == "not_eligible"


def test_these_few_years_is_no_question():
    from assistant.chat.dialogue import _QUESTION

    assert not _QUESTION.search("这几年一直是这个比例")
    assert _QUESTION.search("有效期几年")


def test_saying_the_last_amount_was_another_years_moves_it():
    from assistant.chat.corrections import resolve_corrections
    from assistant.core.text import normalize

    held, origin = _held(**{"financials.2025.revenue": 1500.0})
    found = resolve_corrections(
        normalize("哦我说的是前年的，去年涨到2,300万了"), DAY, held, origin, {}
    )
    assert found == {"financials.2024.revenue": 1500.0, "financials.2025.revenue": 2300.0}


def test_stock_tips_are_refused_even_beside_a_programs_name():
    intents = IntentDetector(KNOWLEDGE.glossary.program_names, KNOWLEDGE.vocabulary)
    assert intents.detect("顺便帮我推荐几只小巨人概念股，想买点", in_topic=True).out_of_scope
    assert not intents.detect("小巨人有什么好处", in_topic=True).out_of_scope


def test_more_than_ten_years_is_no_question():
    from assistant.chat.dialogue import _QUESTION

    assert not _QUESTION.search("是做阀门的，干了十几年了")


@pytest.mark.model
def test_another_client_starts_a_fresh_profile_for_the_same_program(chat):
    """Staff going through clients: the next company's answer rests on its own figures."""
    answer = _talk(
        chat,
        "帮客户问一下，职工300人，去年营收8000万，科技人员40人，能报科技型中小企业吗",
        "另一家客户：职工520人，去年营收1.8亿，能报科技型中小企业吗？",
    )
    assert answer["facts"]["employees"] == 520
    assert "tech_staff" not in answer["facts"]
    assert answer["act"] == "assessment"
    assert "另一家企业" in answer["answer"]


@pytest.mark.model
def test_a_scoring_question_lists_the_items_the_figures_decide(chat):
    answer = _talk(
        chat,
        "我们2023到2025年销售收入是2000万、2600万、3300万，想报高企",
        "那成长性里销售增长这一项能拿几分？",
    )
    assert "#### 按您给的数据能确定的得分" in answer["answer"]
    assert "销售收入增长率：7–8 分" in answer["answer"]
    assert "28.46%" in answer["answer"]


@pytest.mark.model
def test_how_a_rule_treats_a_thing_is_answered_not_assessed_in_a_session_with_facts(chat):
    answer = _talk(
        chat,
        "我们什么专利、软著都没有，只有5个注册商标，能申请高新技术企业吗？",
        "一个软著能不能在以后的高企申报里重复用？",
    )
    assert answer["act"] == "answer", answer["answer"][:200]
    assert "一次" in answer["answer"]
    # none, as the first message said: the question's 「一个软著」 is not the company's
    assert answer["facts"]["ip"]["software_copyrights"] == 0


@pytest.mark.model
def test_a_follow_up_whose_words_jieba_glues_wrongly_is_still_answered(chat):
    """「多少天才算」 segments as 多少/天才/算 and 研发人员 yields 发人: neither is what the
    question asks about, so neither keeps the 183-day sentence from answering it."""
    answer = _talk(chat, "高企的研发人员怎么算", "兼职的研发人员要干满多少天才算？")
    assert not answer["refused"], answer["answer"][:200]
    assert "183" in answer["answer"].split("\n\n", 1)[0]
    shape = chat.leads.shape("兼职的研发人员要干满多少天才算？")
    assert "天才" not in shape.focus
    assert "发人" not in shape.focus


@pytest.mark.model
def test_saying_what_a_held_figure_was_corrects_it_without_a_cue_word(chat):
    answer = _talk(
        chat,
        "做外贸的，80个人，技术人员就5个，能评科技型中小企业吗",
        "哦对了80是年底人数，全年平均是72人",
    )
    assert answer["facts"]["employees"] == 72
    assert answer["facts"]["tech_staff"] == 5
    assert not answer["refused"]


@pytest.mark.model
def test_a_travel_request_mid_conversation_is_refused_although_it_names_a_city(chat):
    answer = _talk(chat, "我们是济南的企业，想了解泉城好品", "帮我查一下明天济南到北京的高铁票")
    assert answer["refused"]


def test_a_question_on_how_a_rule_treats_a_thing_is_no_eligibility_question():
    intents = IntentDetector(KNOWLEDGE.glossary.program_names, KNOWLEDGE.vocabulary)
    rule = intents.detect("我们有一件发明专利是和高校共有的，高企申报能用吗？", has_facts=True)
    assert rule.kind != "eligibility"
    fit = intents.detect("我们有一件发明专利，能申报高企吗？", has_facts=True)
    assert fit.kind == "eligibility"


@pytest.mark.model
def test_a_message_with_figures_is_never_answered_by_a_bare_refusal(chat):
    """The question's point may be missing from the knowledge base; the figures are still
    recorded and confirmed, and the reply says which part it cannot answer."""
    answer = _talk(chat, "高企审计报告要几年的", "我们去年营收3000万，审计报告的封面用什么颜色")
    assert not answer["refused"]
    assert answer["act"] == "facts"
    assert answer["facts"]["financials"]["2025"]["revenue"] == 3000
    assert answer["answer"].startswith("您问的这一点，知识库中没有找到直接的说明")


@pytest.mark.model
def test_what_a_message_says_after_its_question_does_not_decide_its_scope(chat):
    """「…？我们没评过这个，省里市里的都没有」: the statement after the question sets the
    scene; the question (a prerequisite of 泉城好品) is answered, not refused."""
    answer = _talk(chat, "我们想报泉城好品", "高端品牌培育企业？我们没评过这个，省里市里的都没有。")
    assert not answer["refused"]
    assert "quancheng_haopin" in answer["programs"]
    assert "高端品牌培育" in answer["answer"].split("\n\n", 1)[0]


@pytest.mark.model
def test_asking_whether_there_is_still_time_is_asked_of_the_conversations_program(chat):
    """No window is recorded for 泉城好品: the answer says so instead of guessing."""
    answer = _talk(chat, "我们想报泉城好品", "那怎么办，今年还来得及吗")
    assert not answer["refused"]
    assert answer["programs"] == ["quancheng_haopin"]
    assert "本库没有记录它的申报时间" in answer["answer"].split("\n\n", 1)[0]


@pytest.mark.model
def test_asking_whether_one_can_still_apply_this_year_opens_with_the_window(chat):
    answer = _talk(chat, "科技型中小企业要什么条件", "那今年还能报吗")
    opening = answer["answer"].split("\n\n", 1)[0]
    assert "今年已过" in opening
    assert "2027年" in opening


@pytest.mark.model
@pytest.mark.parametrize(
    ("first", "then", "path", "value"),
    [
        ("去年研发费用260万", "研发费用那个数是合并报表的，我们单体是180万", "rd_expense", 180),
        ("去年营收2800万，员工120人", "更正一下，去年营收是3200万，不是2800万", "revenue", 3200),
    ],
)
def test_a_figure_said_to_be_another_basis_or_negated_is_replaced(chat, first, then, path, value):
    answer = _talk(chat, first, then)
    assert answer["facts"]["financials"]["2025"][path] == value


@pytest.mark.model
def test_a_follow_up_without_a_question_word_still_asks_for_the_other_program(chat):
    answer = _talk(
        chat,
        "我们去年营收3000万，研发200万，员工100人，科技人员20人，有2件发明专利，能报高企吗",
        "换成小巨人看看",
    )
    assert answer["act"] == "assessment"
    assert answer["programs"] == ["little_giant"]


@pytest.mark.model
def test_an_answer_from_another_programs_rules_says_so_in_a_conversation_about_one(chat):
    """Asked in a conversation about 高企, a point only 科技型中小企业's material covers is
    answered from it, labelled as such rather than passed off as the 高企 rule."""
    answer = _talk(chat, "高企认定对知识产权有什么要求", "优质中小企业梯度培育分几个层级？")
    assert answer["programs"] != ["hnte"]
    assert answer["answer"].startswith("（高新技术企业认定的资料中没有直接说明这一点")


@pytest.mark.model
def test_a_count_corrected_in_its_own_message_leaves_the_other_counts_alone(chat):
    """「员工82人，说错了，是72人」: the 82 is the replaced figure, not the R&D staff."""
    answer = _talk(chat, "补充一下，研发人员9个", "员工82人，说错了，是72人")
    assert answer["facts"]["tech_staff"] == 9
    assert answer["facts"]["employees"] == 72


@pytest.mark.model
def test_a_program_named_as_a_held_title_is_not_what_the_question_is_about(chat):
    """「我们有个产品已经是好品山东了…还要单独报吗」 while talking of 泉城好品 asks about
    泉城好品; 好品山东 is a title the company holds."""
    answer = _talk(
        chat, "泉城好品申报条件是什么", "我们有个产品已经是好品山东了，这个产品还要单独报吗"
    )
    assert answer["programs"] == ["quancheng_haopin"]
    assert answer["facts"]["qualifications"] == ["haopin_shandong"]


@pytest.mark.model
def test_a_withdrawn_figure_is_dropped_and_the_reply_says_so(chat):
    """「研发那个24年的数先别算」: that year's R&D leaves the session, the other year's stays."""
    answer = _talk(
        chat,
        "专精特新 24年收入1500万 研发90万 去年收入1800万 研发65万",
        "研发那个24年的数先别算，24年的专项审计还没出",
    )
    assert not answer["refused"]
    assert answer["act"] == "facts"
    assert "rd_expense" not in answer["facts"]["financials"]["2024"]
    assert answer["facts"]["financials"]["2025"]["rd_expense"] == 65
    assert "（先不计）" in answer["answer"]


@pytest.mark.model
def test_a_correction_that_cannot_be_placed_is_not_refused(chat):
    """The reply says the correction was not understood and shows what is held."""
    answer = _talk(
        chat,
        "烟台 科技型中小企业 去年营收5000万 研发占营收2.8% 前年营收4200万 研发占3.5%",
        "不对 9.9是别的公司的 说反了",
    )
    assert not answer["refused"]
    assert answer["answer"].startswith("这句更正我没能对应到具体的数字")


def test_shares_of_revenue_become_amounts_and_a_swap_moves_each_to_its_year(chat):
    """「研发占营收2.8%」 with the year's revenue is that year's R&D (5000 × 2.8% = 140);
    「2.8%是前年的 去年是3.5% 说反了」 quotes both held shares and moves each to its year."""
    first = chat.ask(
        "烟台 去年营收5000万 研发占营收2.8% 前年营收4200万 研发占3.5% 专精特新能报吗", as_of=DAY
    )
    second = chat.ask(
        "不对 2.8%是前年的 去年是3.5% 说反了", session_id=first["session_id"], as_of=DAY
    )
    assert first["facts"]["financials"]["2025"]["rd_share"] == 2.8
    assert first["facts"]["financials"]["2024"]["rd_share"] == 3.5
    # 2.8% < 3%: the 2026 专精特新 R&D condition fails on last year's share alone
    assert first["assessment"]["verdict"] == "not_eligible"
    assert second["facts"]["financials"]["2025"]["rd_share"] == 3.5
    assert second["facts"]["financials"]["2024"]["rd_share"] == 2.8
    assert "2025年研发费用占营业收入比例：2.8% → 3.5%" in second["answer"]


@pytest.mark.model
def test_figures_typed_without_punctuation_are_assessed_not_searched(chat):
    """Spaces for commas: the asking clause is the last one (「能评上吗」), so 「这几年」 in a
    statement before it asks for no rule; no incident in three years answers last year's."""
    answer = _talk(
        chat,
        "科技型中小企业 职工九十 科技人员二十 营收一千五百万 研发九十万 总资产两千万 "
        "有三个实用新型 这几年没出过事故 不在失信名单 能评上吗",
    )
    assert answer["act"] == "assessment"
    assert answer["assessment"]["verdict"] == "eligible"
    assert answer["facts"]["employees"] == 90


@pytest.mark.model
def test_asking_what_stated_figures_score_scores_them(chat):
    """「…，能打多少分」 after the company's figures asks for its score, not for the rule."""
    answer = _talk(
        chat,
        "青岛的 科技型中小企业 职工80人 科技人员占比30% 营收三千万 研发占营收5% "
        "有2件实用新型 能打多少分",
    )
    assert answer["act"] == "assessment"
    assert answer["answer"].startswith("科技型中小企业评价得分：72–82 分")


@pytest.mark.model
def test_a_prerequisite_title_said_not_to_be_held_decides_the_verdict(chat):
    answer = _talk(
        chat,
        "我们是济南的食品企业，在济南经营10年了，有自有商标，还不是高端品牌培育企业，想报泉城好品",
    )
    assert answer["act"] == "assessment"
    assert answer["assessment"]["verdict"] == "not_eligible"
    assert "已获得的资质 无" in answer["answer"]


@pytest.mark.model
def test_two_loss_years_in_a_row_fail_whatever_the_other_years_hold(chat):
    answer = _talk(chat, "潍坊的机械厂，成立20年，前年和去年都亏损了，想报好品山东")
    assert answer["assessment"]["verdict"] == "not_eligible"
    assert "近五年最长连续亏损年数 至少 2年" in answer["answer"]


def test_titles_held_add_up_and_leave_only_when_denied():
    state = DialogueState()
    state.merge({"qualifications": ["tech_sme"]}, DAY)
    state.merge({"qualifications": ["hnte"]}, DAY)
    assert state.facts["qualifications"] == ["tech_sme", "hnte"]
    state.merge({"qualifications": []}, DAY, lacking=["hnte"])
    assert state.facts["qualifications"] == ["tech_sme"]


@pytest.mark.model
def test_a_rough_age_does_not_replace_a_registration_date_held(chat):
    answer = _talk(chat, "我们2025年3月5日成立的", "我们才成立一年 近三年研发费用比例怎么算")
    assert answer["facts"]["registered_on"] == "2025-03-05"
    assert answer["act"] == "answer"


@pytest.mark.model
def test_a_yes_no_question_the_engine_decides_opens_with_the_answering_word(chat):
    no = _talk(chat, "我们公司专利软著都没有，能报高企吗？")
    assert no["answer"].startswith("不能。按您提供的信息，目前**不符合**")
    open_question = _talk(chat, "我们公司专利软著都没有，帮我看看高企的条件")
    assert not open_question["answer"].startswith(("不能", "能。"))


@pytest.mark.model
def test_a_question_on_words_the_knowledge_base_never_uses_reruns_no_assessment(chat):
    answer = _talk(
        chat,
        "科技型中小企业 职工90人 营收1500万 研发90万 能评吗",
        "顺便问下 最近黄金行情如何 值得入手吗",
    )
    assert answer["refused"]
    assert answer["act"] == "refusal"


@pytest.mark.model
def test_a_company_outside_the_province_gets_the_national_rules_and_a_note(chat):
    first = _talk(chat, "我们公司注册在江苏苏州，2026年2月1日成立的，能报高企吗？")
    assert not first["refused"]
    assert first["assessment"]["verdict"] == "not_eligible"  # not a year old yet
    assert "贵公司在山东省以外（江苏）" in first["answer"]
    brand = _talk(chat, "我们公司注册在江苏苏州，能报好品山东吗？")
    assert brand["assessment"]["verdict"] == "not_eligible"
    assert "所在省份 江苏" in brand["answer"]
    other_rules = _talk(chat, "深圳的高企补贴有多少？")
    assert other_rules["refused"]


@pytest.mark.model
def test_a_correction_after_a_condition_answer_shows_it_before_and_after(chat):
    """The condition asked about is in play: correcting a figure it uses shows its value
    before and after, and the limit when a band moved it (5% → 4% above 5000万)."""
    answer = _talk(
        chat,
        "高企：近三年销售收入分别2600、3000、4000万，研发2023-2025年分别140、150、200万，研发比例够吗",
        "不对，去年收入是6000万",
    )
    change = next(
        line for line in answer["answer"].splitlines() if "近三年研发费用占销售收入比例" in line
    )
    assert "5.1% 符合 → 4.22% 符合" in change
    assert "要求改为" in change
    assert "≥ 4%" in change


@pytest.mark.model
def test_staff_asking_for_a_pre_check_get_the_assessment(chat):
    answer = _talk(
        chat,
        "帮客户做个科技型中小企业预审：职工80人，科技人员12人，营收3000万，研发200万，总资产5000万",
    )
    assert answer["act"] == "assessment"
    assert answer["programs"] == ["tech_sme"]


@pytest.mark.model
def test_a_failing_condition_asked_about_decides_the_verdict(chat):
    """「研发比例够不够」 answered 不符合 settles the program: the reply says so and carries
    the whole assessment (its verdict 不符合), not only the condition."""
    answer = _talk(chat, "高企 去年销售收入3000万，近三年研发费用占销售收入4.2%，够不够")
    assert answer["act"] == "condition"
    assert "因此目前**不符合**高新技术企业认定的申报条件" in answer["answer"]
    assert answer["assessment"]["verdict"] == "not_eligible"
    passing = _talk(chat, "高企 去年销售收入3000万，近三年研发费用占销售收入6.2%，够不够")
    # one condition met decides nothing about the rest: the overall verdict goes with it
    assert passing["assessment"]["verdict"] == "insufficient_info"
    assert "因此目前" not in passing["answer"]


@pytest.mark.model
def test_a_message_that_only_places_the_company_is_kept(chat):
    kept = _talk(chat, "哦，我们在潍坊市。")
    assert not kept["refused"]
    assert kept["facts"]["region"]["city"] == "潍坊市"
    assert _talk(chat, "今天济南天气不错")["refused"]


@pytest.mark.model
def test_a_question_about_part_of_a_program_gets_no_yes_no_from_its_verdict(chat):
    answer = _talk(chat, "我们2026年3月15日注册的，有2个软著，想报高企", "软著够用吗？")
    assert not answer["answer"].startswith(("不是", "不能", "能。", "是。"))


@pytest.mark.model
def test_scene_fragments_typed_before_a_question_do_not_steer_the_search(chat):
    answer = _talk(chat, "威海 搞船舶配件的 高企证书拿到手能用几年")
    first = answer["answer"].split("\n\n")[0]
    assert "3年" in first


def test_the_knowledge_bases_own_terms_place_a_message_in_its_domain():
    glossary = KNOWLEDGE.glossary
    intents = IntentDetector(glossary.program_names, KNOWLEDGE.vocabulary, glossary.domain_words)
    assert not intents.detect("潍坊 我们想走梯度培育 从哪一级开始").out_of_scope
    assert intents.detect("潍坊 今天适合去哪里玩").out_of_scope
    without_terms = IntentDetector(glossary.program_names, KNOWLEDGE.vocabulary)
    assert without_terms.detect("潍坊 我们想走梯度培育 从哪一级开始").out_of_scope


@pytest.mark.model
def test_aiming_for_a_program_asks_whether_the_company_fits(chat):
    answer = _talk(chat, "我们是科技型中小企业，去年营收2000万", "那我们能冲专精特新小巨人吗")
    assert answer["act"] == "assessment"
    assert answer["assessment"]["program"] == "little_giant"


@pytest.mark.model
def test_shi_bu_shi_asks(chat):
    """「是不是可以…」 is a question: the statement before it does not make it a facts turn."""
    answer = _talk(chat, "我们有高企证书 去年拿的 科技型中小企业是不是可以直接确认")
    assert answer["act"] != "facts"
    assert not answer["refused"]


@pytest.mark.model
def test_a_ratio_no_condition_turns_on_is_computed_when_asked(chat):
    answer = _talk(
        chat,
        "科技型中小企业 职工60人 去年营收3000万 研发200万",
        "前年营收2500万，研发90万，前年的研发占比是多少",
    )
    assert "2024年研发费用占营业收入比例为 90 ÷ 2,500 = 3.60%" in answer["answer"]


def _talk_all(chat, *messages: str) -> list[dict]:
    sid, out = None, []
    for message in messages:
        out.append(chat.ask(message, session_id=sid, as_of=DAY))
        sid = out[-1]["session_id"]
    return out


@pytest.mark.model
def test_a_follow_up_in_the_domains_words_is_answered_from_the_conversations_program(chat):
    # No passage says whether 大前年 still counts; the follow-up is the conversation's and
    # in words the knowledge base uses, so its closest passage answers, said not to be
    # the exact point. A detour to the weather is still refused.
    _, follow, weather = _talk_all(
        chat, "高企研发费用比例要求多少", "明年报的话是不是就不算大前年了", "今天济南天气怎么样"
    )
    assert not follow["refused"]
    assert follow["programs"] == ["hnte"]
    assert weather["refused"]
