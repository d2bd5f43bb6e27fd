"""Template matching quality over thresholds, on tests/data/template_pairs.yaml (real e5).

For each pair the question is scored against its template's triggers exactly as the chat
does (e5 ``query:`` cosine, best trigger, programs the question names must be among the
template's tags: :class:`assistant.templates.matcher.TemplateMatcher`). Reports precision
and recall of "matches" over a range of thresholds, the configured one marked, and the
closest negative / weakest positive so the margin is visible.

Writes bench-results/templates.{json,md}.
Usage: .venv/bin/python -m bench.templates [--embeddings e5|hashing]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from assistant.config import PROJECT_ROOT, Settings, offline_environment
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.search.retrieval import ProgramDetector
from assistant.templates.matcher import TemplateMatcher, programs_agree
from assistant.templates.topics import topics_agree

PAIRS = PROJECT_ROOT / "tests" / "data" / "template_pairs.yaml"
THRESHOLDS = [round(0.80 + i * 0.01, 2) for i in range(19)]


def make_matcher(settings: Settings, knowledge: Knowledge, embeddings: Any) -> TemplateMatcher:
    """A matcher as the chat builds it (no store: only similarities are asked for)."""
    from sqlalchemy import create_engine

    from assistant.factory import build_templates

    return build_templates(settings, knowledge, embeddings, create_engine("sqlite://"))


def load_pairs(path: Path = PAIRS) -> dict[str, Any]:
    """The pair file: templates, positives, negatives."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def score_pairs(
    matcher: TemplateMatcher, knowledge: Knowledge, pairs: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each pair with its best-trigger cosine and whether the programs agree."""
    detector = ProgramDetector(knowledge.glossary.program_names)
    out = []
    for label, expected in (("positives", True), ("negatives", False)):
        for pair in pairs[label]:
            template = pairs["templates"][pair["template"]]
            question = pair["question"]
            # as TemplateMatcher.rank: the best trigger on the same topic, if any
            agree, score = max(
                (topics_agree(question, t), matcher.similarity(question, t))
                for t in template["triggers"]
            )
            named = detector.detect(question)
            out.append(
                {
                    "template": pair["template"],
                    "question": question,
                    "expected": expected,
                    "score": round(score, 4),
                    "programs_agree": programs_agree(named, template["programs"]),
                    "topics_agree": agree,
                }
            )
    return out


def metrics(scored: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """Precision and recall of the full decision (cosine, programs, topic) at a threshold,
    and the false positives of the cosine alone (what the two rules add)."""
    predicted = [
        s["score"] >= threshold and s["programs_agree"] and s["topics_agree"] for s in scored
    ]
    tp = sum(1 for s, p in zip(scored, predicted, strict=True) if p and s["expected"])
    fp = sum(1 for s, p in zip(scored, predicted, strict=True) if p and not s["expected"])
    positives = sum(1 for s in scored if s["expected"])
    cosine_fp = sum(1 for s in scored if not s["expected"] and s["score"] >= threshold)
    return {
        "threshold": threshold,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / positives, 4) if positives else 0.0,
        "false_positives": fp,
        "false_negatives": positives - tp,
        "negatives_above_threshold_by_cosine_alone": cosine_fp,
    }


def main() -> None:
    """Score the pairs and write the report."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--embeddings", choices=["e5", "hashing"], default="e5")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    args = parser.parse_args()
    from assistant.search.embeddings import make_embeddings

    settings = Settings(embeddings=args.embeddings, data_dir=PROJECT_ROOT / "data")
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    matcher = make_matcher(settings, knowledge, make_embeddings(settings))
    pairs = load_pairs()
    scored = score_pairs(matcher, knowledge, pairs)
    rows = [metrics(scored, t) for t in sorted({*THRESHOLDS, settings.template_threshold})]
    positives = [s for s in scored if s["expected"]]
    vetoed = [s for s in positives if not (s["programs_agree"] and s["topics_agree"])]
    negatives = [s for s in scored if not s["expected"]]
    agreeing = [s for s in negatives if s["programs_agree"] and s["topics_agree"]]
    result = {
        "embeddings": args.embeddings,
        "configured_threshold": settings.template_threshold,
        "positives": len(positives),
        "negatives": len(negatives),
        "weakest_positive": min(positives, key=lambda s: s["score"]),
        "positives_vetoed_by_rules": vetoed,
        "closest_negative_passing_both_rules": max(
            agreeing, key=lambda s: s["score"], default=None
        ),
        "closest_negative_any": max(negatives, key=lambda s: s["score"]),
        "by_threshold": rows,
        "pairs": scored,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "templates.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    lines = [
        f"Template matching on {len(positives)} positive and {len(negatives)} negative pairs "
        f"({args.embeddings}); configured threshold {settings.template_threshold} (**bold**).",
        "",
        "| threshold | precision | recall | FP | FN | negatives ≥ threshold by cosine alone |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        mark = "**" if r["threshold"] == settings.template_threshold else ""
        lines.append(
            f"| {mark}{r['threshold']}{mark} | {r['precision']} | {r['recall']} | "
            f"{r['false_positives']} | {r['false_negatives']} | "
            f"{r['negatives_above_threshold_by_cosine_alone']} |"
        )
    table = "\n".join(lines) + "\n"
    (args.out / "templates.md").write_text(table)
    print(table)
    for key in ("weakest_positive", "closest_negative_passing_both_rules", "closest_negative_any"):
        print(key, json.dumps(result[key], ensure_ascii=False))


if __name__ == "__main__":
    main()
