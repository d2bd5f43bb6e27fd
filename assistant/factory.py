"""Composition: build the search stack from settings, with injection seams for tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.search.chunk_store import ChunkStore, make_chroma_client
from assistant.search.embedder import NamedEmbeddings
from assistant.search.embeddings import make_embeddings
from assistant.search.ingest import Indexer
from assistant.search.journal import Journal
from assistant.search.keyword import Tokenizer
from assistant.search.retrieval import HybridRetriever, ProgramDetector

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from sqlalchemy.engine import Engine

    from assistant.chat.conversation import ChatAssistant
    from assistant.templates.matcher import TemplateMatcher


def build_chat(
    settings: Settings, stack: SearchStack | None = None, engine: Engine | None = None
) -> ChatAssistant:
    """The chat assistant over the search stack, with sessions in the database (``engine``:
    one the caller shares with its other stores; a new one otherwise)."""
    from assistant.chat.conversation import ChatAssistant
    from assistant.chat.llm import make_chat_model
    from assistant.store.db import SessionStore, make_engine

    stack = stack or build_search(settings)
    engine = engine or make_engine(settings)
    chat = ChatAssistant(
        stack.knowledge,
        stack.retriever,
        SessionStore(engine),
        build_templates(settings, stack.knowledge, stack.embeddings, engine),
    )
    model = make_chat_model(settings)
    if model is not None:
        chat.use_llm(model, settings.llm_model or "llm")
    return chat


def build_templates(
    settings: Settings, knowledge: Knowledge, embeddings: NamedEmbeddings, engine: Engine
) -> TemplateMatcher:
    """Staff's answer templates on the shared database, matched with the search embedder."""
    from assistant.store.accounts import AccountStore
    from assistant.templates.matcher import TemplateMatcher
    from assistant.templates.template_store import TemplateStore

    store = TemplateStore(engine, knowledge, AccountStore(engine))
    names = [n for ns in knowledge.glossary.program_names.values() for n in ns]
    names += [p.name for p in knowledge.programs.values()]
    return TemplateMatcher(store, embeddings, settings.template_threshold, names)


@dataclass(frozen=True)
class SearchStack:
    """Everything retrieval needs, wired together."""

    settings: Settings
    knowledge: Knowledge
    embeddings: NamedEmbeddings
    store: ChunkStore
    retriever: HybridRetriever
    indexer: Indexer


def build_search(
    settings: Settings,
    *,
    knowledge: Knowledge | None = None,
    embeddings: NamedEmbeddings | None = None,
    client: ClientAPI | None = None,
    collection: str | None = None,
) -> SearchStack:
    """Wire knowledge, embedder, store, retriever and indexer.

    Nothing is indexed here; call :func:`sync_knowledge` (start-up does).

    Args:
        settings: The settings.
        knowledge: A loaded knowledge base (default: load ``settings.knowledge_dir``).
        embeddings: An embedder (default: the one the settings select).
        client: A chromadb client (default: persistent under the data dir, or the server).
        collection: Collection name (default: ``chunks-<embedder name>``).
    """
    knowledge = knowledge or load_knowledge(settings.knowledge_dir)
    embeddings = embeddings or make_embeddings(settings)
    # "-h2": the HNSW settings changed; a new name makes old data dirs re-index (cheap:
    # passage vectors come from the cache).
    name = collection or f"chunks-{embeddings.name}-h2"
    store = ChunkStore(client or make_chroma_client(settings), name, embedder=embeddings.name)
    glossary = knowledge.glossary
    tokenizer = Tokenizer(
        [*glossary.all_terms(), *(s for v in glossary.synonyms.values() for s in v)],
        glossary.synonyms,
    )
    detector = ProgramDetector(glossary.program_names)
    retriever = HybridRetriever(
        store,
        embeddings,
        tokenizer,
        detector,
        synonyms=glossary.synonyms,
        program_names={p.id: p.name for p in knowledge.programs.values()},
    )
    indexer = Indexer(
        store,
        embeddings,
        detector,
        max_bytes=int(settings.max_file_mb * 2**20),
        max_pages=settings.max_pages,
        batch_size=max(settings.embed_batch_size, 32),
        journal=Journal(settings.index_dir / "journal"),
        tokenizer=tokenizer,
        data_dir=settings.data_dir,
        min_free_bytes=int(settings.min_free_mb * 2**20),
    )
    return SearchStack(settings, knowledge, embeddings, store, retriever, indexer)
