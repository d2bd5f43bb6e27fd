"""Chat wording that states policy, made from ``knowledge/`` rather than written in code.

The programs the assistant covers (in the refusal and the 「没有找到」 reply), and the note
that says which rules apply on which date (one per switch of rule versions, with the
dates and 文号 of the documents), change when the knowledge base changes: so they are
built from it, with each program's everyday name (the first glossary name).

Pure: the knowledge base in, Chinese text out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistant.core.knowledge import Knowledge
from assistant.core.names import everyday_name, program_order


@dataclass(frozen=True)
class ScopeText:
    """The policy-bearing fixed replies of the chat.

    Attributes:
        refusal: The reply to a question out of scope, listing the programs covered.
        no_source: The reply when the knowledge base has nothing that answers.
        version_notes: Program id -> the note on its dated rule versions (only programs
            whose rules changed on a date).
        examples: A few everyday program names for 「如高企、…」 hints.
    """

    refusal: str
    no_source: str
    version_notes: dict[str, str]
    examples: str


def scope_text(knowledge: Knowledge) -> ScopeText:
    """The replies for this knowledge base."""
    names = [everyday_name(knowledge, p) for p in program_order(knowledge)]
    examples = "、".join(names[:4])
    refusal = (
        "抱歉，这个问题不在我能回答的范围内。我可以帮您：\n"
        f"- 解答{'、'.join(names)}的申报条件、材料、流程和政策；\n"
        "- 根据您提供的企业数据逐条判断是否符合条件，并生成申报材料清单。"
    )
    no_source = (
        "抱歉，知识库中没有找到能回答这个问题的内容，我不便猜测。您可以换个问法，"
        f"或说明具体项目（如{examples}等）。"
    )
    return ScopeText(refusal, no_source, version_notes(knowledge), examples)


def version_notes(knowledge: Knowledge) -> dict[str, str]:
    """For each program whose rules switch to a new version on a date, the note that says
    which rules apply when. Programs with the same switch share one note naming them all."""
    switches: dict[tuple[str, str, dt.date], list[str]] = {}
    for program in program_order(knowledge):
        rules = knowledge.rules.get(program)
        if rules is None:
            continue
        for before, after in zip(rules.versions, rules.versions[1:], strict=False):
            key = (before.document, after.document, after.effective)
            switches.setdefault(key, []).append(program)
    notes: dict[str, str] = {}
    for (old_id, new_id, day), programs in switches.items():
        old, new = knowledge.documents[old_id], knowledge.documents[new_id]
        who = "、".join(everyday_name(knowledge, p) for p in programs)
        new_ref = f"《{new.title}》（{new.doc_no}）" if new.doc_no else f"《{new.title}》"
        old_ref = old.doc_no or f"《{old.title}》"
        text = f"{who}的规则按日期适用：{day.isoformat()}起按{new_ref}，此前按{old_ref}。"
        for program in programs:
            notes[program] = f"{notes[program]}{text}" if program in notes else text
    return notes
