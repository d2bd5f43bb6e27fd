"""Test doubles that implement the real interfaces (no MagicMock)."""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage


class ScriptedChatModel(GenericFakeChatModel):
    """A chat model that replays scripted messages (tool calls included) and records the
    prompts it saw. langchain's fakes refuse ``bind_tools``; this one accepts it."""

    seen: ClassVar[list[Any]] = []

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        return self

    def _generate(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Any:
        type(self).seen.append(messages)
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def script(*steps: AIMessage) -> ScriptedChatModel:
    """A model that answers with these messages in order."""
    ScriptedChatModel.seen = []
    return ScriptedChatModel(messages=iter(steps))


def tool_call(name: str, **args: Any) -> AIMessage:
    """An AI message that calls one tool."""
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call-{name}"}])
