"""``POST /api/screen`` (contract): a client list in, the screening out (JSON or workbook).

Staff and admins only; the upload is a multipart ``file`` (.xlsx or .csv). ``?format=xlsx``
returns the result workbook; ``?save=true`` also saves the companies in the client register
under the caller's account. Every run (and save) is audited.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, Request, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from assistant.core.results import PublicScreenResult, ScreenResult
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.application import Application, User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def screen_upload(
    services: Application,
    user: User,
    filename: str,
    data: bytes,
    as_of: dt.date,
    *,
    save: bool = False,
    progress: Any = None,
) -> ScreenResult:
    """Screen an uploaded list (full result, with profiles), audited; optionally saved.

    Raises:
        InputError: an unreadable or over-sized file.
    """
    from assistant.staff.screen import screen_file

    name = Path(filename or "").name or "upload"
    limit = services.settings.max_file_mb * 2**20
    if len(data) > limit:
        raise InputError(f"文件「{name}」超过 {services.settings.max_file_mb:g} MiB")
    result = screen_file(
        services.knowledge,
        data,
        name,
        as_of,
        knowledge_dir=services.settings.knowledge_dir,
        progress=progress,
    )
    services.accounts().audit(
        user, "screen.run", name, companies=len(result["companies"]), errors=len(result["errors"])
    )
    if save:
        result["saved"] = services.client_register().save_screening(user, result)
    return result


def result_workbook(services: Application, user: User, result: ScreenResult) -> Path:
    """Write the result workbook to a fresh temporary folder (audited as an export)."""
    from assistant.staff.workbook import write_result

    folder = Path(tempfile.mkdtemp(prefix="screen-"))
    stem = Path(result.get("file") or "筛查").stem
    path = write_result(
        services.knowledge, result, folder / f"筛查结果-{stem}-{result['as_of']}.xlsx"
    )
    services.accounts().audit(user, "screen.export", path.name)
    return path


def install_screen_routes(api: FastAPI, services: Application) -> None:
    """Add ``POST /api/screen``."""
    from assistant.staff.screen import public
    from assistant.web.auth import require

    @api.post("/api/screen", response_model=None)
    async def screen(
        request: Request,
        file: UploadFile,
        as_of: dt.date | None = None,
        format: Literal["json", "xlsx"] = "json",
        save: bool = False,
    ) -> Response | PublicScreenResult:
        user = require(services, request, "staff", "admin")
        data = await file.read(int(services.settings.max_file_mb * 2**20) + 1)
        # a large list takes seconds: off the event loop, so other requests are served
        result = await run_in_threadpool(
            screen_upload,
            services,
            user,
            file.filename or "",
            data,
            as_of or dt.date.today(),
            save=save,
        )
        if format == "json":
            return public(result)
        path = await run_in_threadpool(result_workbook, services, user, result)

        def cleanup() -> None:
            path.unlink(missing_ok=True)
            path.parent.rmdir()

        return FileResponse(
            path, media_type=XLSX, filename=path.name, background=BackgroundTask(cleanup)
        )
