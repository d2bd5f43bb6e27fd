"""The evaluator's actions: role-checked, carried out, and written to the audit log.

The UI tab and the API both call this, so the rules (who may, what is audited, the
``source`` of a promoted item) live in one place. The web layers check the login first
(``page_user`` / ``require``); the role is checked here again because a handler reached
some other way must not grade or promote for a staff account.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

from assistant.errors import ForbiddenError, InputError
from assistant.faults import checkpoint
from assistant.review.dashboard import Dashboard, Period, build_dashboard
from assistant.review.grade_store import LoggedAnswer, ReviewStore
from assistant.review.promote import PROMOTED_FILE, Correction, promote, read_promoted
from assistant.review.queue import DEFAULT_SAMPLE, DEFAULT_SEED, QueueItem, build_queue

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.core.knowledge import Knowledge
    from assistant.store.accounts import AccountStore, User

REVIEW_ROLES: tuple[str, ...] = ("evaluator", "admin")


class ServicesLike(Protocol):
    """What the console needs of :class:`assistant.web.api.Application` (kept structural so
    the review package does not import the web layer)."""

    settings: Settings
    knowledge: Knowledge

    def accounts(self) -> AccountStore:
        """Users and the audit log."""
        ...


class ReviewConsole:
    """Queue, grading, promotion and dashboard for one database and one gold folder."""

    def __init__(self, services: ServicesLike, store: ReviewStore) -> None:
        """Use the services' knowledge, accounts and settings, and the review tables."""
        self.services = services
        self.store = store
        self.reconcile_promotions()

    def reconcile_promotions(self) -> int:
        """Record the promotions that reached the gold file but not the database (the
        process died between the two writes); the file is the truth. Returns how many."""
        gold = self.services.settings.gold_dir / PROMOTED_FILE
        if not gold.is_file():
            return 0
        recorded = self.store.promoted_questions()
        added = 0
        for item in read_promoted(gold):
            match = re.fullmatch(r"review #(\d+) by (.+)", str(item.get("source", "")))
            question = str(item.get("question"))
            # Only messages of this database: a gold folder may hold items from another.
            if match and question not in recorded and self.store.answer(int(match[1])):
                self.store.record_promotion(int(match[1]), match[2], question)
                added += 1
        return added

    def _check(self, user: User, action: str) -> None:
        """Refuse (and audit the attempt) when the role may not review."""
        if user.role not in REVIEW_ROLES:
            self._audit(user, "review.denied", action)
            role = {"staff": "员工"}.get(user.role, user.role)
            raise ForbiddenError(f"当前角色（{role}）无权评审答案；需要评审员或管理员")

    def _audit(self, user: User, action: str, target: str = "", **detail: Any) -> None:
        self.services.accounts().audit(user, action, target, **detail)

    def queue(
        self,
        user: User,
        program: str | None = None,
        *,
        sample: int = DEFAULT_SAMPLE,
        seed: int = DEFAULT_SEED,
    ) -> list[QueueItem]:
        """The user's queue (see :mod:`assistant.review.queue`)."""
        self._check(user, "queue")
        if program and program not in self.services.knowledge.programs:
            raise InputError(f"项目 {program} 不存在")
        items = build_queue(
            self.store.answers(),
            self.store.graded_by(user.name),
            program=program or None,
            sample=sample,
            seed=seed,
        )
        self._audit(user, "review.queue", program or "", items=len(items), seed=seed)
        return items

    def item(self, user: User, message_id: int) -> tuple[LoggedAnswer, dict[str, str] | None]:
        """A logged answer and the user's own grade of it (None when not graded yet).

        Raises:
            InputError: no such message.
        """
        self._check(user, "view")
        answer = self.store.answer(message_id)
        if answer is None:
            raise InputError(f"消息 #{message_id} 不存在")
        self._audit(user, "review.view", f"message #{message_id}")
        return answer, self.store.grade_of(message_id, user.name)

    def grade(
        self,
        user: User,
        message_id: int,
        answer_grade: str,
        citation_grade: str,
        comment: str = "",
    ) -> bool:
        """Grade (or re-grade) an answer; True when an earlier grade was replaced."""
        self._check(user, "grade")
        previous = self.store.save_grade(
            message_id, user.name, answer_grade, citation_grade, comment
        )
        new = {"answer_grade": answer_grade, "citation_grade": citation_grade}
        if previous is None:
            self._audit(user, "review.grade", f"message #{message_id}", **new)
        else:
            self._audit(user, "review.regrade", f"message #{message_id}", **new, previous=previous)
        return previous is not None

    def promote(self, user: User, message_id: int, correction: Correction) -> dict[str, Any]:
        """Append the corrected item to the gold set; refusals are audited too.

        Raises:
            InputError: no such message, or an invalid correction (nothing written).
        """
        self._check(user, "promote")
        target = f"message #{message_id}"
        try:
            if self.store.answer(message_id) is None:
                raise InputError(f"消息 #{message_id} 不存在")
            item = promote(
                self.services.settings.gold_dir,
                correction,
                self.services.knowledge,
                source=f"review #{message_id} by {user.name}",
            )
        except InputError as exc:
            self._audit(user, "review.promote.refused", target, reason=str(exc))
            raise
        checkpoint("promote.written")
        self.store.record_promotion(message_id, user.name, item["question"])
        self._audit(user, "review.promote", target, question=item["question"])
        return item

    def dashboard(self, user: User, period: Period = "day") -> Dashboard:
        """The figures of every grade so far."""
        self._check(user, "dashboard")
        names = {p.id: p.name for p in self.services.knowledge.programs.values()}
        board = build_dashboard(
            self.store.grades(),
            promoted=self.store.promotion_count(),
            period=period,
            program_names=names,
        )
        self._audit(user, "review.dashboard", period)
        return board
