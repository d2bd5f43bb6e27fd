"""The interface every embedder implements: langchain's ``Embeddings`` plus a name and size."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings


class NamedEmbeddings(Embeddings):
    """An ``Embeddings`` that also tells its name and vector size.

    The name keys the vector collection, so vectors of two embedders never mix.
    """

    name: str
    dimensions: int
