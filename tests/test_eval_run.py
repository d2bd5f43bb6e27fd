"""The evaluation harness end to end: ``python -m eval run`` on a small copy of the sets with
the hashing embedder (JSON keys, report files, comparison with the previous run, the
threshold gate, bad input), the LLM backend through the injection seam with a scripted
model, and (marked ``model``) the full sets with the real e5 model against
eval/thresholds.yaml."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from langchain_core.messages import AIMessage

from assistant.config import PROJECT_ROOT, Settings
from eval.cli import main, run_eval
from eval.sets import SETS_DIR
from tests.fakes import script, tool_call

REQUIRED = {
    "retrieval": {"recall_at_1", "recall_at_5", "mrr", "ndcg_at_10"},
    "answers": {
        "key_fact_accuracy",
        "citation_precision",
        "citation_recall",
        "refusal_precision",
        "refusal_recall",
    },
    "eligibility": {"verdict_accuracy", "condition_accuracy"},
    "dialogues": {"turn_accuracy", "dialogue_accuracy"},
    "latency": {"p50_ms", "p95_ms"},
}


def _dump(path: Path, items: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")


def _load(path: Path) -> list:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture
def small_sets(tmp_path):
    """A few items of each real set, copied to a temporary sets folder."""
    root = tmp_path / "sets"
    _dump(root / "retrieval" / "r.yaml", _load(SETS_DIR / "retrieval" / "srdi.yaml")[:3])
    answers = _load(SETS_DIR / "answers" / "hnte.yaml")[:3]
    refusal = [i for i in _load(SETS_DIR / "answers" / "general.yaml") if i["refuse"]][:1]
    _dump(root / "answers" / "a.yaml", answers + refusal)
    _dump(root / "eligibility" / "e.yaml", _load(SETS_DIR / "eligibility" / "hnte.yaml")[:3])
    _dump(root / "dialogues" / "d.yaml", _load(SETS_DIR / "dialogues" / "eligibility.yaml")[:2])
    for name in ("real_qa", "lead", "scope"):
        for half in ("dev", "test"):
            items = _load(SETS_DIR / "held_out" / name / f"{half}.yaml")[:2]
            _dump(root / "held_out" / name / f"{half}.yaml", items)
    return root


def _thresholds(tmp_path: Path, rules: dict) -> Path:
    path = tmp_path / f"thresholds-{len(rules)}.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    return path


def _cli(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(data), ASSISTANT_EMBEDDINGS="hashing")
    return subprocess.run(
        [sys.executable, "-m", "eval", "run", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_cli_reports_compares_and_gates(tmp_path, small_sets):
    out = tmp_path / "reports"
    gate = _thresholds(tmp_path, {"eligibility.verdict_accuracy": 0.99})
    args = ["--sets-dir", str(small_sets), "--out", str(out), "--thresholds", str(gate)]
    first = _cli([*args, "--json"], tmp_path / "data")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    for section, keys in REQUIRED.items():
        assert keys <= set(result[section]), section
    assert result["eligibility"]["verdict_accuracy"] == 1.0  # the engine passes these cases
    assert result["counts"]["answers"] == 4
    assert result["counts"]["dialogue_turns"] == sum(
        len(d["turns"]) for d in _load(small_sets / "dialogues" / "d.yaml")
    )
    assert result["meta"]["embeddings"].startswith("hashing")
    assert {"innovative_sme", "hnte", "tech_sme"} <= set(result["per_program"])
    assert "answers" in result["per_program"]["hnte"]
    assert result["comparison"]["previous"] is None
    for ext in ("json", "md", "html"):
        assert (out / f"latest.{ext}").is_file()
    html = (out / "latest.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 2  # the bar chart and the histogram, inline
    assert "<script" not in html
    assert "| eligibility.verdict_accuracy | 1 |" in (out / "latest.md").read_text()

    # Break one expected verdict: the second run must fail the gate and flag the regression.
    cases = _load(small_sets / "eligibility" / "e.yaml")
    cases[0]["expect"]["verdict"] = "eligible"  # the engine says needs_review (facts.md H7)
    _dump(small_sets / "eligibility" / "e.yaml", cases)
    second = _cli(args, tmp_path / "data")
    assert second.returncode == 1, second.stderr
    assert "eligibility.verdict_accuracy" in second.stderr
    latest = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert latest["eligibility"]["verdict_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert latest["comparison"]["previous"] == result["meta"]["finished"]
    regressed = [r["metric"] for r in latest["comparison"]["regressions"]]
    assert "eligibility.verdict_accuracy" in regressed
    failure = next(f for f in latest["failures"] if f["set"] == "eligibility")
    assert failure["question"] == cases[0]["name"]
    assert "verdict needs_review" in failure["answer"]
    assert "REGRESSION" in (out / "latest.md").read_text(encoding="utf-8")
    assert len(list(out.glob("eval-*.json"))) == 2  # the history is kept


def test_failures_show_the_question_the_expectation_and_the_answer(tmp_path, small_sets):
    items = _load(small_sets / "answers" / "a.yaml")
    items[0]["must_contain"] = [*items[0]["must_contain"], ["这句话不会出现在任何答案里"]]
    _dump(small_sets / "answers" / "a.yaml", items)
    settings = Settings(data_dir=tmp_path / "data", embeddings="hashing")
    result = run_eval(
        settings, names=["answers"], sets_dir=small_sets, out=tmp_path / "o", thresholds=None
    )
    failure = next(f for f in result["failures"] if f["question"] == items[0]["question"])
    assert ["这句话不会出现在任何答案里"] in failure["expected"]["must_contain"]
    assert any("这句话不会出现" in r for r in failure["reasons"])
    assert failure["answer"]  # the answer actually given
    assert set(result) >= {"answers", "latency", "per_program", "counts", "failures"}
    kinds = result["answers"]["per_kind"]
    assert set(kinds) == {i["kind"] for i in items}
    assert kinds["out_of_scope"]["key_fact_accuracy"] is None  # refusals have no key facts
    assert "retrieval" not in result


def test_eligibility_alone_needs_no_search_stack(tmp_path, small_sets):
    settings = Settings(data_dir=tmp_path / "data", embeddings="e5")  # e5 never loaded
    result = run_eval(
        settings, names=["eligibility"], sets_dir=small_sets, out=tmp_path / "o", thresholds=None
    )
    assert result["meta"]["embeddings"] == ""
    assert result["eligibility"]["cases"] == 3
    assert not (tmp_path / "data" / "models").exists()


def test_the_llm_backend_runs_through_the_injected_model(tmp_path):
    root = tmp_path / "sets"
    item = {
        "question": "高企对科技人员比例有什么要求？",
        "program": "hnte",
        "kind": "threshold",
        "must_contain": [["10%"]],
        "must_cite": ["hnte-tech-staff-ratio"],
        "refuse": False,
        "traditional": False,
    }
    _dump(root / "answers" / "a.yaml", [item, {**item, "question": "高企科技人员占比多少？"}])
    model = script(
        tool_call("search_knowledge", query="高新技术企业 科技人员占职工总数的比例"),
        AIMessage(content="高新技术企业要求科技人员占职工总数的比例不低于10%。"),
    )
    settings = Settings(data_dir=tmp_path / "data", embeddings="hashing", llm_model="fake-qwen")
    result = run_eval(
        settings,
        names=["answers"],
        sets_dir=root,
        backend="llm",
        chat_model=model,
        out=tmp_path / "o",
        thresholds=None,
    )
    # The first answer is the model's; the script then runs out, so the second falls back.
    assert result["answers"]["backends"] == {"llm:fake-qwen": 1, "grounded": 1}
    assert result["meta"]["backend"] == "llm"


def test_bad_input_exits_2_with_a_reason(tmp_path, small_sets, monkeypatch, capsys):
    for key in [k for k in os.environ if k.startswith("ASSISTANT_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS", "hashing")
    base = ["run", "--sets-dir", str(small_sets), "--out", str(tmp_path / "o")]
    cases = [
        (["--set", "nonsense"], "invalid choice"),
        (["--thresholds", str(tmp_path / "missing.yaml")], "missing.yaml"),
        (["--sets-dir", str(tmp_path / "nowhere")], "not found"),
        (["--backend", "llm", "--set", "answers"], "ASSISTANT_LLM_BASE_URL"),
    ]
    for extra, reason in cases:
        assert main([*base, *extra]) == 2, extra
        assert reason in capsys.readouterr().err, extra
    broken = tmp_path / "broken"
    case = {**_load(small_sets / "eligibility" / "e.yaml")[0], "base": "no_such_company"}
    _dump(broken / "eligibility" / "e.yaml", [case])
    assert main([*base, "--sets-dir", str(broken), "--set", "eligibility"]) == 2
    assert "no_such_company" in capsys.readouterr().err
    (broken / "dialogues").mkdir()
    (broken / "dialogues" / "d.yaml").write_text("- name: x\n  turns: [{said: hi}]\n")
    assert main([*base, "--sets-dir", str(broken), "--set", "dialogues"]) == 2
    assert "d.yaml[0] turn 1" in capsys.readouterr().err
    assert main([*base, "--set", "bogus", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "bad_input"
    bad = _thresholds(tmp_path, {"answers.no_such_metric": 0.5})
    assert main([*base, "--set", "eligibility", "--thresholds", str(bad)]) == 0  # not run
    bad = _thresholds(tmp_path, {"eligibility.no_such_metric": 0.5})
    assert main([*base, "--set", "eligibility", "--thresholds", str(bad)]) == 2
    assert "eligibility.no_such_metric" in capsys.readouterr().err


@pytest.mark.model
def test_the_real_model_meets_the_thresholds(tmp_path, e5):
    """The whole harness as CI runs it: every set, the real e5 model (passage vectors from
    the test cache), the thresholds in eval/thresholds.yaml."""
    result = run_eval(Settings(data_dir=tmp_path / "data"), out=tmp_path / "o", embeddings=e5)
    summary = {k: result[k] for k in ("retrieval", "answers", "eligibility", "dialogues")}
    print(json.dumps({**summary, "latency": result["latency"]["p95_ms"]}, ensure_ascii=False))
    failures = [f"[{f['set']}] {f['question']} | {f['reasons']}" for f in result["failures"]]
    print("\n".join(failures))
    assert result["thresholds"]["checked"] >= 10
    assert result["thresholds"]["failed"] == [], failures
    assert result["counts"]["answers"] >= 200
    assert result["counts"]["eligibility_cases"] >= 80
    assert result["counts"]["dialogues"] >= 12


def test_a_later_dialogue_batch_joins_its_half_and_is_reported_on_its_own(tmp_path, small_sets):
    """``dev_2.yaml`` beside ``dev.yaml``: the half covers both files, in writing order."""
    from eval.held_out import load_held_out

    dialogues = _load(SETS_DIR / "dialogues" / "eligibility.yaml")
    folder = small_sets / "held_out" / "dialogues"
    _dump(folder / "dev.yaml", dialogues[:1])
    _dump(folder / "dev_2.yaml", dialogues[1:3])
    _dump(folder / "test.yaml", dialogues[3:4])
    sets = load_held_out(small_sets / "held_out", tmp_path / "no-news")
    assert [len(b) for b in sets.dialogue_batches["dev"]] == [1, 2]
    assert [d.name for d in sets.dialogues["dev"]] == [d["name"] for d in dialogues[:3]]
    assert [len(b) for b in sets.dialogue_batches["test"]] == [1]
