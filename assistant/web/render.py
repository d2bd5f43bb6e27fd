"""How answers and results look on the web pages: folded answer sections, status words in
colour, the compact citations panel, progress bars, and the pages' shared style sheet.

The answers themselves are Markdown (the CLI and the API show them as is): the direct answer
first, then ``#### 标题`` sections. On a page each section becomes a ``<details>`` fold, closed,
so an answer opens with what the reader asked and the rest is one tap away. Status marks are
words with a colour, never emoji alone: a browser without an emoji font shows them just the same.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

STATUS_CLASS = {
    "符合": "pass",
    "不符合": "fail",
    "待补充": "unknown",
    "需评审": "manual",
    "已具备": "pass",
    "已预填": "manual",
    "待准备": "unknown",
    "需注意": "fail",
    "不适用": "none",
}
"""Status words and their colour class (the CSS below): green, red, amber, blue, grey."""
CONDITION_WORD = {"pass": "符合", "fail": "不符合", "unknown": "待补充", "manual": "需评审"}
VERDICT_WORD = {
    "eligible": "符合",
    "not_eligible": "不符合",
    "insufficient_info": "待补充",
    "needs_review": "需评审",
}
CHECK_WORD = {
    "ready": "已具备",
    "prefilled": "已预填",
    "missing": "待准备",
    "needs_attention": "需注意",
    "not_applicable": "不适用",
}

# Colours chosen for contrast >= 4.5:1 of the text on its background (WCAG AA).
CSS = """
.sbzs-st{display:inline-block;padding:0 .45em;margin-right:.3em;border-radius:4px;
  font-weight:600;font-size:.9em;line-height:1.5;white-space:nowrap;border:1px solid}
