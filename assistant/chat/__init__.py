"""The chat: dialogue state, answers composed from passages and engine verdicts. Used
through :class:`assistant.application.Application`; modules are imported by path.
"""

__all__: list[str] = []
