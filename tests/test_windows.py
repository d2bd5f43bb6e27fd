"""Where today stands against a program's application window (the shipped calendar)."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.chat.windows import asks_when_to_apply, window_line
from assistant.config import PROJECT_ROOT
from assistant.core.knowledge import load_knowledge

KNOWLEDGE = load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("那今年还能报吗", True),
        ("一般什么时候报", True),
        ("科技型中小企业什么时候开始申报", True),
        ("还来得及吗", True),
        ("高企年报什么时候报", False),  # a holder's duty
        ("高企年度发展情况报表什么时候交？", False),
        ("提交以后多久出结果？", False),
        ("高企证书啥时候到期", False),
    ],
)
def test_a_question_asks_when_to_apply_or_not(question, asks):
    assert asks_when_to_apply(question) is asks


def test_a_closed_window_says_so_and_expects_the_next_a_year_on():
    line = window_line(KNOWLEDGE, "tech_sme", dt.date(2026, 12, 7))
    assert "2026年6月1日至8月31日" in line
    assert "今年已过" in line
    assert "2027年" in line
    assert "以官方通知为准" in line  # the window is only reported


def test_an_open_window_and_one_to_come_are_told_apart():
    assert "正在进行" in window_line(KNOWLEDGE, "tech_sme", dt.date(2026, 7, 1))
    assert "尚未开始" in window_line(KNOWLEDGE, "little_giant", dt.date(2026, 3, 1))


def test_a_yearly_deadline_gives_next_years_date():
    passed = window_line(KNOWLEDGE, "hnte", dt.date(2026, 12, 7))
    assert "下一次为2027年11月30日" in passed
    ahead = window_line(KNOWLEDGE, "hnte", dt.date(2026, 11, 22))
    assert "还有8天" in ahead


def test_a_program_without_a_window_in_the_calendar_says_none_is_recorded():
    line = window_line(KNOWLEDGE, "quancheng_haopin", dt.date(2026, 12, 7))
    assert line.startswith("泉城好品")
    assert "没有记录" in line
    assert "通知为准" in line
