"""How programs and titles are named to users, from the knowledge base.

Each program's everyday name is the first name listed for it in ``glossary.yaml`` (高新技术企业
for hnte, where program.yaml has the formal 高新技术企业认定); programs are listed in the
contract's order. The chat's fixed replies and the forms' lists of titles use these, so a
program added to ``knowledge/`` appears in them without a code change.

Pure: reads the loaded knowledge base only.
"""

from __future__ import annotations

from assistant.core.knowledge import PROGRAM_IDS, Knowledge


def program_order(knowledge: Knowledge) -> list[str]:
    """The programs in the contract's order (national before provincial before city),
    programs added later after them."""
    known = [p for p in PROGRAM_IDS if p in knowledge.programs]
    return known + sorted(set(knowledge.programs) - set(known))


def everyday_name(knowledge: Knowledge, program: str) -> str:
    """The name people use for a program (the first glossary name, else its full name)."""
    return knowledge.vocabulary.everyday_names.get(program) or knowledge.programs[program].name


def title_choices(knowledge: Knowledge) -> list[tuple[str, str]]:
    """Every title a company can hold, as (name shown, id): the programs, then the other
    titles of ``paths.yaml`` (高端品牌培育企业 …)."""
    programs = [(everyday_name(knowledge, p), p) for p in program_order(knowledge)]
    return programs + [(name, title) for title, name in knowledge.paths.titles.items()]
