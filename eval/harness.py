"""The evaluation harness: build what the sets need, run them, collect one result dict.

The seam is :class:`Target`: :func:`evaluate` takes an already built retriever and chat
assistant, so tests can hand it a chat assistant with a fake LLM, the real e5 embedder
behind the test vector cache, or the hashing embedder, while :func:`build_target` wires the
product exactly as the app does (``build_search`` + ``build_chat``). Heavy libraries
(torch, chromadb) are imported only when a set needs search.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.errors import BadInput
from eval.metrics import percentile
from eval.sets import EvalSets

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.config import Settings
    from assistant.core.knowledge import Knowledge
    from assistant.search.embedder import NamedEmbeddings

ANSWER_CHARS = 1500  # how much of an answer a failure keeps (reports stay readable)
SEARCH_SETS = {"retrieval", "answers", "dialogues", "held_out"}


@dataclass
class Target:
    """What is evaluated: the knowledge base, and (for the sets that need them) the
    retriever and the chat assistant."""

    knowledge: Knowledge
    retriever: Any = None
    chat: Any = None
    backend: str = "grounded"
    embeddings: str = ""
    indexer: Any = None  # uploads documents for the held-out news questions


def work_settings(settings: Settings, work_dir: Path) -> Settings:
    """Settings for the throwaway index and sessions of a run: a local chroma store and
    SQLite in ``work_dir`` (never the app's store or database), no LLM (added explicitly)."""
    return settings.model_copy(
        update={
            "data_dir": work_dir,
            "chroma_url": None,
            "database_url": None,
            "llm_base_url": None,
            "llm_model": None,
        }
    )


def llm_model(settings: Settings) -> BaseChatModel:
    """The configured OpenAI-compatible model.

    Raises:
        BadInput: ``ASSISTANT_LLM_BASE_URL`` or ``ASSISTANT_LLM_MODEL`` is not set.
    """
    from assistant.chat.llm import make_chat_model

    for name in ("llm_base_url", "llm_model"):
        if not getattr(settings, name):
            raise BadInput(f"--backend llm needs ASSISTANT_{name.upper()} to be set")
    model = make_chat_model(settings)
    assert model is not None  # both settings are present
    return model


def build_target(
    settings: Settings,
    work_dir: Path,
    sets: list[str],
    *,
    backend: str = "grounded",
    embeddings: NamedEmbeddings | None = None,
    chat_model: BaseChatModel | None = None,
) -> Target:
    """Wire the product for the selected sets.

    Args:
        settings: The user's settings (embedder choice, model and vector cache in its data
            dir, knowledge dir, LLM endpoint).
        work_dir: Where this run's index and sessions live.
        sets: The selected set names (eligibility alone needs no search stack).
        backend: ``grounded`` or ``llm`` (the LLM rephrases answers behind the guard).
        embeddings: An embedder to use instead of the one the settings select.
        chat_model: A chat model to use instead of the configured endpoint (tests).

    Raises:
        BadInput: an unknown backend, or ``llm`` without an endpoint configured.
    """
    from assistant.core.knowledge import load_knowledge

    if backend not in ("grounded", "llm"):
        raise BadInput(f"unknown backend {backend!r}; choose grounded or llm")
    model = (chat_model or llm_model(settings)) if backend == "llm" else None
    if not SEARCH_SETS & set(sets):
        return Target(load_knowledge(settings.knowledge_dir), backend=backend)
    from assistant.factory import build_chat, build_search
    from assistant.search.embeddings import make_embeddings

    work = work_settings(settings, work_dir)
    stack = build_search(work, embeddings=embeddings or make_embeddings(settings))
    stack.indexer.index_knowledge(stack.knowledge)
    chat = build_chat(work, stack)
    warm_up(stack.retriever, chat)
    if model is not None:
        chat.use_llm(model, settings.llm_model or "llm")
    return Target(
        stack.knowledge, stack.retriever, chat, backend, stack.embeddings.name, stack.indexer
    )


def warm_up(retriever: Any, chat: Any) -> None:
    """Load the embedding model, the keyword index and the database before anything is
    timed, so latency figures are those of a running service, not of a cold start. Runs
    before the LLM is attached, so a scripted test model sees only the evaluated turns."""
    retriever.search("高新技术企业认定条件", 5)
    leads = getattr(chat, "leads", None)
    if leads is not None:  # lead sentences of the knowledge base (cached after one run)
        index = retriever.keyword_index()
        leads.warm([str(c.metadata.get("display") or c.text) for c in index.chunks])
    chat.ask("高企的认定条件有哪些？", as_of=dt.date(2026, 11, 22))


def _clip(value: Any) -> str:
    text = str(value)
    return text if len(text) <= ANSWER_CHARS else text[:ANSWER_CHARS] + "…"


def _per_program(
    groups: dict[str, list[Any]], fn: Callable[[list[Any]], Mapping[str, float | None]]
) -> Any:
    return {p: {**fn(rows), "items": len(rows)} for p, rows in sorted(groups.items())}


def _group(rows: list[Any], programs: Callable[[Any], list[str]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for row in rows:
        for p in programs(row):
            out.setdefault(p, []).append(row)
    return out


def _run_retrieval(target: Target, sets: EvalSets, out: dict[str, Any]) -> None:
    from eval import retrieval

    results = retrieval.run(target.retriever, sets.retrieval or [])
    out["retrieval"] = {**retrieval.metrics(results), "items": len(results)}
    groups = _group(results, lambda r: [r.item.program])
    out["per_program_sets"]["retrieval"] = _per_program(groups, retrieval.metrics)
    for r in results:
        if not r.relevant & set(r.ranked[:5]):
            out["failures"].append(
                {
                    "set": "retrieval",
                    "program": r.item.program,
                    "question": r.item.question,
                    "expected": list(r.item.expected),
                    "answer": ", ".join(r.ranked[:5]),
                    "reasons": ["no expected article in the top 5"],
                }
            )


def _run_answers(target: Target, sets: EvalSets, out: dict[str, Any]) -> None:
    from eval import answers

    results = answers.run(target.chat, sets.answers or [])
    backends: dict[str, int] = {}
    for r in results:
        name = str(r.answer.get("backend", "grounded"))
        backends[name] = backends.get(name, 0) + 1
    kinds = _group(results, lambda r: [r.item.kind])
    out["answers"] = {
        **answers.metrics(results),
        "items": len(results),
        "backends": backends,
        "per_kind": _per_program(kinds, answers.metrics),
    }
    groups = _group(results, lambda r: r.item.programs)
    out["per_program_sets"]["answers"] = _per_program(groups, answers.metrics)
    out["latency_samples"] += [(tuple(r.item.programs), r.ms) for r in results]
    for r in results:
        if not r.passed:
            expected = {"must_contain": r.item.must_contain, "must_cite": r.item.must_cite}
            out["failures"].append(
                {
                    "set": "answers",
                    "program": ",".join(r.item.programs),
                    "question": r.item.question,
                    "expected": {**expected, "refuse": r.item.refuse},
                    "answer": _clip(r.answer.get("answer", "")),
                    "reasons": r.reasons,
                }
            )


def _run_eligibility(target: Target, sets: EvalSets, out: dict[str, Any]) -> None:
    from eval import eligibility

    results = eligibility.run(target.knowledge, sets.eligibility or [])
    out["eligibility"] = {**eligibility.metrics(results), **eligibility.counts(results)}
    groups = _group(results, lambda r: [r.program])
    out["per_program_sets"]["eligibility"] = _per_program(groups, eligibility.metrics)
    for r in results:
        if r.problems:
            out["failures"].append(
                {
                    "set": "eligibility",
                    "program": r.program,
                    "question": str(r.case.get("name")),
                    "expected": r.case["expect"],
                    "answer": f"verdict {r.verdict}; {r.statuses}",
                    "reasons": r.problems,
                }
            )


def _run_dialogues(target: Target, sets: EvalSets, out: dict[str, Any]) -> None:
    from eval import dialogues

    results = dialogues.run(target.chat, sets.dialogues or [])
    turns = sum(len(r.turns) for r in results)
    out["dialogues"] = {**dialogues.metrics(results), "dialogues": len(results), "turns": turns}
    groups = _group(results, lambda r: list(r.dialogue.programs))
    out["per_program_sets"]["dialogues"] = _per_program(groups, dialogues.metrics)
    out["latency_samples"] += [(r.dialogue.programs, t.ms) for r in results for t in r.turns]
    for r in results:
        for i, t in enumerate(r.turns, 1):
            if not t.passed:
                out["failures"].append(
                    {
                        "set": "dialogues",
                        "program": ",".join(r.dialogue.programs),
                        "question": f"{r.dialogue.name} — turn {i}: {t.turn.say}",
                        "expected": t.turn.expect,
                        "answer": _clip(t.answer.get("answer", "")),
                        "reasons": t.reasons,
                    }
                )


def _run_held_out(target: Target, sets: EvalSets, out: dict[str, Any]) -> None:
    from eval import held_out

    assert sets.held_out is not None
    metrics, (ms, failures) = held_out.run(target.chat, sets.held_out, target.indexer)
    out["held_out"] = metrics
    out["latency_samples"] += [(("general",), x) for x in ms]
    out["failures"] += failures


RUNNERS: dict[str, Callable[[Target, EvalSets, dict[str, Any]], None]] = {
    "retrieval": _run_retrieval,
    "answers": _run_answers,
    "eligibility": _run_eligibility,
    "dialogues": _run_dialogues,
    "held_out": _run_held_out,
}


def _latency(samples: list[float]) -> dict[str, Any]:
    return {
        "p50_ms": round(percentile(samples, 50), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "turns": len(samples),
    }


def _assemble(out: dict[str, Any], sets: EvalSets) -> dict[str, Any]:
    """Sections, counts, per-program figures and latency from the runners' output."""
    result: dict[str, Any] = {n: out[n] for n in sets.names}
    samples: list[tuple[tuple[str, ...], float]] = out["latency_samples"]
    if samples:
        all_ms = [ms for _, ms in samples]
        result["latency"] = {**_latency(all_ms), "samples_ms": [round(ms, 1) for ms in all_ms]}
    per_program: dict[str, dict[str, Any]] = {}
    for name, groups in out["per_program_sets"].items():
        for program, values in groups.items():
            per_program.setdefault(program, {})[name] = values
    for program in per_program:
        mine = [ms for programs, ms in samples if program in programs]
        if mine:
            per_program[program]["latency"] = _latency(mine)
    result["per_program"] = dict(sorted(per_program.items()))
    result["counts"] = {
        "retrieval": len(sets.retrieval or []),
        "answers": len(sets.answers or []),
        "eligibility_cases": len(sets.eligibility or []),
        "dialogues": len(sets.dialogues or []),
        "dialogue_turns": sum(len(d.turns) for d in sets.dialogues or []),
        "failures": len(out["failures"]),
    }
    result["failures"] = out["failures"]
    return result


def evaluate(sets: EvalSets, target: Target) -> dict[str, Any]:
    """Run every loaded set against the target and return the result (JSON-ready).

    Keys: one section per set (``retrieval``, ``answers``, ``eligibility``, ``dialogues``)
    with its metrics, ``latency`` (answer and dialogue turns), ``per_program`` (each
    section's metrics restricted to the items of a program), ``counts``, ``failures``
    (question, expected, the answer given, why) and ``meta``.
    """
    start = time.perf_counter()
    out: dict[str, Any] = {"failures": [], "per_program_sets": {}, "latency_samples": []}
    for name in sets.names:
        if name in SEARCH_SETS and (target.retriever is None or target.chat is None):
            raise BadInput(f"set {name} needs a search stack and a chat assistant")
        RUNNERS[name](target, sets, out)
    result = _assemble(out, sets)
    result["meta"] = {
        "finished": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sets": sets.names,
        "folders": sets.folders,
        "backend": target.backend,
        "embeddings": target.embeddings,
        "seconds": round(time.perf_counter() - start, 1),
    }
    return result
