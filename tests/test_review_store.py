"""The review tables on SQLite and on a real PostgreSQL (``ASSISTANT_TEST_DATABASE_URL``, as
tests/test_storage.py): feedback counts, one grade per evaluator and message, promotions."""

from __future__ import annotations

import os
import uuid

import pytest

from assistant.config import Settings
from assistant.errors import InputError
from assistant.review.grade_store import ReviewStore
from assistant.store.db import SessionStore, make_engine

PG_URL = os.environ.get("ASSISTANT_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("no PostgreSQL: set ASSISTANT_TEST_DATABASE_URL (.ci/run does)")
        return make_engine(Settings(data_dir=tmp_path, database_url=PG_URL))
    return make_engine(Settings(data_dir=tmp_path))


def test_grades_feedback_and_promotions_round_trip(engine):
    sessions, store = SessionStore(engine), ReviewStore(engine)
    sid = f"r-{uuid.uuid4().hex}"
    answer = {"answer": "……", "refused": False, "programs": ["hnte"], "citations": []}
    sessions.save_turn(sid, "高企有效期几年？", answer, {}, {})
    mid = sessions.add_feedback(sid, False, "不对")
    sessions.add_feedback(sid, True)
    [logged] = [a for a in store.answers() if a.session_id == sid]
    assert (logged.id, logged.negative, logged.positive) == (mid, 1, 1)
    assert logged.comments == ((False, "不对"),)
    assert logged.programs == ("hnte",)

    amy, bob = f"amy-{uuid.uuid4().hex[:6]}", f"bob-{uuid.uuid4().hex[:6]}"
    assert store.save_grade(mid, amy, "partly", "correct", " 差一点 ") is None
    replaced = store.save_grade(mid, amy, "wrong", "partly")
    assert replaced == {"answer_grade": "partly", "citation_grade": "correct", "comment": "差一点"}
    store.save_grade(mid, bob, "correct", "correct")
    mine = [g for g in store.grades() if g.message_id == mid]
    assert [(g.evaluator, g.answer_grade) for g in mine] == [(amy, "wrong"), (bob, "correct")]
    assert mine[0].programs == ("hnte",)
    assert store.graded_by(amy) == {mid}
    assert store.grade_of(mid, bob) == {
        "answer_grade": "correct",
        "citation_grade": "correct",
        "comment": "",
    }
    with pytest.raises(InputError, match="不存在"):
        store.save_grade(10**9, amy, "wrong", "wrong")
    with pytest.raises(InputError, match="引用评分"):
        store.save_grade(mid, amy, "wrong", "meh")

    before = store.promotion_count()
    store.record_promotion(mid, amy, "高企有效期几年？")
    assert store.promotion_count() == before + 1
