"""Accounts, roles, API tokens and the audit log (SQLAlchemy, same database as sessions).

Passwords are hashed with scrypt (memory-hard, in the standard library) and a random salt;
API tokens are random and stored only as SHA-256 digests, so the database never holds a
secret in clear. There is no default account: ``python -m assistant users add`` creates them.
Every staff/evaluator/admin action is recorded in the audit log (who, what, when).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from assistant.errors import InputError
from assistant.store.db import Base, _now, ensure_schema

Role = Literal["staff", "evaluator", "admin"]
ROLES: tuple[str, ...] = ("staff", "evaluator", "admin")
MIN_PASSWORD = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class UserRow(Base):
    """An account."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class TokenRow(Base):
    """An API token (only its digest is stored)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class WebSessionRow(Base):
    """A browser login: the digest of the cookie's random value and when it expires."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditRow(Base):
    """Who did what, when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    user: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(512), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@dataclass(frozen=True)
class User:
    """An authenticated account."""

    name: str
    role: str


def hash_password(password: str) -> str:
    """A salted scrypt hash: ``scrypt$n$r$p$salt$digest`` (base64).

    >>> h = hash_password("correct horse battery")
    >>> h.startswith("scrypt$") and "correct" not in h
    True
    >>> verify_password("correct horse battery", h), verify_password("wrong", h)
    (True, False)
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    enc = base64.b64encode
    params = f"{_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}"
    return f"scrypt${params}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a stored hash (constant-time comparison)."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountStore:
    """Users, tokens and the audit log."""

    def __init__(self, engine: Engine) -> None:
        """Use an engine made by :func:`assistant.store.db.make_engine`."""
        ensure_schema(engine)  # its tables may be registered after the engine was made
        self._factory = sessionmaker(engine, expire_on_commit=False)

    def add_user(self, name: str, role: str, password: str) -> User:
        """Create an account.

        Raises:
            InputError: bad name or role, a short password, or the name is taken.
        """
        name = name.strip()
        if not name or len(name) > 64 or not all(ch.isalnum() or ch in "-_." for ch in name):
            raise InputError("user name: use 1-64 letters, digits, '-', '_' or '.'")
        if role not in ROLES:
            raise InputError(f"role '{role}': use one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise InputError(f"password: use at least {MIN_PASSWORD} characters")
        with self._factory() as db, db.begin():
            if db.scalar(select(UserRow).where(UserRow.name == name)) is not None:
                raise InputError(f"user '{name}' exists already")
            db.add(UserRow(name=name, role=role, password_hash=hash_password(password)))
        self.audit(User(name, role), "user.create", name)
        return User(name, role)

    def users(self) -> list[dict[str, Any]]:
        """Every account (no hashes)."""
        with self._factory() as db:
            return [
                {"name": u.name, "role": u.role, "created": u.created.isoformat()}
                for u in db.scalars(select(UserRow).order_by(UserRow.id))
            ]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None (and the attempt is audited)."""
        with self._factory() as db:
            row = db.scalar(select(UserRow).where(UserRow.name == name))
        if row is None or not verify_password(password, row.password_hash):
            self.audit(User(name or "?", "-"), "login.failed", name or "")
            return None
        user = User(row.name, row.role)
        self.audit(user, "login", row.name)
        return user

    def locked_until(self, name: str, failures: int, minutes: float) -> dt.datetime | None:
        """When the account's login lock ends (None: not locked).

        An account is locked after ``failures`` failed logins in a row (no success or unlock
        between them) for ``minutes`` after the last one. Read from the audit log, which every
        worker process writes, so the lock holds across processes and restarts.
        """
        with self._factory() as db:
            rows = list(
                db.scalars(
                    select(AuditRow)
                    .where(AuditRow.target == name)
                    .where(AuditRow.action.in_(("login", "login.failed", "login.unlock")))
                    .order_by(AuditRow.id.desc())
                    .limit(failures)
                )
            )
        if len(rows) < failures or any(r.action != "login.failed" for r in rows):
            return None
        until = rows[0].at + dt.timedelta(minutes=minutes)
        return until if until > _now() else None

    def unlock(self, admin: User, name: str) -> None:
        """Lift a login lock (audited as ``login.unlock`` under the admin).

        Raises:
            InputError: no such user.
        """
        with self._factory() as db:
            if db.scalar(select(UserRow).where(UserRow.name == name)) is None:
                raise InputError(f"no user '{name}'")
        self.audit(admin, "login.unlock", name)

    def create_token(self, name: str) -> str:
        """A new API token for a user; it is shown once and only its digest is stored."""
        token = "sbz_" + secrets.token_urlsafe(32)
        with self._factory() as db, db.begin():
            row = db.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise InputError(f"no user '{name}'; create it with 'users add'")
            db.add(TokenRow(user_id=row.id, digest=_digest(token)))
            user = User(row.name, row.role)
        self.audit(user, "token.create", name)
        return token

    def user_for_token(self, token: str) -> User | None:
        """The user an API token belongs to (None for an unknown token)."""
        if not token:
            return None
        with self._factory() as db:
            row = db.scalar(select(TokenRow).where(TokenRow.digest == _digest(token)))
            if row is None:
                return None
            user = db.get(UserRow, row.user_id)
            return User(user.name, user.role) if user else None

    def start_session(self, user: User, hours: float) -> str:
        """A browser login for an authenticated user: a random cookie value (only its digest
        is stored) valid for ``hours``."""
        value = "sbs_" + secrets.token_urlsafe(32)
        with self._factory() as db, db.begin():
            row = db.scalar(select(UserRow).where(UserRow.name == user.name))
            if row is None:
                raise InputError(f"no user '{user.name}'")
            expires = _now() + dt.timedelta(hours=hours)
            db.add(WebSessionRow(user_id=row.id, digest=_digest(value), expires=expires))
        return value

    def user_for_session(self, value: str) -> User | None:
        """The user of a browser login (None when unknown or expired)."""
        if not value:
            return None
        with self._factory() as db:
            row = db.scalar(select(WebSessionRow).where(WebSessionRow.digest == _digest(value)))
            if row is None or row.expires < _now():
                return None
            user = db.get(UserRow, row.user_id)
            return User(user.name, user.role) if user else None

    def end_session(self, value: str) -> None:
        """Log a browser session out (unknown values are ignored)."""
        with self._factory() as db, db.begin():
            row = db.scalar(select(WebSessionRow).where(WebSessionRow.digest == _digest(value)))
            if row is not None:
                db.delete(row)

    def audit(self, user: User, action: str, target: str = "", **detail: Any) -> None:
        """Record an action."""
        with self._factory() as db, db.begin():
            db.add(
                AuditRow(
                    user=user.name,
                    role=user.role,
                    action=action,
                    target=target[:512],
                    detail=detail,
                )
            )

    def audit_log(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest actions, newest first."""
        with self._factory() as db:
            rows = db.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
            return [
                {
                    "at": r.at.isoformat(),
                    "user": r.user,
                    "role": r.role,
                    "action": r.action,
                    "target": r.target,
                    "detail": r.detail,
                }
                for r in rows
            ]

    def audit_csv(self, limit: int = 10_000) -> str:
        """The audit log as CSV (UTF-8 with BOM, so Excel opens the Chinese correctly)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["时间", "用户", "角色", "操作", "对象"])
        for row in self.audit_log(limit):
            cells = [row["at"], row["user"], row["role"], row["action"], row["target"]]
            # A leading '=' (a user name or file name typed by someone) would be run as a
            # formula by Excel; the apostrophe makes it text (OWASP CSV injection advice).
            writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in cells])
        return "\ufeff" + out.getvalue()
