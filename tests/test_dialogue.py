"""The dialogue layer: facts over turns, corrections, acts, changes, and the ``ask --json`` keys
``act``, ``facts`` and ``changes``.

Uses the shipped knowledge base with the fast hashing embedder; verdicts come from the engine,
so the expectations below are computed by hand from the rules (facts.md §1.3: 高企 needs a
tech-staff ratio ≥ 10%, R&D ≥ 5% of revenue over three years when last year's revenue is ≤ 5000万,
registration ≥ 365 days).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from assistant.chat.dialogue import DialogueState, bare, plan_turn
from assistant.config import PROJECT_ROOT, Settings
from tests.conftest import indexed_chat

DAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("dialogue"), embeddings="hashing")
    return indexed_chat(settings)[0]


def talk(chat, *messages):
    sid, answers = None, []
    for text in messages:
        answer = chat.ask(text, session_id=sid, as_of=DAY)
        sid = answer["session_id"]
        answers.append(answer)
    return answers


def test_an_introduction_is_confirmed_as_facts_not_answered_with_a_materials_list(chat):
    [answer] = talk(chat, "你好，我们是青岛的一家新材料公司，2020年3月注册的。")
    assert answer["act"] == "facts"
    assert answer["facts"]["region"]["city"] == "青岛市"
    assert answer["facts"]["tech_field"] == "新材料"
    assert answer["citations"] == []
    text = answer["answer"]
    assert "所在城市：青岛市" in text
    assert "核心技术所属高新技术领域：新材料" in text
    assert "小巨人" not in text.split("#### 下一步")[0]  # no materials list as the answer
    # the registration month is evaluated at both ends, and that is said
    assert "2020-03-01" in text
    assert "2020-03-31" in text
    assert "#### 还需要补充" in text


def test_figures_then_a_question_give_the_assessment_of_all_the_facts(chat):
    facts, asked = talk(
        chat,
        "职工一共60人，研发人员12人。2023年营收1800万，2024年2500万，2025年3200万",
        "我们这样能评高企吗？",
    )
    assert facts["act"] == "facts"
    assert facts["facts"]["employees"] == 60  # 「一共」 is not the number 1
    assert facts["facts"]["tech_staff"] == 12
    assert "3,000万" not in facts["answer"]  # no article's worked example as if it were theirs
    assert "职工总数：60 人" in facts["answer"]
    assert asked["act"] == "assessment"
    assert asked["assessment"]["program"] == "hnte"
    ratio = next(c for c in asked["assessment"]["conditions"] if c["id"] == "hnte.tech_staff_ratio")
    assert ratio["status"] == "pass"  # 12 / 60 = 20% ≥ 10%
    assert "field '" not in asked["answer"]


def test_facts_after_an_assessment_reassess_and_report_the_changes(chat):
    answers = talk(
        chat,
        "我们2019年5月10日成立，职工60人，研发人员12人，2023到2025年营收1800万、2500万、3200万，"
        "研发费用分别是60万、80万、100万",
        "能评高企吗？",
        "我们近一年也没出过安全事故、质量事故和环境违法。",
        "不好意思，研发费用三年一共是450万。",
    )
    assessed, clean, corrected = answers[1], answers[2], answers[3]
    # 240 / 7500 = 3.2% < 5% (last year 3200 ≤ 5000万): not eligible
    assert assessed["assessment"]["verdict"] == "not_eligible"
    assert clean["act"] == "facts"
    assert {
        "condition": "hnte.clean_record",
        "program": "hnte",
        "before": "unknown",
        "after": "pass",
    } in clean["changes"]
    assert "#### 变化" in clean["answer"]
    assert corrected["act"] == "facts"
    rd = next(c for c in corrected["changes"] if c["condition"] == "hnte.rd_expense_ratio")
    assert (rd["before"], rd["after"]) == ("fail", "pass")  # 450 / 7500 = 6% ≥ 5%
    verdict = next(c for c in corrected["changes"] if c["condition"] == "verdict")
    assert (verdict["before"], verdict["after"]) == ("not_eligible", "insufficient_info")
    assert "3.2% 不符合 → 6% 符合" in corrected["answer"]
    assert "目前不符合申报条件 → 资料不足" in corrected["answer"]
    assert corrected["facts"]["rd_expense_3y_total"] == 450
    assert "rd_expense" not in corrected["facts"]["financials"]["2025"]
    assert corrected["assessment"]["verdict"] == "insufficient_info"


def test_a_later_value_replaces_the_earlier_without_a_correction_word(chat):
    _first, second = talk(chat, "我们职工100人，科技人员9人", "科技人员是12人。")
    assert second["act"] == "facts"
    assert second["facts"]["tech_staff"] == 12
    assert "科技人员数：9 人 → 12 人" in second["answer"]


def test_a_program_switch_after_an_assessment_keeps_the_facts(chat):
    *_, switched = talk(
        chat, "我们去年营收1200万，职工80人，研发人员20人", "能评高企吗？", "科小呢？"
    )
    assert switched["act"] == "assessment"
    assert switched["assessment"]["program"] == "tech_sme"
    size = next(
        c for c in switched["assessment"]["conditions"] if c["id"] == "tech_sme.enterprise_size"
    )
    assert size["missing"] == ["financials.2025.total_assets"]  # the rest came from the facts


def test_a_policy_question_with_figures_is_answered_not_assessed(chat):
    answers = talk(chat, "职工100人以下的企业申请高企有什么优惠？")
    assert answers[0]["act"] in ("answer", "refusal")
    assert answers[0]["assessment"] is None
    assert answers[0]["facts"] == {}  # another company's figures are not the user's


def test_a_one_condition_question_gets_that_condition_from_the_engine(chat):
    [timing] = talk(chat, "2017年8月24日注册的企业最早什么时候能申请高企？")
    assert timing["act"] == "condition"
    assert "2018-08-24" in timing["answer"]  # 365 days after registration
    assert timing["assessment"] is None
    assert timing["facts"] == {}
    [ratio] = talk(chat, "科技人员12人、职工60人，比例够吗？")
    assert ratio["act"] == "condition"
    assert "20%" in ratio["answer"]
    assert "符合" in ratio["answer"]
    assert "科技人员占职工总数比例" in ratio["answer"]
    assert "注册成立满一年" not in ratio["answer"]  # not a whole-program table
    assert ratio["citations"]


def test_a_failing_condition_says_how_far_off(chat):
    [answer] = talk(
        chat, "我们近三年营收是3000万、4000万、5200万，三年研发费用一共450万，研发占比够不够？"
    )
    assert answer["act"] == "condition"
    assert "3.69%" in answer["answer"]
    assert "488" in answer["answer"]


def test_a_bare_eligibility_question_asks_for_the_facts(chat):
    [answer] = talk(chat, "我们能评高企吗？")
    assert answer["act"] == "clarify"
    assert "知识产权" in answer["answer"]
    assert answer["missing_fields"]


def test_out_of_scope_is_refused_even_with_a_number(chat):
    [answer] = talk(chat, "申请一件发明专利要多少钱，多久能授权？")
    assert answer["act"] == "refusal"
    assert answer["refused"]


def test_impossible_figures_get_a_chinese_message_naming_both_fields(chat):
    _, asked = talk(chat, "我们职工10人，科技人员12人", "能评高企吗？")
    assert "科技人员数" in asked["answer"]
    assert "职工总数" in asked["answer"]
    assert "field" not in asked["answer"]
    assert "more than" not in asked["answer"]


def test_a_registration_year_is_evaluated_at_both_ends_and_said_once(chat):
    answers = talk(chat, "我们2025年成立，职工50人，科技人员10人", "能评高企吗？", "那科小呢？")
    assessed = answers[1]["assessment"]
    age = next(c for c in assessed["conditions"] if c["id"] == "hnte.registration_age")
    # 2025-01-01 → 690 days (pass), 2025-12-31 → 326 days (fail): depends on the day
    assert age["status"] == "unknown"
    assert "registered_on" in age["missing"]
    notes = [a["answer"].count("2025-01-01") for a in answers]
    assert sum(1 for n in notes if n) == 1  # the assumption is said once per session


def test_facts_persist_across_processes(tmp_path):
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_EMBEDDINGS": "hashing"}
    import os

    env = {**os.environ, **env}

    def ask(text, *extra):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "assistant",
                "ask",
                text,
                "--json",
                "--as-of",
                "2026-11-22",
                *extra,
            ],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        return json.loads(out.stdout)

    first = ask("我们职工60人，研发人员12人")
    assert first["act"] == "facts"
    assert first["facts"]["employees"] == 60
    second = ask("研发人员应该是15人", "--session", first["session_id"])
    assert second["facts"] == {"employees": 60, "tech_staff": 15}
    assert second["changes"] == []  # no assessment in play yet


@pytest.mark.parametrize(
    ("text", "facts", "act", "own"),
    [
        ("我们去年营收800万能评高企吗", {"financials.2025.revenue": 800.0}, "assessment", True),
        # Some company's figures with 「能评…吗」: the engine checks the conditions they
        # decide (a yes or no read off a passage would be a verdict from text).
        ("营收800万的企业能评高企吗", {"financials.2025.revenue": 800.0}, "condition", False),
        # The figures choose which rule is asked about (the band of revenue), the question
        # asks for the rule's own figure: a policy question, not a check of the asker's.
        (
            "上一年度销售收入5000万元至2亿元的企业，研发费用占比不低于多少才能认定高企？",
            {"financials.2025.revenue": 5000.0},
            "answer",
            False,
        ),
        # The same figures asked as a check of one's own company stay a condition check.
        (
            "我们去年销售收入6000万，研发费用占比够不够认定高企？",
            {"financials.2025.revenue": 6000.0},
            "condition",
            True,
        ),
        # A description without 我们 and without figures, asked as 「够…条件吗」, is the
        # asker's own company: its facts are kept and the assessment says what is missing.
        (
            "嗯，属于电子信息领域，注册在潍坊市，够高企的条件吗？",
            {"region.city": "潍坊市", "tech_field": "电子信息"},
            "assessment",
            True,
        ),
        ("电子信息领域的企业能评高企吗？", {"tech_field": "电子信息"}, "answer", False),
    ],
)
def test_plan_reads_own_company_and_policy_questions(text, facts, act, own):
    plan = plan_turn(
        text,
        kind="eligibility",
        programs=("hnte",),
        follow_up=False,
        out_of_scope=False,
        message_facts=facts,
        state=DialogueState(),
    )
    assert (plan.act, plan.own) == (act, own)


def test_bare_tells_a_bare_question_from_one_with_facts():
    assert bare("我们能评高企吗？", ("hnte",))
    assert not bare("我们一个知识产权都没有，能评高企吗？", ("hnte",))


def test_state_merge_names_old_and_new_and_a_total_replaces_the_years():
    # DAY is 2026-11-22: the three years are 2023–2025. Their sum would be used instead
    # of a total said later, so the total replaces them.
    state = DialogueState()
    years = {f"financials.{y}.rd_expense": 100.0 for y in (2023, 2024, 2025)}
    state.merge(years, DAY)
    changes = state.merge({"rd_expense_3y_total": 450.0}, DAY)
    assert {c.path for c in changes} == set(years)
    assert state.facts == {"rd_expense_3y_total": 450.0}
    assert state.origin == {"rd_expense_3y_total": 2}
    again = DialogueState.load(state.facts, state.dump())
    assert again.turn == 2
    assert again.origin == state.origin


def test_a_total_keeps_the_years_held_when_it_does_not_replace_their_sum():
    # Two years held and a three-year total: the total is used (the sum is unknown) and
    # last year's figure stays, as the 高企 band reads last year's revenue.
    state = DialogueState()
    state.merge({"financials.2025.revenue": 5000.0, "financials.2024.revenue": 4000.0}, DAY)
    changes = state.merge({"revenue_3y_total": 13000.0}, DAY)
    assert changes == []
    assert state.facts["financials.2025.revenue"] == 5000.0
    assert state.facts["revenue_3y_total"] == 13000.0


def test_a_registration_year_that_decides_only_at_one_end_asks_for_the_date(chat):
    # 好品山东 needs five full years: on 2026-11-22 registration on 2021-01-01 has them,
    # on 2021-12-31 it has not; the ranking must not pick either end.
    [answer] = talk(chat, "我们2021年成立，职工50人，能申请哪些项目？")
    lines = answer["answer"].splitlines()
    haopin = next(line for line in lines if "好品山东区域公共品牌【" in line)
    assert "【待补充】" in haopin
    assert "还需" not in haopin
    assert (
        "好品山东区域公共品牌的结论取决于具体日期，请提供营业执照上的成立日期" in answer["answer"]
    )
    assert "不受具体日期影响" not in answer["answer"]


def test_a_registration_year_that_decides_at_both_ends_says_so(chat):
    [answer] = talk(chat, "我们2015年成立，职工50人，能申请哪些项目？")
    assert "结论相同，不受具体日期影响" in answer["answer"]
    assert "取决于具体日期" not in answer["answer"]


def test_a_bad_profile_is_refused_in_chinese_naming_the_field(chat):
    from assistant.errors import InputError

    with pytest.raises(InputError) as err:
        chat.ask("能评高企吗？", profile={"employees": -1}, as_of=DAY)
    assert "「职工总数」" in str(err.value)
    assert "须为不小于 0 的整数" in str(err.value)
    assert "must" not in str(err.value)


def test_a_statement_about_the_company_in_another_form_is_still_the_users(chat):
    [answer] = talk(chat, "那个，公司是淄博市的企业，去年营收747万，能评科小吗？")
    assert answer["act"] == "assessment"
    assert answer["facts"]["financials"]["2025"]["revenue"] == 747


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request, tmp_path):
    import os

    url = os.environ.get("ASSISTANT_TEST_DATABASE_URL")
    if request.param == "postgres":
        if not url:
            pytest.skip("no PostgreSQL: set ASSISTANT_TEST_DATABASE_URL (.ci/run does)")
        return Settings(data_dir=tmp_path, database_url=url)
    return Settings(data_dir=tmp_path)


def test_the_dialogue_state_round_trips_through_the_session_store(store_settings):
    import uuid

    from assistant.store.db import SessionStore, make_engine

    state = DialogueState()
    state.merge({"employees": 60, "tech_staff": 12, "registered_year": 2025}, DAY)
    state.assessed = {
        "hnte": {
            "verdict": "not_eligible",
            "name": "高新技术企业认定",
            "conditions": {
                "hnte.tech_staff_ratio": {
                    "title": "科技人员占比",
                    "status": "pass",
                    "actual": "20%",
                }
            },
        }
    }
    state.once("您只说了成立于2025年")
    sid = f"d-{uuid.uuid4().hex}"
    SessionStore(make_engine(store_settings)).save_turn(
        sid, "能评高企吗", {"answer": "…"}, state.facts, state.dump()
    )
    facts, raw = SessionStore(make_engine(store_settings)).load(sid)  # as a new process would
    again = DialogueState.load(facts, raw)
    assert again.facts == state.facts
    assert again.origin == {"employees": 1, "tech_staff": 1, "registered_year": 1}
    assert again.assessed == state.assessed
    assert not again.once("您只说了成立于2025年")  # said once, also after a restart


def test_asking_what_to_add_gets_the_gap_and_the_requirement(chat):
    # 2026 专精特新: last year's R&D 90万 of 4000万 fails; 「要补到多少」 asks for the change.
    *_, answer = talk(
        chat,
        "我们想报专精特新，去年研发投入90万，营收4000万，前年研发150万，营收4000万",
        "那要补到多少才行",
    )
    assert answer["act"] == "assessment"
    assert "#### 还差多少" in answer["answer"]
    assert "需增加 30 万元" in answer["answer"]
    assert "≥ 100万元" in answer["answer"]


def test_how_many_points_short_shows_the_companys_score(chat):
    *_, answer = talk(
        chat,
        "科技型中小企业评分怎么算的",
        "我们职工40人，科技人员6个，去年销售收入1500万，研发费用45万，有2个实用新型",
        "还差多少分？",
    )
    assert answer["act"] == "assessment"
    assert answer["answer"].startswith("科技型中小企业评价得分：40")


def test_a_yes_no_with_a_trailing_bu_asks_for_the_verdict(chat):
    [answer] = talk(chat, "我们公司想弄个科技型中小企业 去年销售2.3亿 员工300来人 能弄不")
    assert answer["act"] == "assessment"
    assert answer["assessment"]["verdict"] == "not_eligible"


def test_a_year_completing_a_three_year_ratio_is_answered_on_that_ratio(chat):
    # 2023's figures decide nothing alone; beside 2024 and 2025 they complete the ratio
    # (610 ÷ 9300 = 6.56%), which is what 「研发费用比例够吗」 asks.
    *_, answer = talk(
        chat,
        "前年研发费用200万，销售收入3000万；去年研发260万，收入3800万。",
        "2023年研发150万，收入2500万。这样研发费用比例够高企吗？",
    )
    assert answer["act"] == "condition"
    assert answer["answer"].startswith(
        "按您给的信息，高新技术企业认定的「近三年研发费用占销售收入比例」：6.56%"
    )


def test_back_to_the_program_before_the_detour(chat):
    # 「那刚才那个呢」 after a question on 泉城好品 returns to 科技型中小企业.
    *_, back = talk(
        chat,
        "职工40人，科技人员18人，去年收入900万，研发160万，两项发明专利，科技型中小企业能拿多少分",
        "顺便问下，泉城好品我们能报吗",
        "好，那刚才那个呢。总资产1,100万",
    )
    assert back["programs"] == ["tech_sme"]
    assert back["facts"]["financials"]["2025"]["total_assets"] == 1100


def test_what_is_still_missing_of_the_earlier_program_carries_its_assessment(chat):
    *_, back = talk(
        chat,
        "去年职工95人，科技人员11人，三年研发430万，收入三年8,200万，去年3,300万，高企能报不",
        "听说还有个聊城优品，那是个啥",
        "行，那刚才那个还差什么",
    )
    assert not back["refused"]
    assert back["programs"] == ["hnte"]
    assert back["assessment"]["verdict"] == "insufficient_info"


def test_a_detour_in_the_domains_words_that_no_passage_carries_is_still_refused(chat):
    # 扣除 and 附加 are words of the knowledge base, but no passage of the conversation's
    # program carries what is asked: the personal-tax detour stays refused.
    _, detour, own = talk(
        chat,
        "泉城好品要什么条件",
        "另外问下，个人所得税专项附加扣除怎么填",
        "我们从来没做过研发费用加计扣除，有影响吗",
    )
    assert detour["refused"]
    assert not own["refused"]


def test_a_condition_asked_opens_the_reply_and_the_programs_verdict_goes_with_it(chat):
    # The same figures decide the registration and the R&D ratio; the question asks for
    # the ratio, which opens the reply; the answer carries 高企's overall assessment.
    [answer] = talk(
        chat,
        "2021年成立，三年研发合计640万，销售收入合计9,800万，去年销售收入4,100万，高企研发比例够吗",
    )
    assert answer["act"] == "condition"
    assert answer["answer"].startswith(
        "按您给的信息，高新技术企业认定的「近三年研发费用占销售收入比例」"
    )
    assert answer["assessment"]["verdict"] == "insufficient_info"


def test_asking_about_a_program_with_figures_assesses_it(chat):
    [answer] = talk(chat, "问下专精特新：去年营收2,900万，研发145万；前年营收2,400万，研发120万")
    assert answer["act"] == "assessment"
    assert answer["programs"] == ["srdi_sme"]


def test_which_years_an_application_next_year_reads_comes_from_the_rules(chat):
    # DAY is 2026-11-22: a 高企 application in 2027 reads the fiscal years 2024–2026.
    [answer] = talk(chat, "高企明年报的话，研发费用算哪几年？")
    assert answer["answer"].startswith(
        "2027年申报高新技术企业认定，看的是2024、2025、2026年度的数据（申报当年不算）。"
    )
    [srdi] = talk(chat, "专精特新明年申报，看哪两年的研发？")
    assert srdi["answer"].startswith("2027年申报专精特新中小企业认定，看的是2025、2026年度")


def test_a_rate_the_question_names_is_computed_from_the_companys_figures(chat):
    [answer] = talk(
        chat, "我们2023到2025年销售收入是2000万、2600万、3300万，销售收入增长率怎么算，我们是多少？"
    )
    # ½ × (2600/2000 + 3300/2600) − 1 = 28.46%
    assert answer["answer"].startswith("按您给的数字，销售收入增长率：28.46%")


def test_people_counted_then_what_they_do_and_which_years_a_reapplication_reads(chat):
    [people] = talk(chat, "我们一共5个员工，3个是研发，有2个软著，科技型中小企业总分多少？")
    assert people["facts"]["tech_staff"] == 3
    [years] = talk(chat, "高企明年重新认定的话，研发费用看哪几年的？")
    assert years["answer"].startswith("2027年申报高新技术企业认定，看的是2024、2025、2026年度")


def test_a_guess_put_up_for_confirmation_asks_about_the_companys_score(chat):
    *_, answer = talk(
        chat,
        "2019年成立，去年营收3,000万元，研发600万，员工90人，研发人员35人，有6项发明专利",
        "科技型中小企业分数应该够吧",
    )
    assert answer["act"] == "assessment"
    assert answer["answer"].startswith("科技型中小企业评价得分：100 分")


def test_a_comparison_naming_nothing_of_the_domain_is_refused_in_a_conversation(chat):
    # Its form (比较好) does not tie it to the knowledge base; the follow-up comparing the
    # conversation's two programs is still answered.
    _, detour = talk(chat, "科技型中小企业的职工总数按多少算", "我们公司年会在哪里办比较好")
    assert detour["refused"]
    _, which = talk(chat, "高企和科技型中小企业有什么区别", "哪个更容易？")
    assert not which["refused"]


def test_a_bare_figure_answers_what_the_last_reply_asked_for(chat):
    # The reply asked for the 2025 revenue; 「去年是四千五百万」 names no field.
    first, reply = talk(
        chat, "高企：前年收入4000万，研发180万，三年合计研发500万", "去年是四千五百万"
    )
    assert "financials.2025.revenue" in first["missing_fields"]
    assert not reply["refused"]
    assert reply["facts"]["financials"]["2025"]["revenue"] == 4500


def test_missing_fields_come_in_the_order_they_are_asked():
    from assistant.chat.compose import decisive_questions, ranked_missing

    result = {
        "questions": [{"field": "a", "question": "问A"}, {"field": "b", "question": "问B"}],
        "conditions": [{"missing": ["a"]}, {"missing": ["b"]}, {"missing": ["b"]}],
        "missing_fields": ["a", "c", "b"],
    }
    assert decisive_questions([result]) == ["问B", "问A"]
    assert ranked_missing([result]) == ["b", "a", "c"]


def test_a_supposed_figure_is_assessed_but_not_stored(chat):
    held, supposed = talk(
        chat,
        "小巨人研发：我们2024年营收1.1亿、研发400万，2025年营收1.3亿、研发900万，能报吗？",
        "要是2024年研发只有300万的话，还行吗？",
    )
    assert held["facts"]["financials"]["2024"]["rd_expense"] == 400
    assert supposed["answer"].startswith("按您的假设判断")
    assert "400 万元 → 300 万元" in supposed["answer"]
    assert supposed["programs"] == ["little_giant"]
    # 300/11000 = 2.73% < 3%: the supposition fails the R&D condition; the session keeps 400.
    failing = [c for c in supposed["assessment"]["conditions"] if c["status"] == "fail"]
    assert any("研发" in c["title"] for c in failing)
    assert supposed["facts"]["financials"]["2024"]["rd_expense"] == 400


def test_a_supposed_title_is_a_fact_of_the_supposition_not_the_program_asked(chat):
    *_, supposed = talk(
        chat,
        "去年营收3500万，主营3300万，研发140万，资产负债率48%，创新型中小企业能过吗",
        "要是我们有高企证书，是不是就不用打分了",
    )
    assert supposed["programs"] == ["innovative_sme"]
    assert "高新技术企业" in supposed["answer"].split("\n\n")[1]
    assert "hnte" not in (supposed["facts"].get("qualifications") or [])


def test_one_loss_year_in_five_is_no_run_of_two(chat):
    answer = chat.ask("近五年里有一年亏损，好品山东这一条还符合吗？", as_of=dt.date(2026, 12, 7))
    losses = [
        c
        for c in answer["assessment"]["conditions"]
        if c["id"] == "haopin_shandong.no_consecutive_losses"
    ]
    assert losses
    assert losses[0]["status"] == "pass"
    # The rest is unknown: what the message's own figure settles opens the answer.
    first = answer["answer"].split("\n\n")[0]
    assert first.startswith("就您说的情况：「近5年无连续2年及以上亏损」符合")
    assert "暂无法判断" in first


def test_why_not_gets_the_gap_of_the_failing_condition(chat):
    _, why = talk(
        chat,
        "小巨人：2024年营收1.1亿、研发300万，2025年营收1.3亿、研发900万，能报吗？",
        "两年合计不是正好1200万吗，为什么不行？",
    )
    assert "还差" in why["answer"].split("\n\n")[0]
    assert "30 万元" in why["answer"]


def test_a_condition_a_correction_fails_shows_its_requirement(chat):
    *_, changed = talk(
        chat,
        "专精特新中小企业：去年营收2600万，主营2300万，研发120万，前年研发110万，能报吗",
        "去年底资产负债率大概82%",
    )
    assert "82% 不符合（要求：" in changed["answer"]


def test_a_figure_left_out_adds_to_the_one_held(chat):
    *_, added = talk(
        chat,
        "高企：职工总数150人（兼职的已经算在里面），科技人员13人，能报吗？",
        "科技人员少算了，还有6个兼职工程师，去年都干了200多天，他们也在150人里",
    )
    assert added["facts"]["tech_staff"] == 19
    assert added["facts"]["employees"] == 150


def test_a_yearly_amount_left_out_adds_to_the_three_year_total_held(chat):
    *_, added = talk(
        chat,
        "高企：三年研发合计1380万，收入三年合计2亿",
        "辅助账里还有一笔研发楼的折旧40万没算进去",
    )
    assert added["facts"]["rd_expense_3y_total"] == 1420
    assert "2025" not in (added["facts"].get("financials") or {})


def test_back_to_an_earlier_program_with_a_correction_reassesses_that_program(chat):
    *_, back = talk(
        chat,
        "我们有1个发明专利、12个软著，职工45人，科技人员15人，想了解高企能不能报",
        "科技型中小企业呢？去年研发费用占营收7%",
        "回到高企，职工人数刚才说错了，是55人",
    )
    assert back["programs"] == ["hnte"]
    assert back["facts"]["employees"] == 55


def test_a_request_to_write_something_else_is_refused_and_its_figure_not_stored(chat):
    *_, detour, in_domain = talk(
        chat,
        "高企：去年营收3480万，研发175万",
        "帮我给老板写个朋友圈文案，庆祝公司营收破三千万",
        "帮我写一下研发项目立项报告的要点",
    )
    assert detour["refused"]
    assert detour["facts"]["financials"]["2025"]["revenue"] == 3480
    assert not in_domain["refused"]


def test_a_short_question_about_what_the_company_says_it_did_is_answered(chat):
    # 「有影响吗」 carries no point of its own: the statement before it does.
    *_, asked = talk(
        chat,
        "科技型中小企业：去年销售收入600万，研发48万，总资产800万，职工23人",
        "我们从来没做过研发费用加计扣除，有影响吗",
    )
    assert not asked["refused"]
    assert "加计扣除" in asked["answer"]


def test_a_bare_count_answers_the_field_the_users_last_question_named(chat):
    _, reply = talk(chat, "小巨人按新办法要几个发明专利？", "两个")
    assert reply["facts"]["ip"]["invention_patents"] == 2


def test_a_gap_says_what_the_figure_must_reach_and_only_the_year_that_needs_it(chat):
    *_, needed = talk(
        chat,
        "小巨人：2024年营收1.1亿、研发300万，2025年营收1.3亿、研发900万，能报吗？",
        "2024年研发要有多少才够？",
    )
    first = needed["answer"].split("\n\n")[0]
    assert "2024年 300 → 330 万元" in first
    assert "2025年 900" not in first


def test_amounts_no_reader_places_are_named_back_not_refused(chat):
    *_, unread = talk(
        chat,
        "高企：去年营收3480万，研发175万",
        "对了，25年那175万里有30万是委托外面高校做的，按合同价算的",
    )
    assert not unread["refused"]
    assert "「175万」、「30万」我没能确定对应哪一项" in unread["answer"]
    assert unread["facts"]["financials"]["2025"]["rd_expense"] == 175


def test_a_supposition_before_a_question_about_something_else_is_no_what_if(chat):
    *_, other = talk(
        chat,
        "高企：去年营收3480万，研发175万",
        "顺便问一下，公司营收6800万的话，老板个人的个税年度汇算怎么报？",
    )
    assert not other["answer"].startswith("按您的假设判断")
    assert other["facts"]["financials"]["2025"]["revenue"] == 3480
