"""The web edge: the JSON API, the Gradio pages, identity checks and the worker front.
Started by :func:`assistant.web.server.serve`; modules are imported by path.
"""

__all__: list[str] = []
