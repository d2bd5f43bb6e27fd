"""Coverage of the fact sheet: every confirmed numeric threshold appears in the knowledge base.

``tests/data/facts.md`` is a copy of the researched fact sheet. A fact is *confirmed* when
its line is tagged [OFF], or it sits in a section whose heading is tagged [OFF] and the line
carries no weaker tag ([3P], [GK], [SEED]). Each number with a unit (%, 万, 亿, days, years,
months, working days, points) or after a comparison sign on such a line must appear in an
article or a rules/checklist file, in Chinese form (5,000万 -> 5000万, 3 years -> 3年/三年).
"""

from __future__ import annotations

import re
from functools import cache

from assistant.config import PROJECT_ROOT
from assistant.core.text import normalize
from tests.conftest import TESTS

CN = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}
_UNIT = re.compile(
    r"(?<![\w.〔])(\d[\d,]*(?:\.\d+)?)\s*(%|万元|万|亿元|亿|calendar days|working days|days|"
    r"years|year|months|points|分)"
)
_SIGNED = re.compile(r"(?:≥|≤|>|<)\s*(\d[\d,]*(?:\.\d+)?)(?!\s*(?:%|万|亿|days|years|months))")
_WEAK = ("[3P", "[GK", "[SEED", "[CONFLICT")


def confirmed_lines() -> list[str]:
    """Lines of facts.md that state confirmed facts."""
    lines, section_official = [], False
    for line in (TESTS / "data" / "facts.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            section_official = "[OFF" in line
            continue
        if "[OFF" in line or (section_official and not any(t in line for t in _WEAK)):
            lines.append(line)
    return lines


@cache
def corpus() -> str:
    root = PROJECT_ROOT / "knowledge"
    texts = [p.read_text(encoding="utf-8") for p in root.rglob("*.md") if p.name != "README.md"]
    texts += [p.read_text(encoding="utf-8") for p in root.rglob("*.yaml")]
    return normalize("\n".join(texts)).replace(",", "").replace("，000", "000")


def forms(number: str, unit: str) -> list[str]:
    """Chinese spellings of a number with its unit."""
    n = number.replace(",", "")
    value = float(n)
    small = CN.get(int(value)) if value.is_integer() else None
    if unit == "%":
        return [f"{n}%"]
    if unit in ("万", "万元"):
        out = [f"{n}万"]
        if value >= 10000 and value % 10000 == 0:
            out.append(f"{int(value // 10000)}亿")
        return out
    if unit in ("亿", "亿元"):
        return [f"{n}亿", f"{int(value * 10000)}万"]
    if unit == "working days":
        return [f"{n}个工作日"]
    if unit in ("days", "calendar days"):
        return [f"{n}天", f"{n}日", f"{n}个日历天"]
    if unit in ("years", "year"):
        return [f"{n}年", f"{n}个会计年度", *([f"{small}年", f"{small}个"] if small else [])]
    if unit == "months":
        return [f"{n}个月", *([f"{small}个月"] if small else [])]
    return [f"{n}分", f"{n} 分"]


def thresholds() -> list[tuple[str, list[str], str]]:
    found = []
    for line in confirmed_lines():
        for number, unit in _UNIT.findall(line):
            found.append((f"{number}{unit}", forms(number, unit), line.strip()[:80]))
        for number in _SIGNED.findall(line):
            n = number.replace(",", "")
            found.append((n, [n], line.strip()[:80]))
    return found


def _present(spellings: list[str]) -> bool:
    text = corpus()
    for s in spellings:
        s = s.replace(" ", "")
        if re.search(rf"(?<![\d.]){re.escape(s)}", text.replace(" ", "")):
            return True
    return False


def test_the_fact_sheet_yields_the_confirmed_thresholds():
    names = {name for name, _, _ in thresholds()}
    # the core 高企 / 科技型 thresholds must be among what is checked
    assert {"365calendar days", "10%", "5,000万元", "60%", "70", "71", "183days"} <= names
    assert len(names) >= 40
    assert not _present(["987654天"])  # the search can say no


def test_every_confirmed_threshold_is_in_the_knowledge_base():
    missing = sorted(
        {f"{name}  ← {line}" for name, spellings, line in thresholds() if not _present(spellings)}
    )
    assert not missing, "\n".join(missing)
