"""Web logins: a login form, a session cookie, and the guard of the staff, evaluator and admin
pages.

SME owners use the public page (``/``) without an account. The pages for staff
(``/staff``: 知识库管理, 答复模板), evaluators (``/review``: 答案评审) and admins
(``/admin``: 审计日志) are separate Gradio apps; a middleware sends a browser
without a valid login for the page's roles to ``/login?next=…`` (and answers
401/403 JSON to non-page requests under those paths, such as Gradio's own
queue calls), so nothing on those pages runs for an anonymous visitor. Every
handler on those pages asks :func:`page_user` again (defence in depth) and
writes its action to the audit log under that user.

The cookie holds a random value whose SHA-256 digest is stored (``web_sessions``); it is
HttpOnly and SameSite=Lax, so another site cannot read it or post forms with it. API clients
use bearer tokens instead (:func:`assistant.web.api.require`).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from assistant.application import Application, User
from assistant.errors import AssistantError, AuthError, ForbiddenError
from assistant.web.ratelimit import RateLimiter, client_address

SESSION_COOKIE = "sbzs_session"
# Page prefix → the roles that may open it.
PAGES: dict[str, tuple[str, ...]] = {
    "/staff": ("staff", "admin"),
    "/review": ("evaluator", "admin"),
    "/admin": ("admin",),
}
PAGE_TITLES = {"/staff": "员工工作台", "/review": "答案评审", "/admin": "管理"}
ROLE_TEXT = {"staff": "员工", "evaluator": "评审员", "admin": "管理员"}


STAFF = ("staff", "admin")
ADMIN = ("admin",)


def gradio_user(services: Application, request: Any, roles: tuple[str, ...]) -> User:
    """The page's user or a Gradio error shown to the visitor (never a stack trace)."""
    import gradio as gr

    try:
        return page_user(services, request, *roles)
    except AssistantError as exc:
        raise gr.Error(str(exc)) from exc


def require(services: Application, request: Request, *roles: str) -> User:
    """The account behind the request's bearer token, if its role is one of ``roles``.

    Raises:
        AuthError: no token or an unknown one (401).
        ForbiddenError: a valid token whose role may not do this (403).
    """
    user = bearer_user(services, request)
    if user is None:
        raise AuthError(
            "log in: send 'Authorization: Bearer <token>' (python -m assistant users token NAME)"
        )
    if user.role not in roles:
        raise ForbiddenError(f"the role '{user.role}' may not do this; needs {' or '.join(roles)}")
    return user


def is_staff(services: Application, request: Request) -> bool:
    """Whether the request carries a staff or admin bearer token or web login."""
    user = bearer_user(services, request) or session_user(services, dict(request.cookies))
    return user is not None and user.role in ("staff", "admin")