.sbzs-st-pass{color:#14532d;background:#dcfce7;border-color:#86efac}
.sbzs-st-fail{color:#7f1d1d;background:#fee2e2;border-color:#fca5a5}
.sbzs-st-unknown{color:#713f12;background:#fef9c3;border-color:#fde047}
.sbzs-st-manual{color:#1e3a8a;background:#dbeafe;border-color:#93c5fd}
.sbzs-st-none{color:#374151;background:#f3f4f6;border-color:#d1d5db}
details.sbzs-fold{margin:.5em 0;border:1px solid #d1d5db;border-radius:6px;padding:.2em .6em}
details.sbzs-fold>summary{cursor:pointer;font-weight:600;padding:.3em 0}
details.sbzs-fold[open]>summary{border-bottom:1px solid #e5e7eb;margin-bottom:.4em}
.sbzs-cites{list-style:none;margin:0;padding:0}
.sbzs-cites li{margin:.3em 0;padding:.3em .5em;border-left:3px solid #d1d5db}
.sbzs-cites li.sbzs-lead{border-left-color:#1d4ed8;background:#eff6ff}
.sbzs-cites summary{cursor:pointer}
.sbzs-cites .sbzs-meta{color:#4b5563;font-size:.85em}
.sbzs-cites blockquote{margin:.4em 0;color:#1f2937;white-space:pre-wrap}
.sbzs-cites mark{background:#fde68a;color:#111827}
.sbzs-rank{width:100%;border-collapse:collapse}
.sbzs-rank th,.sbzs-rank td{border:1px solid #d1d5db;padding:.35em .5em;vertical-align:top;
  text-align:left}
.sbzs-rank td:first-child,.sbzs-rank th:first-child{white-space:nowrap;width:3em}
.sbzs-rank td:nth-child(2){min-width:7em}
.sbzs-rank ul{margin:0;padding-left:1.1em}
progress.sbzs-bar{width:8em;max-width:40%;height:.8em;vertical-align:middle;accent-color:#1d4ed8}
.sbzs-doc-list{gap:0 !important}
.sbzs-doc-row{border-bottom:1px solid #e5e7eb;padding:.3em 0;align-items:center}
.sbzs-doc-meta{color:#4b5563;font-size:.85em}
.sbzs-header{font-size:.95em}
/* primary and stop buttons with white text at >= 4.5:1 contrast (the default orange is 2.8:1) */
:root,.gradio-container,.dark{--button-primary-background-fill:#1d4ed8 !important;
  --button-primary-background-fill-hover:#1e40af !important;
  --button-primary-text-color:#ffffff !important;--button-primary-border-color:#1d4ed8 !important;
  --button-cancel-background-fill:#b91c1c !important;
  --button-cancel-background-fill-hover:#991b1b !important;
  --button-cancel-text-color:#ffffff !important;--color-accent:#1d4ed8 !important}
.upload-container .or{color:#4b5563 !important}
/* on a phone the ranking's rows become cards: rank, program, verdict; the gaps below */
@media (max-width:600px){.sbzs-rank thead{display:none}
  .sbzs-rank tr{display:block;border:1px solid #d1d5db;border-radius:6px;margin:0 0 .6em;
    padding:.3em .4em}
  .sbzs-rank td{display:inline;border:0;padding:.1em .2em}
  .sbzs-rank td:first-child{font-weight:600}
  .sbzs-rank td:nth-child(2){font-weight:600}
  .sbzs-rank td:nth-child(4){display:block;padding-top:.3em}}
/* on a phone the four tabs fit on one line (no "more tabs" menu hiding two of them) */
@media (max-width:480px){.tab-container button{padding:6px 8px !important}}
"""


def status_html(word: str) -> str:
    """A status word as a coloured label (``<span class="sbzs-st sbzs-st-fail">不符合</span>``)."""
    kind = STATUS_CLASS.get(word, "none")
    return f'<span class="sbzs-st sbzs-st-{kind}">{html.escape(word)}</span>'


_LABEL = re.compile("【(" + "|".join(sorted(STATUS_CLASS, key=len, reverse=True)) + ")】")
_SECTION = re.compile(r"^#### +(.+?) *$", re.MULTILINE)


def colour_labels(markdown: str) -> str:
    """「【不符合】」 and the like as coloured labels (other brackets stay as they are).

    >>> colour_labels("- 【符合】注册满一年")
    '- <span class="sbzs-st sbzs-st-pass">符合</span>注册满一年'
    """
    return _LABEL.sub(lambda m: status_html(m.group(1)), markdown)


def fold_sections(markdown: str) -> str:
    """Each ``#### 标题`` section as a closed ``<details>`` fold; the text before the first
    section (the direct answer) stays open.

    >>> print(fold_sections("能。\\n\\n#### 依据\\n\\n1. 《办法》"))
    能。
    <BLANKLINE>
    <details class="sbzs-fold"><summary>依据</summary>
    <BLANKLINE>
    1. 《办法》
    <BLANKLINE>
    </details>
    """
    parts = _SECTION.split(markdown)
    out = [parts[0].strip()]
    for title, body in zip(parts[1::2], parts[2::2], strict=True):
        out.append(
            f'<details class="sbzs-fold"><summary>{html.escape(title)}</summary>\n\n'
            f"{body.strip()}\n\n</details>"
        )
    return "\n\n".join(x for x in out if x)


def answer_html(markdown: str) -> str:
    """An answer's Markdown as the chat shows it: coloured status words, folded sections."""
    return fold_sections(colour_labels(markdown))


def lead_of(markdown: str) -> str:
    """The direct answer: the text before the first section, without Markdown emphasis."""
    head = _SECTION.split(markdown)[0]
    return re.sub(r"\*\*|__|`|^>\s*", "", head, flags=re.MULTILINE).strip()


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；！？!?\n])", text) if len(s.strip("。；！？!? \n")) >= 6]


def _lead_pieces(lead: str, passage: str) -> list[str]:
    """The pieces of the lead that the passage says: its sentences, or, where the lead joined
    a list item to its introduction or ended a clause with 「。」 instead of 「；」, the
    clauses without their end."""
    found = []
    for sentence in _sentences(lead):
        whole = sentence.strip()
        if whole in passage:
            found.append(whole)
            continue
        for clause in re.split(r"(?<=[：:])", whole):
            core = clause.strip().rstrip("。；;！？!?：:，, ")
            if len(core) >= 6 and core in passage:
                found.append(core)
    return found


def citations_html(answer: Mapping[str, Any], knowledge: Any = None) -> str:
    """The citations panel: one line per source (title, 文号, 条, issuer and date), the passage
    folded; the source the direct answer was taken from is highlighted and opened, with the
    sentence marked."""
    citations = [c for c in answer.get("citations") or [] if isinstance(c, dict)]
    if answer.get("refused") or not citations:
        return '<p class="sbzs-meta">（本回答没有引用）</p>'
    lead = lead_of(str(answer.get("answer") or ""))
    items = []
    for c in citations:
        text = str(c.get("text") or "").strip()
        found = _lead_pieces(lead, text)
        passage = html.escape(text)
        for sentence in found:
            passage = passage.replace(
                html.escape(sentence), f"<mark>{html.escape(sentence)}</mark>"
            )
        head = " ".join(
            x
            for x in (f"《{c.get('document', '')}》", c.get("doc_no") or "", c.get("article"))
            if x
        )
        meta = _issuer_date(knowledge, str(c.get("source_id") or ""))
        meta_html = f' <span class="sbzs-meta">{html.escape(meta)}</span>' if meta else ""
        lead_class = ' class="sbzs-lead"' if found else ""
        opened = " open" if found else ""
        items.append(
            f"<li{lead_class}><details{opened}><summary>{html.escape(head)}{meta_html}"
            f"{'（回答首句出处）' if found else ''}</summary>"
            f"<blockquote>{passage}</blockquote></details></li>"
        )
    return f'<ol class="sbzs-cites">{"".join(items)}</ol>'


def _issuer_date(knowledge: Any, source_id: str) -> str:
    """「发文机关 · 日期」 of a knowledge article's document ('' for uploads or unknown ids)."""
    if knowledge is None or not source_id.startswith("kb-"):
        return ""
    try:
        doc = knowledge.article(source_id.removeprefix("kb-")).document
    except (KeyError, LookupError, AttributeError):
        return ""
    return f"{doc.issuer} · {doc.date.isoformat()}"


def progress_html(share: float, label: str = "") -> str:
    """A progress bar (a native ``<progress>``, which screen readers announce) with its
    percentage as text.

    >>> progress_html(0.5, "研发费用")
    '<progress class="sbzs-bar" value="50" max="100" title="研发费用：50%">50%</progress> 50%'
    """
    pct = round(max(0.0, min(1.0, share)) * 100)
    name = html.escape(f"{label or '进度'}：{pct}%")
    return (
        f'<progress class="sbzs-bar" value="{pct}" max="100" title="{name}">{pct}%</progress>'
        f" {pct}%"
    )
