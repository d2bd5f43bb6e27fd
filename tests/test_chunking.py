"""Chunks follow the documents' own structure and keep their article path."""

from __future__ import annotations

import itertools

from assistant.core.chunking import chunk_text, sentences
from tests.conftest import DOCS


def test_policy_text_is_split_at_articles_with_chapter_paths():
    chunks = chunk_text((DOCS / "hnte-measures-2016-32.txt").read_text(encoding="utf-8"))
    art11 = [c for c in chunks if c.article == "第十一条"]
    assert art11, "article 11 must be its own chunk"
    assert art11[0].path == "第三章 认定条件与程序 > 第十一条"
    assert "注册成立一年以上" in art11[0].text
    # the 5% R&D band of item (5) is in one of article 11's chunks, not lost between them
    assert any("5%" in c.text for c in art11)
    assert all(len(c.text) <= 500 for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_markdown_headings_and_numbered_sections_become_paths():
    text = (
        "# 办法\n## 一、适用范围\n本办法适用于企业。\n"
        "## 二、申请条件\n（一）注册满一年；\n（二）拥有知识产权。"
    )
    chunks = chunk_text(text)
    assert [c.path for c in chunks] == ["办法 > 一、适用范围", "办法 > 二、申请条件"]
    assert chunks[1].article == "二、申请条件"


def test_long_sections_split_at_items_and_keep_their_path():
    items = "\n".join(f"（{n}）第{n}项内容" + "很长的说明。" * 30 for n in "一二三四")
    chunks = chunk_text(f"第一条 总则\n第二条 条件如下：\n{items}", max_chars=300)
    second = [c for c in chunks if c.article == "第二条"]
    assert len(second) >= 4
    assert all(len(c.text) <= 300 for c in second)


def test_unstructured_news_is_windowed_with_one_sentence_overlap():
    text = "".join(f"这是第{i}句新闻内容，讲述了一件事情。" for i in range(40))
    chunks = chunk_text(text, window_chars=120)
    assert len(chunks) > 3
    assert all(c.path == "" for c in chunks)
    for a, b in itertools.pairwise(chunks):
        assert sentences(a.text)[-1] == sentences(b.text)[0]


def test_blank_text_has_no_chunks():
    assert chunk_text("  \n\n ") == []
