"""kill -9 at random moments and at every step between two writes: nothing half-written,
nothing acknowledged lost (real processes; the benchmark runs 50+ points: bench/crash.py)."""

from __future__ import annotations

import random

from bench.crash import app_points, ingest_points, records_points


def test_ingest_killed_anywhere_leaves_no_half_document_and_rerun_completes(tmp_path):
    outcomes = ingest_points(tmp_path, 6, random.Random(18))
    assert len(outcomes) == 6
    assert {o.mode for o in outcomes} >= {"ingest.embedded", "ingest.journaled", "ingest.written"}
    assert [o.problems for o in outcomes if o.problems] == []


def test_templates_grades_and_promotions_survive_kills(tmp_path):
    outcomes = records_points(tmp_path, 4, random.Random(18))
    assert sum(o.acknowledged for o in outcomes) > 0  # the kills landed amid real writes
    assert [o.problems for o in outcomes if o.problems] == []


def test_the_server_killed_amid_uploads_keeps_every_acknowledged_upload(tmp_path):
    outcomes = app_points(tmp_path, 2, random.Random(18))
    assert sum(o.acknowledged for o in outcomes) > 0
    assert [o.problems for o in outcomes if o.problems] == []
