"""The words the chat reads company facts and scope with, loaded from ``knowledge/``.

Which cities are in Shandong, which regions are out of scope, the eight 高新技术领域, how
people name a title they hold, which other titles the knowledge base does not cover: these
are facts about the policy and the region, so they live as data (``knowledge/regions.yaml``
and the sections ``tech_fields``,
``title_patterns`` and ``uncovered_titles`` of ``glossary.yaml``), never as lists in code.

Both sources are optional (a small test knowledge base has neither): a missing section is
an empty vocabulary, which reads no cities, fields or titles.

Pure: the standard library and the YAML reader of :mod:`assistant.core.knowledge`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import KnowledgeError

GLOSSARY_SECTIONS = ("tech_fields", "title_patterns", "uncovered_titles")
"""The sections of ``glossary.yaml`` this module reads (the glossary loader allows them)."""


@dataclass(frozen=True)
class Regions:
    """``regions.yaml``: the province served, its cities, and regions out of scope.

    Attributes:
        province: Full name, e.g. 山东省.
        cities: Full names of its prefecture-level cities, e.g. 济南市.
        other_regions: Provinces and cities elsewhere: a question about their local rules
            is out of scope.
        titles_naming_places: Title names that contain a place name (好品山东): holding the
            title does not say where the company is.
        title_words_after_place: Words that, right after a place and its level (济南市级…),
            make the place part of a title (高端品牌), not the company's location.
    """

    province: str = ""
    cities: tuple[str, ...] = ()
    other_regions: tuple[str, ...] = ()
    titles_naming_places: tuple[str, ...] = ()
    title_words_after_place: tuple[str, ...] = ()

    @property
    def province_short(self) -> str:
        """The province as people say it (山东)."""
        return self.province.removesuffix("省")

    @property
    def city_stems(self) -> tuple[str, ...]:
        """The cities without 市, as people often say them (济南)."""
        return tuple(c.removesuffix("市") for c in self.cities)


@dataclass(frozen=True)
class TechFields:
    """The first-level fields of 《国家重点支持的高新技术领域》, with where they are listed."""

    names: tuple[str, ...] = ()
    document: str = ""
    article: str = ""


@dataclass(frozen=True)
class TitlePattern:
    """How people name a title they hold: a program id or a ``paths.yaml`` title id, and a
    regular expression that finds it in a message."""

    title: str
    pattern: str
    # The titles a denial of this name denies (「不是高端品牌培育企业」, no level said:
    # both levels); empty: the title itself.
    denies: tuple[str, ...] = ()


@dataclass(frozen=True)
class UncoveredTitles:
    """Titles the knowledge base does not cover (瞪羚, 独角兽 …), as regular expressions;
    a question naming one is out of scope unless it also names a program of ``in_scope_with``
    (单项冠军 next to 小巨人 is a comparison the knowledge base answers)."""

    patterns: tuple[str, ...] = ()
    in_scope_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """Everything above, plus each program's everyday name (the first name listed for it in
    ``glossary.yaml``: 高新技术企业 for hnte), which the chat and the forms show."""

    regions: Regions = field(default_factory=Regions)
    tech_fields: TechFields = field(default_factory=TechFields)
    titles: tuple[TitlePattern, ...] = ()
    uncovered: UncoveredTitles = field(default_factory=UncoveredTitles)
    everyday_names: dict[str, str] = field(default_factory=dict)


def load_vocabulary(
    root: Path,
    read_yaml: Callable[[Path], Any],
    *,
    programs: Collection[str],
    titles: Collection[str],
    documents: Collection[str],
) -> Vocabulary:
    """Load ``regions.yaml`` and the vocabulary sections of ``glossary.yaml``.

    Args:
        root: The ``knowledge/`` directory.
        read_yaml: The knowledge base's strict YAML reader.
        programs: The program ids (titles and scope exceptions must name one).
        titles: The extra title ids of ``paths.yaml`` (高端品牌培育 …).
        documents: The registry's document ids (the tech fields cite one).

    Raises:
        KnowledgeError: naming the file, the field and what to do.
    """
    glossary_path = root / "glossary.yaml"
    glossary = read_yaml(glossary_path) if glossary_path.is_file() else {}
    glossary = glossary if isinstance(glossary, dict) else {}
    regions_path = root / "regions.yaml"
    regions = _regions(regions_path, read_yaml(regions_path)) if regions_path.is_file() else None
    return Vocabulary(
        regions=regions or Regions(),
        tech_fields=_tech_fields(glossary_path, glossary.get("tech_fields"), documents),
        titles=_title_patterns(glossary_path, glossary.get("title_patterns"), {*programs, *titles}),
        uncovered=_uncovered(glossary_path, glossary.get("uncovered_titles"), programs),
        everyday_names=_everyday_names(glossary.get("programs")),
    )


def _words(path: Path, where: str, value: Any, *, regex: bool = False) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise KnowledgeError(f"{path}: field '{where}': expected a list of non-empty words")
    if regex:
        for item in value:
            _check_regex(path, where, item)
    return tuple(value)


def _check_regex(path: Path, where: str, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise KnowledgeError(
            f"{path}: field '{where}': '{pattern}' is not a valid regular expression ({exc})"
        ) from exc


def _mapping(path: Path, where: str, value: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - allowed:
        raise KnowledgeError(
            f"{path}: field '{where}': expected a mapping with {sorted(allowed)} "
            "(see knowledge/README.md)"
        )
    return value


def _regions(path: Path, data: Any) -> Regions:
    keys = {
        "province",
        "cities",
        "other_regions",
        "titles_naming_places",
        "title_words_after_place",
    }
    data = _mapping(path, "(top level)", data, keys)
    province = data.get("province")
    if not isinstance(province, str) or not province.endswith("省"):
        raise KnowledgeError(f"{path}: field 'province': give the full name, e.g. 山东省")
    cities = _words(path, "cities", data.get("cities"))
    if not cities or not all(c.endswith("市") for c in cities):
        raise KnowledgeError(f"{path}: field 'cities': list the full city names, e.g. 济南市")
    return Regions(
        province=province,
        cities=cities,
        other_regions=_words(path, "other_regions", data.get("other_regions")),
        titles_naming_places=_words(path, "titles_naming_places", data.get("titles_naming_places")),
        title_words_after_place=_words(
            path, "title_words_after_place", data.get("title_words_after_place")
        ),
    )


def _tech_fields(path: Path, data: Any, documents: Collection[str]) -> TechFields:
    if data is None:
        return TechFields()
    data = _mapping(path, "tech_fields", data, {"names", "document", "article"})
    document = data.get("document")
    if document not in documents:
        raise KnowledgeError(
            f"{path}: field 'tech_fields.document': '{document}' is not in documents/*.yaml"
        )
    article = data.get("article")
    if not isinstance(article, str) or not article:
        raise KnowledgeError(f"{path}: field 'tech_fields.article': name where they are listed")
    names = _words(path, "tech_fields.names", data.get("names"))
    return TechFields(names=names, document=str(document), article=article)


def _title_patterns(path: Path, data: Any, known: Collection[str]) -> tuple[TitlePattern, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise KnowledgeError(
            f"{path}: field 'title_patterns': expected a list of {{title, pattern}}"
        )
    out = []
    for n, item in enumerate(data):
        where = f"title_patterns[{n}]"
        item = _mapping(path, where, item, {"title", "pattern", "denies"})
        title, pattern = item.get("title"), item.get("pattern")
        denies = _words(path, f"{where}.denies", item.get("denies"))
        for name, ids in (("title", [title]), ("denies", denies)):
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise KnowledgeError(
                    f"{path}: field '{where}.{name}': '{unknown[0]}' is neither a program id "
                    "nor a title of paths.yaml"
                )
        if not isinstance(pattern, str) or not pattern:
            raise KnowledgeError(f"{path}: field '{where}.pattern': give a regular expression")
        _check_regex(path, f"{where}.pattern", pattern)
        out.append(TitlePattern(str(title), pattern, tuple(denies)))
    return tuple(out)


def _uncovered(path: Path, data: Any, programs: Collection[str]) -> UncoveredTitles:
    if data is None:
        return UncoveredTitles()
    data = _mapping(path, "uncovered_titles", data, {"patterns", "in_scope_with"})
    with_ = _words(path, "uncovered_titles.in_scope_with", data.get("in_scope_with"))
    unknown = [p for p in with_ if p not in programs]
    if unknown:
        raise KnowledgeError(
            f"{path}: field 'uncovered_titles.in_scope_with': unknown program(s) {unknown}"
        )
    patterns = _words(path, "uncovered_titles.patterns", data.get("patterns"), regex=True)
    return UncoveredTitles(patterns=patterns, in_scope_with=with_)


def _everyday_names(data: Any) -> dict[str, str]:
    # The glossary loader has validated the lists already.
    if not isinstance(data, dict):
        return {}
    return {str(k): v[0] for k, v in data.items() if isinstance(v, list) and v}
