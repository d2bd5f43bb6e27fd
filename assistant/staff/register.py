"""The client register: companies staff follow, with every assessment saved for them.

Same database (and engine) as accounts and sessions, SQLite or PostgreSQL. A company is
identified by its 统一社会信用代码 when it has one, else by its name; saving it again updates
its profile and adds an assessment to its history (nothing is overwritten). Every save is
written to the audit log by the caller's store.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from assistant.core.results import ScreenedProgram, ScreenResult
from assistant.errors import ForbiddenError, InputError
from assistant.store.db import Base, _now, ensure_schema

if TYPE_CHECKING:
    from assistant.store.accounts import AccountStore, User

STAFF = ("staff", "admin")


class ClientRow(Base):
    """A company in the register (its latest profile)."""

    __tablename__ = "client_companies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(256), unique=True)
    name: Mapped[str] = mapped_column(String(256), default="")
    credit_code: Mapped[str] = mapped_column(String(32), default="")
    owner: Mapped[str] = mapped_column(String(64))
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AssessmentRow(Base):
    """One saved assessment of a company: the profile then, the date it was assessed for,
    who saved it, and the per-program results (verdict, rank, failing, unknown, gaps)."""

    __tablename__ = "client_assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("client_companies.id"), index=True)
    saved: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    as_of: Mapped[dt.date] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(256), default="")
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


def company_key(profile: dict[str, Any]) -> str:
    """The register key: the credit code, else the name.

    Raises:
        InputError: the profile has neither.
    """
    code = str(profile.get("credit_code") or "").strip()
    name = str(profile.get("name") or "").strip()
    if code:
        return f"code:{code}"
    if name:
        return f"name:{name}"
    raise InputError("保存到客户名册需要企业名称或统一社会信用代码")


def _plain(value: Any) -> Any:
    """JSON-safe copy (dates as text), so SQLite and PostgreSQL store the same thing."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


class ClientRegister:
    """Saved companies and their assessment history."""

    def __init__(self, engine: Engine, accounts: AccountStore | None = None) -> None:
        """Use an engine from :func:`assistant.store.db.make_engine`; ``accounts`` audits."""
        ensure_schema(engine)
        self._factory = sessionmaker(engine, expire_on_commit=False)
        self.accounts = accounts

    def save(
        self,
        user: User,
        profile: dict[str, Any],
        as_of: dt.date,
        programs: list[ScreenedProgram],
        source: str = "",
    ) -> int:
        """Save (or update) a company and add this assessment to its history; its id.

        Raises:
            ForbiddenError: the user is not staff or admin.
            InputError: the profile has neither name nor credit code.
        """
        if user.role not in STAFF:
            raise ForbiddenError(f"角色 {user.role} 无权保存客户")
        key = company_key(profile)
        with self._factory() as db, db.begin():
            row = db.scalar(select(ClientRow).where(ClientRow.key == key))
            if row is None:
                row = ClientRow(key=key, owner=user.name)
                db.add(row)
            row.name = str(profile.get("name") or "")
            row.credit_code = str(profile.get("credit_code") or "")
            row.profile = _plain(profile)
            row.updated = _now()
            db.flush()
            db.add(
                AssessmentRow(
                    company_id=row.id,
                    as_of=as_of,
                    owner=user.name,
                    source=source[:256],
                    profile=_plain(profile),
                    results=_plain(programs),
                )
            )
            company_id = int(row.id)
        if self.accounts is not None:
            self.accounts.audit(user, "client.save", row.name or key, id=company_id, source=source)
        return company_id

    def save_screening(self, user: User, result: ScreenResult) -> list[int]:
        """Save every company of a screening result (each needs its ``profile``)."""
        as_of = dt.date.fromisoformat(result["as_of"])
        ids = []
        for company in result["companies"]:
            try:
                ids.append(
                    self.save(
                        user,
                        company["profile"],
                        as_of,
                        company["programs"],
                        f"{result.get('file', '')} 第{company['row']}行",
                    )
                )
            except InputError:
                continue  # a row without name or code cannot be followed; it is in errors
        return ids

    def companies(self) -> list[dict[str, Any]]:
        """Every saved company with its latest assessment date, newest change first."""
        with self._factory() as db:
            rows = db.scalars(select(ClientRow).order_by(ClientRow.updated.desc())).all()
            out = []
            for r in rows:
                history = db.scalars(
                    select(AssessmentRow.as_of)
                    .where(AssessmentRow.company_id == r.id)
                    .order_by(AssessmentRow.id.desc())
                ).all()
                out.append(
                    {
                        "id": r.id,
                        "name": r.name,
                        "credit_code": r.credit_code,
                        "owner": r.owner,
                        "updated": r.updated.isoformat(timespec="seconds"),
                        "assessments": len(history),
                        "last_as_of": history[0].isoformat() if history else None,
                        "profile": dict(r.profile or {}),
                    }
                )
            return out

    def company(self, company_id: int) -> dict[str, Any]:
        """A company with its whole assessment history (newest first).

        Raises:
            InputError: no such company.
        """
        with self._factory() as db:
            row = db.get(ClientRow, company_id)
            if row is None:
                raise InputError(f"客户编号 {company_id} 不存在")
            history = db.scalars(
                select(AssessmentRow)
                .where(AssessmentRow.company_id == company_id)
                .order_by(AssessmentRow.id.desc())
            ).all()
            return {
                "id": row.id,
                "name": row.name,
                "credit_code": row.credit_code,
                "owner": row.owner,
                "created": row.created.isoformat(timespec="seconds"),
                "updated": row.updated.isoformat(timespec="seconds"),
                "profile": dict(row.profile or {}),
                "history": [
                    {
                        "id": a.id,
                        "saved": a.saved.isoformat(timespec="seconds"),
                        "as_of": a.as_of.isoformat(),
                        "owner": a.owner,
                        "source": a.source,
                        "programs": list(a.results or []),
                    }
                    for a in history
                ],
            }
