"""The shapes of the results: one ``TypedDict`` per JSON object of the contract.

The contract *is* JSON, so the results stay plain dicts, exactly as they are written out;
these declarations let mypy check every key a producer writes and a consumer reads (a key a
result may leave out is ``NotRequired``, the words of a status, verdict or act ``Literal``).
This module imports nothing of the project, so any layer may use it. Its annotations are
evaluated when the classes are built (no ``from __future__ import annotations``): only then
does ``typing`` list the ``NotRequired`` keys in ``__optional_keys__``, which the tests use.
"""

from typing import Any, Literal, NotRequired, TypedDict

# --- vocabularies ---------------------------------------------------------------------------

Status = Literal["pass", "fail", "unknown", "manual"]
"""A condition's (or a score's) status."""
Verdict = Literal["eligible", "not_eligible", "insufficient_info", "needs_review"]
"""A program's verdict."""
Confidence = Literal["official", "reported", "general"]
"""How sure a source is (the same words as the knowledge base's ``confidence``)."""
ChecklistStatus = Literal["ready", "prefilled", "missing", "needs_attention", "not_applicable"]
"""A checklist item's status."""
Act = Literal["answer", "refusal", "assessment", "facts", "condition", "clarify"]
"""What a chat turn did."""
ScreenLevel = Literal["error", "warning"]
"""error: the value was left out; warning: it was converted or something is missing."""


# --- citations ------------------------------------------------------------------------------
class Citation(TypedDict):
    """The article a condition or a checklist item rests on."""

    document: str
    doc_no: str | None
    article: str
    source_id: str


class QuotedCitation(Citation):
    """A citation of a chat answer: with the passage's text."""

    text: str


# --- check: the assessment of one program -----------------------------------------------------
class ConditionResult(TypedDict):
    """One condition of an assessment: status, actual against required, why."""

    id: str
    title: str
    status: Status
    actual: str | None
    required: str
    explanation: str
    missing: list[str]
    evidence: list[str]
    warnings: list[str]
    citation: Citation
    confidence: Confidence


class ScoreItem(TypedDict):
    """One rubric item's points (a range while facts are missing or experts score it)."""

    id: str
    title: str
    min: float | int
    max_points: float | int
    max: float | int
    basis: str
    expert: bool
    items: NotRequired[list["ScoreItem"]]


class Score(TypedDict):
    """A rubric's total range, its pass line and its items."""

    id: str
    title: str
    total_min: float | int
    total_max: float | int
    max: float | int
    pass_line: float | int
    status: Status
    reason: str
    items: list[ScoreItem]


class Question(TypedDict):
    """A missing fact and the question that asks for it."""

    field: str
    question: str


class Assessment(TypedDict):
    """``check``: one company for one program on one day."""

    program: str
    program_name: str
    as_of: str
    rules_version: str
    rules_confidence: Confidence
    verdict: Verdict
    conditions: list[ConditionResult]
    score: Score | None
    missing_fields: list[str]
    questions: list[Question]
    warnings: list[str]
    notes: list[str]


class ConditionStatus(TypedDict):
    """A condition's status alone (what ranking and gap search read)."""

    id: str
    status: Status
    missing: list[str]


class VerdictResult(TypedDict):
    """The verdict part of an assessment, without any composed text."""

    program: str
    program_name: str
    rules_version: str
    verdict: Verdict
    conditions: list[ConditionStatus]
    missing_fields: list[str]


# --- checklist ------------------------------------------------------------------------------
class Figure(TypedDict):
    """A figure computed from the profile for the application forms."""

    name: str
    value: str
    basis: str


class PrecheckedItem(TypedDict):
    """One material of the checklist, pre-checked (before its citation is added)."""

    id: str
    title: str
    status: ChecklistStatus
    prefill: str | None
    notes: str
    evidence: str
    missing: list[str]


class ChecklistRow(PrecheckedItem):
    """One material of the checklist, pre-checked, with the article it rests on."""

    citation: Citation


class Checklist(TypedDict):
    """``checklist``: the pre-checked, pre-filled materials of one program."""

    program: str
    program_name: str
    as_of: str
    company: str | None
    items: list[ChecklistRow]
    summary: dict[str, int]
    figures: list[Figure]
    warnings: list[str]


# --- match ----------------------------------------------------------------------------------
class Gap(TypedDict):
    """What closes (part of) a failing condition. ``delta`` None: no figure closes it."""

    condition: str
    delta: int | float | None
    unit: str | None
    change: NotRequired[dict[str, Any]]
    alternative: bool
    date: NotRequired[str]
    text: str


class PathStep(TypedDict):
    """A title to obtain first."""

    program: str
    requires: str
    text: str
    article: str


