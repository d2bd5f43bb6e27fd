"""Optional LLM phrasing: a langchain tool-calling agent over the assistant's own tools.

Configured by ``ASSISTANT_LLM_BASE_URL``, ``ASSISTANT_LLM_MODEL`` and ``ASSISTANT_LLM_API_KEY``
(any OpenAI-compatible server: vLLM, Ollama, DeepSeek, Qwen). The grounded answer is always
computed first; the agent may only rephrase it, using the tools (search the knowledge base,
assess eligibility, pre-check a checklist, find a template). A guard then checks every
number and every cited article of the LLM's text against the tool outputs and the grounded
answer; on any mismatch, a time-out or an unreachable endpoint the grounded answer is kept
and ``backend`` says so. Verdicts never come from the LLM: ``assessment`` is the engine's.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.core.results import GroundedAnswer

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)
SYSTEM_PROMPT = (
    "你是山东企业资质认定与区域品牌申报的政策助手。只能依据工具返回的内容和“参考答案”作答，"
    "不得编造任何数字、日期、文号或条款；资格结论必须与 assess_eligibility 工具一致。"
    "用简体中文回答，先用一句话直接回答，再给要点，最后列出依据（文件名、文号、条款）。"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CITED = re.compile(r"第[一二三四五六七八九十百零〇\d]+条|〔\d{4}〕\d+号")


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured OpenAI-compatible chat model, or None (grounded answers only)."""
    if not settings.llm_base_url or not settings.llm_model:
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
        timeout=settings.llm_timeout,
        max_retries=0,
        temperature=0,
    )


Tools = dict[str, Callable[..., str]]


def unsupported(text: str, evidence: str) -> list[str]:
    """Numbers and article references in ``text`` that ``evidence`` does not contain.

    >>> unsupported("比例不低于5%，第十一条", "……不低于5%……第十一条……")
    []
    >>> unsupported("比例不低于8%", "不低于5%")
    ['8']
    """
    plain = evidence.replace(",", "")
    missing = [n for n in _NUMBER.findall(text.replace(",", "")) if n not in plain]
    missing += [c for c in _CITED.findall(text) if c not in evidence]
    return list(dict.fromkeys(missing))


_VERDICT_WORDS = {
    "eligible": ("符合",),
    "not_eligible": ("不符合",),
    "insufficient_info": ("无法判断", "资料不足", "补充"),
    "needs_review": ("评审",),
}


def verdict_conflicts(text: str, assessment: Any) -> list[str]:
    """The engine's verdicts the text fails to state (or contradicts).

    >>> verdict_conflicts("目前不符合条件", {"verdict": "not_eligible", "program": "hnte"})
    []
    >>> verdict_conflicts("完全符合条件", {"verdict": "not_eligible", "program": "hnte"})
    ['verdict hnte']
    """
    results = assessment if isinstance(assessment, list) else [assessment] if assessment else []
    bad = []
    for r in results:
        words = _VERDICT_WORDS[r["verdict"]]
        stated = any(w in text for w in words)
        contradicted = r["verdict"] == "eligible" and "不符合" in text
        if not stated or contradicted:
            bad.append(f"verdict {r['program']}")
    return bad


class LLMPhraser:
    """Rephrases a grounded answer with a tool-calling agent, behind the guard.

    Args:
        model: A langchain chat model that supports tool calling.
        tools: Tool name -> function returning text (the agent's only sources).
        name: Model name for ``backend`` (``llm:<name>``).
    """

    def __init__(self, model: BaseChatModel, tools: Tools, name: str) -> None:
        """Build the agent."""
        from langchain.agents import create_agent
        from langchain_core.tools import StructuredTool

        self.name = name
        self.outputs: list[str] = []
        wrapped = [
            StructuredTool.from_function(
                self._recording(fn), name=tool_name, description=fn.__doc__ or tool_name
            )
            for tool_name, fn in tools.items()
        ]
        self.agent = create_agent(model, tools=wrapped, system_prompt=SYSTEM_PROMPT)

    def _recording(self, fn: Callable[..., str]) -> Callable[..., str]:
        """The tool, recording its output as evidence for the guard (signature kept, so the
        tool's argument schema is the function's)."""

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> str:
            out = fn(*args, **kwargs)
            self.outputs.append(out)
            return out

        return call

    def phrase(self, question: str, grounded: GroundedAnswer) -> GroundedAnswer:
        """The LLM's answer if it passes the guard, else the grounded one (never raises)."""
        self.outputs = []
        prompt = f"问题：{question}\n\n参考答案（已核实）：\n{grounded['answer']}"
        try:
            state = self.agent.invoke({"messages": [{"role": "user", "content": prompt}]})
            text = str(state["messages"][-1].content).strip()
        except Exception as exc:  # an endpoint down or timing out must not break a turn
            log.warning("LLM unavailable, keeping the grounded answer: %s", exc)
            return {
                **grounded,
                "backend": "grounded",
                "llm_fallback": f"unavailable: {type(exc).__name__}",
            }
        evidence = (
            grounded["answer"]
            + "\n"
            + "\n".join(self.outputs)
            + "\n"
            + json.dumps(grounded.get("citations", []), ensure_ascii=False)
        )
        bad = unsupported(text, evidence) + verdict_conflicts(text, grounded.get("assessment"))
        if not text or bad:
            log.warning("LLM answer rejected by the guard: %s", bad)
            return {**grounded, "backend": "grounded", "llm_fallback": f"unsupported: {bad}"}
        return {**grounded, "answer": text, "backend": f"llm:{self.name}"}