def bearer_user(services: Application, request: Request) -> User | None:
    """The account of the request's ``Authorization: Bearer`` token (None without one)."""
    header = request.headers.get("authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    return services.accounts().user_for_token(token) if token else None


def session_user(services: Application, cookies: dict[str, str]) -> User | None:
    """The user of the request's login cookie (None when absent, unknown or expired)."""
    value = cookies.get(SESSION_COOKIE, "")
    return services.accounts().user_for_session(value) if value else None


def page_user(services: Application, request: Any, *roles: str) -> User:
    """The logged-in user of a Gradio event (``gr.Request``) if their role is in ``roles``.

    Raises:
        AuthError: not logged in (or the login expired).
        ForbiddenError: logged in with a role that may not do this.
    """
    cookies: dict[str, str] = {}
    if request is not None:
        inner = getattr(request, "request", None)
        cookies = dict(getattr(inner, "cookies", None) or getattr(request, "cookies", {}) or {})
    user = session_user(services, cookies)
    if user is None:
        raise AuthError("请先登录（登录已过期或尚未登录）")
    if user.role not in roles:
        raise ForbiddenError(f"当前角色（{ROLE_TEXT.get(user.role, user.role)}）无权执行此操作")
    return user


def page_of(path: str) -> str | None:
    """The guarded page prefix a path belongs to (None for public paths)."""
    for prefix in PAGES:
        if path == prefix or path.startswith(prefix + "/"):
            return prefix
    return None


def safe_next(target: str) -> str:
    """A local path to return to after login (anything else becomes ``/``)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def install_login(api: FastAPI, services: Application) -> None:
    """The login and logout routes and the page guard (before the Gradio apps are mounted)."""
    _install_guard(api, services)
    _install_login_routes(api, services)


def _install_guard(api: FastAPI, services: Application) -> None:
    @api.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        prefix = page_of(request.url.path)
        if prefix is None:
            return await call_next(request)
        user = session_user(services, dict(request.cookies))
        if user is not None and user.role in PAGES[prefix]:
            return await call_next(request)
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        code, status = ("forbidden", 403) if user else ("unauthorized", 401)
        return JSONResponse(
            {"error": {"code": code, "message": "log in at /login with a suitable role"}},
            status_code=status,
        )


def _install_login_routes(api: FastAPI, services: Application) -> None:
    @api.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/staff/") -> HTMLResponse:
        user = session_user(services, dict(request.cookies))
        return HTMLResponse(_login_html(safe_next(next), user, ""))

    settings = services.settings
    # Failed logins per address, in this process (accounts are locked in the database).
    per_address = RateLimiter(settings.login_per_address, 15 * 60.0)

    @api.post("/login", response_class=HTMLResponse, include_in_schema=False, response_model=None)
    def login(
        request: Request,
        name: str = Form(""),
        password: str = Form(""),
        next: str = Form("/staff/"),
    ) -> Response:
        target = safe_next(next)
        name = name.strip()
        address = client_address(request.scope)
        accounts = services.accounts()
        wait = per_address.retry_after(address, record=False)
        locked = accounts.locked_until(name, settings.login_failures, settings.login_lock_minutes)
        if wait or locked:
            accounts.audit(User(name or "?", "-"), "login.refused", name, address=address)
            text = (
                f"登录失败次数过多，该账户已临时锁定至 {locked:%H:%M}（UTC），"
                "或请管理员解锁（python -m assistant users unlock 用户名）"
                if locked
                else f"登录失败次数过多，请 {int(wait) // 60 + 1} 分钟后再试"
            )
            seconds = int(wait) + 1 if wait else settings.login_lock_minutes * 60
            return HTMLResponse(
                _login_html(target, None, text),
                status_code=429,
                headers={"retry-after": str(int(seconds))},
            )
        user = accounts.authenticate(name, password)
        if user is None:
            per_address.record(address)
            return HTMLResponse(_login_html(target, None, "用户名或密码不对"), status_code=401)
        prefix = page_of(target.split("?")[0])
        if prefix is not None and user.role not in PAGES[prefix]:
            target = _home_of(user.role)
        value = services.accounts().start_session(user, services.settings.session_hours)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=int(services.settings.session_hours * 3600),
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @api.get("/logout", include_in_schema=False)
    def logout(request: Request) -> RedirectResponse:
        value = request.cookies.get(SESSION_COOKIE, "")
        user = session_user(services, dict(request.cookies))
        if value:
            services.accounts().end_session(value)
        if user is not None:
            services.accounts().audit(user, "logout", user.name)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _home_of(role: str) -> str:
    return {"staff": "/staff/", "evaluator": "/review/", "admin": "/admin/"}.get(role, "/")


def _login_html(target: str, user: User | None, error: str) -> str:
    page = page_of(target.split("?")[0])
    title = PAGE_TITLES.get(page or "", "工作台")
    roles = "、".join(ROLE_TEXT[r] for r in PAGES.get(page or "", ("staff", "evaluator", "admin")))
    notice = ""
    if user is not None:
        notice = (
            f'<p class="warn">当前已登录：{html.escape(user.name)}'
            f"（{ROLE_TEXT.get(user.role, user.role)}），无权打开该页面。</p>"
        )
    if error:
        notice += f'<p class="warn">{html.escape(error)}</p>'
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 - 申报助手</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f5f7fa;margin:0}}
main{{max-width:360px;margin:10vh auto;background:#fff;padding:2em;border-radius:8px;
box-shadow:0 2px 8px #0001}}
label{{display:block;margin:1em 0 .3em}}
input{{width:100%;padding:.6em;box-sizing:border-box;font-size:1em}}
button{{margin-top:1.5em;width:100%;padding:.7em;font-size:1em;background:#2563eb;color:#fff;
border:0;border-radius:6px}}
.warn{{color:#b91c1c}} a{{color:#2563eb}}
</style></head><body><main>
<h1>登录：{html.escape(title)}</h1>
<p>本页面仅限{html.escape(roles)}使用。企业用户无需登录，请直接使用<a href="/">智能问答</a>。</p>
{notice}
<form method="post" action="/login">
<input type="hidden" name="next" value="{html.escape(target, quote=True)}">
<label for="name">用户名</label><input id="name" name="name" autocomplete="username" required>
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录</button>
</form></main></body></html>"""
