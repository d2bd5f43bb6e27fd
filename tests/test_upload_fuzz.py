"""Hostile uploads: a zip bomb dressed as .docx, a PDF with a huge page count, an unknown
text encoding, names with ../ and control characters. Each gets a 400 naming the file and
the problem, quickly, and nothing is indexed or left behind."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from fastapi.testclient import TestClient

from assistant.application import Application
from assistant.config import Settings
from assistant.web.api import create_api
from tests.conftest import FIXTURE_KB


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    data = tmp_path_factory.mktemp("upfuzz")
    services = Application(Settings(data_dir=data, knowledge_dir=FIXTURE_KB, embeddings="hashing"))
    services.accounts().add_user("wang", "staff", "a-long-secret-42")
    token = services.accounts().create_token("wang")
    return services, TestClient(create_api(services)), {"Authorization": f"Bearer {token}"}


def _upload(env, name: str, data: bytes):
    _, client, auth = env
    start = time.monotonic()
    r = client.post("/api/documents", files={"file": (name, data)}, headers=auth)
    return r, time.monotonic() - start


def _zip_bomb(unpacked_mb: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b" " * 2**20
            for _ in range(unpacked_mb):
                member.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_docx_is_refused_before_it_is_unpacked(env):
    bomb = _zip_bomb(250)
    assert len(bomb) < 2 * 2**20  # small on the wire
    r, seconds = _upload(env, "通知.docx", bomb)
    assert r.status_code == 400, r.text
    assert "unpacks to" in r.json()["error"]["message"]
    assert seconds < 10


def test_a_pdf_with_a_huge_page_count_is_refused_before_extraction(env):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(5000):
        writer.add_blank_page(width=72, height=72)
    out = io.BytesIO()
    writer.write(out)
    r, seconds = _upload(env, "附件.pdf", out.getvalue())
    assert r.status_code == 400, r.text
    assert "5000 pages" in r.json()["error"]["message"]
    assert seconds < 30


@pytest.mark.parametrize(
    "data",
    [
        b"\x80\xff\xfe" * 200,  # neither UTF-8 nor GB18030
        "高新技术企业认定的研发费用比例".encode("utf-16"),  # UTF-16 with a BOM
    ],
)
def test_text_in_an_unknown_encoding_is_refused_or_read_correctly(env, data):
    r, _ = _upload(env, "公告.txt", data)
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert "公告.txt" in r.json()["error"]["message"]
    else:
        services = env[0]
        texts = [c.text for c in services.search_stack().store.iter_chunks()]
        assert any("研发费用比例" in t for t in texts)


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd.txt", "..\\..\\win.txt", "a\x00b.txt", "\u202etxt.exe", "....txt", ""],
)
def test_hostile_names_stay_inside_uploads_or_are_refused(env, name):
    services = env[0]
    r, _ = _upload(env, name, "高新技术企业认定条件说明。".encode())
    assert r.status_code in (200, 400), r.text
    uploads = services.settings.data_dir / "uploads"
    for path in uploads.rglob("*") if uploads.exists() else []:
        assert path.resolve().is_relative_to(uploads.resolve())
        assert all(ch.isprintable() for ch in path.name)
    assert not list(services.settings.data_dir.parent.glob("*.txt"))
