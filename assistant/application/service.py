"""The application: one object, built once from :class:`Settings`, with the use cases that the
web API, the pages, the CLI, eval and bench call.

Knowledge is loaded at once (checks answer immediately); the search stack (embedding model,
vector store), the chat and the database are built on first use, once, thread-safely. Nothing
above this layer touches a retriever, a vector store or a session table: it asks this object.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from assistant.application.health import (
    IndexState,
    knowledge_version,
    rules_versions,
    with_index_state,
)
from assistant.application.uploads import save_upload, upload_name
from assistant.config import Settings
from assistant.core.assessment import assess, checklist
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.core.profile import Profile, validate_profile
from assistant.core.results import (
    Assessment,
    CalendarResult,
    Checklist,
    MatchResult,
    ServedAnswer,
)
from assistant.errors import AssistantError, InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.chat.conversation import ChatAssistant
    from assistant.factory import SearchStack
    from assistant.review.console import ReviewConsole
    from assistant.search.ingest import IngestResult
    from assistant.search.retrieval import Passage
    from assistant.staff.register import ClientRegister
    from assistant.store.accounts import AccountStore, User
    from assistant.templates.matcher import TemplateMatcher
    from assistant.templates.template_store import TemplateStore


class Application:
    """The use cases of 申报助手 over one set of components.

    Args:
        settings: Where the data, the knowledge base and the models are, and the limits.
        knowledge: An already loaded knowledge base (default: load ``settings.knowledge_dir``).
    """

    def __init__(self, settings: Settings, knowledge: Knowledge | None = None) -> None:
        """Load the knowledge base (fast); everything else waits for first use."""
        self.settings = settings
        self.knowledge = knowledge or load_knowledge(settings.knowledge_dir)
        self._search: SearchStack | None = None
        self._chat: ChatAssistant | None = None
        self._accounts: AccountStore | None = None
        self._review: ReviewConsole | None = None
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._index_lock = threading.Lock()
        # Turns are CPU work under one GIL: twenty threads answering at once each get a
        # twentieth of it and finish late together, some much later; a few at a time, the
        # rest queued in arrival order (CPython wakes a semaphore's waiters first come, first
        # served), keep the same throughput with a far shorter tail.
        self._answering = threading.BoundedSemaphore(settings.answers_at_once)
        self.index = IndexState()
        self.knowledge_version = knowledge_version(settings.knowledge_dir)

    # --- eligibility: the pure engine over the loaded knowledge --------------------------

    def programs(self, as_of: dt.date | None = None) -> list[dict[str, Any]]:
        """Every program with the rules version in force on ``as_of`` (default: today)."""
        day = as_of or dt.date.today()
        out = []
        for p in self.knowledge.programs.values():
            doc = self.knowledge.rules_document(p.id, day)
            out.append(
                {
                    "id": p.id,
                    "name": p.name,
                    "issuer": p.issuer,
                    "level": p.level,
                    "region": p.region,
                    "rules_version": doc.label(),
                    "effective": doc.starts.isoformat(),
                    "confidence": doc.confidence,
                }
            )
        return out

    def check(
        self, program: str, profile: Profile | dict[str, Any], as_of: dt.date | None = None
    ) -> Assessment | list[Assessment]:
        """The assessment of ``profile`` for ``program`` (``"all"``: every program)."""
        valid = _valid(profile)
        day = as_of or dt.date.today()
        if program == "all":
            return [assess(self.knowledge, p, valid, day) for p in self.knowledge.rules]
        return assess(self.knowledge, program, valid, day)

    def checklist(
        self, program: str, profile: Profile | dict[str, Any], as_of: dt.date | None = None
    ) -> Checklist:
        """The pre-checked application checklist of ``profile`` for ``program``."""
        valid = _valid(profile)
        return checklist(self.knowledge, program, valid, as_of or dt.date.today())

    def match(self, profile: Profile | dict[str, Any], as_of: dt.date | None = None) -> MatchResult:
        """Every program ranked for ``profile``, with the smallest gaps."""
        from assistant.core.matching import match

        return match(self.knowledge, _valid(profile), as_of or dt.date.today())

    def calendar(self, profile: Profile | dict[str, Any], as_of: dt.date) -> CalendarResult:
        """The coming dates for the company: deadlines of the programs closest to it."""
        from assistant.core.calendar import closest_programs, upcoming

        valid = _valid(profile)
        closest = closest_programs(self.match(valid, as_of))
        events = upcoming(self.knowledge, valid, as_of, closest=closest)
        return {"as_of": as_of.isoformat(), "closest": closest, "events": events}

    # --- answers ---------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        session_id: str | None = None,
        profile: dict[str, Any] | None = None,
        as_of: dt.date | None = None,
        show_templates: bool = False,
    ) -> ServedAnswer:
        """One chat turn, with the index state (and its notice while indexing).

        ``show_templates``: keep the suggested answer templates (they name drafts: staff only).
        """
        chat = self.chat()
        with self._answering:
            answer = chat.ask(question, session_id=session_id, profile=profile, as_of=as_of)
        served = with_index_state(answer, self.index.snapshot())
        if not show_templates:
            served = {**served, "template_suggestions": []}
        return served

    def feedback(self, session_id: str, useful: bool, comment: str = "") -> int:
        """Keep a verdict on the session's latest answer; its message id.

        Raises:
            InputError: sessions are not stored, or the session has no answer.
        """
        sessions = self.chat().sessions
        if sessions is None:
            raise InputError("未保存会话，无法记录反馈")
        return sessions.add_feedback(session_id, useful, comment)

    def search(
        self,
        question: str,
        k: int | None = None,
        program: str | None = None,
        doc_type: str | None = None,
    ) -> list[Passage]:
        """The passages retrieval finds for ``question`` (best first)."""
        retriever = self.search_stack().retriever
        return retriever.search(
            question, k or self.settings.top_k, program=program, doc_type=doc_type
        )

    # --- the knowledge base and uploads ----------------------------------------------------

    def documents(self) -> list[dict[str, Any]]:
        """Every indexed document with its chunk count."""
        from assistant.application.documents import document_rows

        stack = self.search_stack()
        return document_rows(stack.retriever.keyword_index().chunks, stack.store.documents())

    def ingest_upload(
        self,
        user: User,
        filename: str,
        data: bytes | BinaryIO,
        on_read: Callable[[str, int, int], None] | None = None,
    ) -> dict[str, Any]:
        """Save an uploaded file under ``data/uploads`` and index it (audited).

        ``on_read`` hears each page read (a scan's OCR takes seconds per page).

        Raises:
            InputError: an unsupported, over-sized or unreadable file.
        """
        new = not (self.settings.data_dir / "uploads" / upload_name(filename)).exists()
        target = save_upload(self.settings, filename, data)
        try:
            [result] = self.search_stack().indexer.ingest_files([target], on_read=on_read)
        except AssistantError:
            # Not acknowledged, so not kept: a backup or a restart would otherwise index an
            # original nobody was told about. A replaced original stays (its old version is
            # still in the index until the upload is repeated).
            if new:
                target.unlink(missing_ok=True)
            raise
        self.accounts().audit(user, "document.ingest", target.name, status=result.status)
        if result.status == "failed":
            raise InputError(result.message)
        return dict(result.__dict__)

    def ingest_paths(self, paths: list[Any], **options: Any) -> list[IngestResult]:
        """Index files and folders from disk (the CLI's ``ingest``)."""
        return self.search_stack().indexer.ingest_files(paths, **options)

    def remove_paths(self, targets: list[str]) -> list[IngestResult]:
        """Remove documents by path or document id (the CLI's ``ingest --remove``)."""
        return self.search_stack().indexer.remove(targets)

    def chunk_count(self) -> int:
        """How many passages the index holds."""
        return self.search_stack().store.count()

    def remove_document(self, user: User, doc_id: str) -> IngestResult:
        """Remove a document and its chunks from the index (audited)."""
        [result] = self.search_stack().indexer.remove([doc_id])
        self.accounts().audit(user, "document.remove", doc_id, status=result.status)
        return result

    def reindex(self, user: User) -> str:
        """Bring the index in line with knowledge/ now (audited); the index state after.

        Raises:
            InputError: an indexing run is already going on.
        """
        self.index_knowledge()
        self.accounts().audit(user, "knowledge.reindex", "knowledge/")
        return self.index_status

    def index_knowledge(self) -> None:
        """Bring the index in line with knowledge/ (start-up runs it in a background thread).

        Raises:
            InputError: an indexing run is already going on in this process.
            LockBusy: another process holds the indexer lease.
        """
        if not self._index_lock.acquire(blocking=False):
            raise InputError("索引正在进行中，请稍后再试")
        try:
            self._index_knowledge()
        finally:
            self._index_lock.release()

    def warm_up(self) -> None:
        """Load what the first question needs before the index is reported ready: the
        embedding model (seconds on first use) and the keyword index, so ``ready`` means a
        question is answered at full speed, not that it will wait for a model to load."""
        stack = self.search_stack()
        stack.embeddings.embed_query("预热")
        stack.retriever.keyword_index()

    def index_when_free(self, wait_s: float = 2.0) -> None:
        """:meth:`index_knowledge`, waiting while another process holds the indexer lease.

        Once the other process is done, this pass finds everything unchanged and only
        confirms it; meanwhile the index state says "indexing".
        """
        import time

        from assistant.store.index_lock import LockBusy

        while True:
            try:
                self.index_knowledge()
                return
            except LockBusy:
                self.index.start()
                time.sleep(wait_s)

    @property
    def indexing(self) -> bool:
        """Whether an indexing run is going on now."""
        return self._index_lock.locked()

    @property
    def index_status(self) -> str:
        """The index state as one line of Chinese (the staff page, ``/api/health``'s ``index``)."""
        snap = self.index.snapshot()
        return self.index.summary if snap.state == "ready" and self.index.summary else snap.text()

    def health(self) -> dict[str, Any]:
        """``/api/health``'s body."""
        snap = self.index.snapshot()
        return {
            "status": "ok",
            "programs": len(self.knowledge.programs),
            "index": self.index_status,
            "index_state": snap.as_json(),
            "ready": snap.ready,
            "versions": {
                "knowledge": self.knowledge_version,
                "rules": rules_versions(self.knowledge, dt.date.today()),
            },
        }

    # --- services the application owns and hands out ---------------------------------------

    def accounts(self) -> AccountStore:
        """Identity: users, passwords, tokens, login sessions and the audit log."""
        with self._lock:  # built once: concurrent first requests must not race on the schema
            if self._accounts is None:
                from assistant.store.accounts import AccountStore

                self._accounts = AccountStore(self._engine_locked())
            return self._accounts

    def review(self) -> ReviewConsole:
        """The evaluators' console: the queue, grades, agreement and promotions."""
        with self._lock:
            if self._review is None:
                from assistant.review.console import ReviewConsole
                from assistant.review.grade_store import ReviewStore

                self._review = ReviewConsole(self, ReviewStore(self._engine_locked()))
            return self._review

    def templates(self) -> TemplateMatcher:
        """Staff's answer templates: the store and the matcher over it."""
        matcher = self.chat().templates
        if matcher is None:
            raise InputError("答复模板未启用")
        return matcher

    def template_store(self) -> TemplateStore:
        """Staff's answer templates alone (no search stack: for listing, editing, import)."""
        from assistant.templates.template_store import TemplateStore

        return TemplateStore(self.engine(), self.knowledge, self.accounts())

    def client_register(self) -> ClientRegister:
        """The saved companies and their assessment history."""
        from assistant.staff.register import ClientRegister

        return ClientRegister(self.engine(), self.accounts())

    def impact(self, program: str, as_of: dt.date, version: str | None = None) -> dict[str, Any]:
        """Who among the saved companies a rules switch of ``program`` affects, and which
        templates go stale."""
        from assistant.staff.impact import impact_report

        companies = self.client_register().companies()
        return impact_report(
            self.knowledge, program, companies, as_of, version=version, engine=self.engine()
        )

    # --- components, built once -------------------------------------------------------------

    def search_stack(self) -> SearchStack:
        """The search stack (built once, thread-safely). For the application and tools."""
        with self._lock:
            if self._search is None:
                from assistant.factory import build_search

                self._search = build_search(self.settings, knowledge=self.knowledge)
            return self._search

    def chat(self) -> ChatAssistant:
        """The chat assistant (built once, over the search stack)."""
        stack = self.search_stack()
        with self._lock:  # built once: concurrent first requests must not race on the schema
            if self._chat is None:
                from assistant.factory import build_chat

                self._chat = build_chat(self.settings, stack, self._engine_locked())
            return self._chat

    def engine(self) -> Engine:
        """The database engine every store of the application shares."""
        with self._lock:
            return self._engine_locked()

    def _engine_locked(self) -> Engine:
        if self._engine is None:
            from assistant.store.db import make_engine

            self._engine = make_engine(self.settings)
        return self._engine

    def _index_knowledge(self) -> None:
        from assistant.store.index_lock import IndexLock

        with self._lock:  # the lease is in the database: one indexer across all processes
            lease = IndexLock(self._engine_locked())
        with lease.held():
            self._index_knowledge_leased()

    def _index_knowledge_leased(self) -> None:
        self.index.start()
        try:
            stack = self.search_stack()
            # A new embedder starts an empty index: uploads come over from the old one.
            if stack.store.count() == 0:
                stack.indexer.adopt_uploads(stack.store.siblings())
            results = stack.indexer.index_knowledge(self.knowledge, self.index.progress)
        except AssistantError as exc:
            self.index.fail(str(exc))
            raise
        except Exception as exc:  # a broken index must show in health, not only in a log
            self.index.fail(f"{type(exc).__name__}: {exc}")
            raise
        changed = sum(1 for r in results if r.status != "unchanged")
        self.index.finish(len(results), f"就绪（{len(results)} 篇，更新 {changed} 篇）")


def _valid(profile: Profile | dict[str, Any]) -> Profile:
    """A validated profile (a mapping from JSON is validated here)."""
    return profile if isinstance(profile, Profile) else validate_profile(profile)