class Shortcut(TypedDict):
    """A title held that qualifies directly or replaces the application."""

    holds: str
    text: str
    article: str


class MatchRow(TypedDict):
    """One program in the ranking."""

    program: str
    program_name: str
    verdict: Verdict
    rules_version: str
    gaps: list[Gap]
    missing_fields: list[str]
    failing: list[str]
    unknown: list[str]
    path: list[PathStep]
    shortcuts: list[Shortcut]
    rank: int


class MatchResult(TypedDict):
    """``match``: every program ranked, nearest first."""

    as_of: str
    programs: list[MatchRow]


# --- calendar -------------------------------------------------------------------------------

# ``for`` is a keyword: the functional form spells the contract's key.
CalendarEntry = TypedDict(
    "CalendarEntry",
    {
        "id": str,
        "programs": list[str],
        "title": str,
        "start": str,
        "end": str,
        "for": Literal["holders", "applicants"],
        "confidence": Confidence,
        "official": bool,
        "article": str,
    },
)
"""A coming date: an annual duty of a title held, or a program's application window."""


class CalendarResult(TypedDict):
    """``calendar``: the coming dates and the programs whose windows they include."""

    as_of: str
    closest: list[str]
    events: list[CalendarEntry]


# --- screen (staff) -------------------------------------------------------------------------
class ScreenProblem(TypedDict):
    """A problem found reading a sheet: the row and the column as the sheet shows them."""

    row: int
    column: str
    letter: str
    message: str
    level: ScreenLevel


class ScreenedProgram(TypedDict):
    """One program's result for one screened company."""

    program: str
    program_name: str
    rules_version: str
    verdict: Verdict
    rank: int
    failing: list[str]
    unknown: list[str]
    gaps: list[Gap]
    missing_fields: list[str]


class ScreenedCompanyPublic(TypedDict):
    """A screened company as the API and ``--json`` show it."""

    row: int
    name: str | None
    programs: list[ScreenedProgram]
    warnings: list[str]


class ScreenedCompany(ScreenedCompanyPublic):
    """A screened company with the profile read from its row (kept for the register)."""

    profile: dict[str, Any]


class _ScreenRun(TypedDict):
    """What a screening run says besides its companies."""

    as_of: str
    file: str
    errors: list[ScreenProblem]
    summary: dict[str, dict[str, int]]
    saved: NotRequired[list[int]]
    """The register's ids of the companies saved (when asked to save)."""


class ScreenResult(_ScreenRun):
    """``screen``: every company of a list against every program."""

    companies: list[ScreenedCompany]


class PublicScreenResult(_ScreenRun):
    """:class:`ScreenResult` without the profiles (the API and ``--json`` shape)."""

    companies: list[ScreenedCompanyPublic]


# --- ask: one chat turn ---------------------------------------------------------------------
class ConditionChange(TypedDict):
    """A condition whose status or value a turn changed (``condition`` "verdict": the
    program's verdict changed; then there are no values)."""

    condition: str
    program: str
    title: str
    before: str
    after: str
    before_value: NotRequired[str | None]
    after_value: NotRequired[str | None]
    after_required: NotRequired[str]  # the requirement, when a banded limit moved
    required: NotRequired[str]  # the requirement a condition now failing misses


class AnswerChange(TypedDict):
    """A change as the answer shows it."""

    condition: str
    program: str
    before: str
    after: str


class AnswerBody(TypedDict):
    """What an act of the turn answers: text, sources, the assessment it rests on."""

    answer: str
    programs: list[str]
    assessment: Assessment | list[Assessment] | None
    citations: list[QuotedCitation]
    missing_fields: list[str]
    refused: bool


class GroundedAnswer(AnswerBody):
    """The body with who wrote the prose (``llm_fallback``: why an LLM's was not kept)."""

    backend: str
    llm_fallback: NotRequired[str]


class TemplateRef(TypedDict):
    """The approved template that answered."""

    id: int
    title: str
    version: int
    score: float


class TemplateSuggestion(TypedDict):
    """A template close to the question, for staff."""

    id: int
    title: str
    score: float
    status: str


class Answer(GroundedAnswer):
    """``ask``: one turn's answer, with the session's facts and what changed."""

    session_id: str
    template_id: int | None
    template: TemplateRef | None
    template_suggestions: list[TemplateSuggestion]
    act: Act
    facts: dict[str, Any]
    changes: list[AnswerChange]


class IndexStateJSON(TypedDict):
    """The index state an answer was given in."""

    state: Literal["indexing", "ready", "error"]
    done: int
    total: int
    error: str | None


class ServedAnswer(Answer):
    """The answer as the application serves it: with the index state and its notice."""

    index_state: IndexStateJSON
    notice: str | None
