"""The review routes over HTTP: tokens and roles, queue, grading, promotion, dashboard."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from fastapi.testclient import TestClient

from assistant.application import Application
from assistant.config import Settings
from assistant.web.api import create_api
from assistant.web.review_api import install_review_routes
from eval.answers import SETS, load_answer_set

DAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("review-api")
    shutil.copytree(SETS, root / "gold")
    services = Application(
        Settings(data_dir=root / "data", embeddings="hashing", gold_dir=root / "gold")
    )
    services.search_stack().indexer.index_knowledge(services.knowledge)
    refused = services.chat().ask("帮我写一首赞美泉城济南的诗", as_of=DAY)
    services.chat().ask("泉城好品申报需要哪些条件？", as_of=DAY)
    services.chat().sessions.add_feedback(refused["session_id"], False, "应该能回答")
    api = create_api(services)
    install_review_routes(api, services)
    tokens = {}
    for name, role in [("eve", "evaluator"), ("ada", "admin"), ("sam", "staff")]:
        services.accounts().add_user(name, role, "a-long-secret-42")
        tokens[name] = {"Authorization": f"Bearer {services.accounts().create_token(name)}"}
    return TestClient(api), tokens, root / "gold"


def test_the_routes_need_an_evaluator_or_admin_token(setup):
    client, tokens, _ = setup
    assert client.get("/api/reviews/queue").status_code == 401
    assert client.get("/api/reviews/queue", headers=tokens["sam"]).status_code == 403
    body = {"message_id": 1, "answer_grade": "wrong", "citation_grade": "wrong"}
    assert client.post("/api/reviews", json=body, headers=tokens["sam"]).status_code == 403
    assert client.get("/api/reviews/dashboard", headers=tokens["sam"]).status_code == 403
    assert client.get("/api/reviews/queue", headers=tokens["ada"]).status_code == 200


def test_queue_grade_promote_and_dashboard(setup):
    client, tokens, gold = setup
    queue = client.get("/api/reviews/queue", headers=tokens["eve"]).json()
    assert [q["bucket"] for q in queue] == ["negative", "sample"]
    first = queue[0]
    assert first["answer"]["refused"] is True
    assert first["negative"] == 1
    grade = {"message_id": first["message_id"], "answer_grade": "wrong", "citation_grade": "wrong"}
    r = client.post("/api/reviews", json=grade, headers=tokens["eve"])
    assert r.json() == {"message_id": first["message_id"], "evaluator": "eve", "replaced": False}
    again = client.post(
        "/api/reviews", json={**grade, "answer_grade": "partly"}, headers=tokens["eve"]
    )
    assert again.json()["replaced"] is True
    bad = client.post(
        "/api/reviews", json={**grade, "answer_grade": "great"}, headers=tokens["eve"]
    )
    assert bad.status_code == 400
    missing = client.post("/api/reviews", json={**grade, "message_id": 999}, headers=tokens["eve"])
    assert missing.status_code == 400
    assert "消息 #999 不存在" in missing.json()["error"]["message"]
    queue = client.get("/api/reviews/queue", headers=tokens["eve"]).json()
    assert first["message_id"] not in [q["message_id"] for q in queue]

    promote = {
        "message_id": first["message_id"],
        "question": "帮我写一首赞美泉城济南的小诗",
        "program": None,
        "kind": "out_of_scope",
        "refuse": True,
    }
    refused = client.post(
        "/api/reviews/promote", json={**promote, "kind": "poem"}, headers=tokens["eve"]
    )
    assert refused.status_code == 400
    assert "题型 poem 无效" in refused.json()["error"]["message"]
    r = client.post("/api/reviews/promote", json=promote, headers=tokens["eve"])
    assert r.status_code == 200, r.text
    assert r.json()["source"] == f"review #{first['message_id']} by eve"
    [item] = [i for i in load_answer_set(gold) if i.question == promote["question"]]
    assert item.refuse is True

    board = client.get("/api/reviews/dashboard", params={"period": "week"}, headers=tokens["ada"])
    data = board.json()
    assert data["grades"] == 1
    assert data["accuracy"] == 0.5  # partly
    assert data["promoted"] == 1
    assert data["period"] == "week"
    assert data["by_program"][0]["key"] == "(none)"
