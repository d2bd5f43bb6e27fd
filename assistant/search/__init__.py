"""Reading, cleaning, embedding, indexing and retrieving documents. Used through
:class:`assistant.application.Application`; modules are imported by path.
"""

__all__: list[str] = []
