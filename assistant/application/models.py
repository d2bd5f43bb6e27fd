"""The embedding model on disk, built before anything needs it."""

from __future__ import annotations

from assistant.config import Settings


def build_models(settings: Settings) -> dict[str, str]:
    """Build the embedding model the settings select (a no-op when built); the folders.

    Several workers would otherwise each find it missing and build it at once.
    """
    if settings.embeddings == "hashing":
        return {}
    from assistant.search.e5_build import ensure_model

    out = {"model_dir": str(ensure_model(settings.model_dir))}
    if settings.onnx_precision:
        from assistant.search.onnx_e5 import ensure_onnx

        out["onnx_dir"] = str(ensure_onnx(settings.model_dir))
    return out


def models_built(settings: Settings) -> bool:
    """Whether the embedding model the settings select is on disk (hashing needs none)."""
    if settings.embeddings == "hashing":
        return True
    from assistant.search.e5_build import is_built

    if not is_built(settings.model_dir):
        return False
    if not settings.onnx_precision:
        return True
    from assistant.search.onnx_e5 import FUSED_FILE, onnx_dir_for

    onnx_dir = onnx_dir_for(settings.model_dir)
    return is_built(onnx_dir) and (onnx_dir / FUSED_FILE).is_file()
