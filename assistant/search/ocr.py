"""Text from scanned pages and photos: RapidOCR (PP-OCR models shipped inside its wheel).

The engine is built once per process, lazily, the first time a scan arrives: importing
this module costs nothing, and start-up never loads onnxruntime. Red seals are washed out
before recognition (an official stamp over the signature block would otherwise turn into
garbage characters), and the recognised boxes are put back into reading order: top to
bottom, lines joined into paragraphs when a line runs to the right margin.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.errors import DocumentError

if TYPE_CHECKING:
    import numpy as np
    from PIL.Image import Image

_ENGINE: Any = None
_ENGINE_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()  # one recognition at a time: 2 cores, and the app keeps serving
_MAX_SIDE = 2400
_SENTENCE_END = "。！？；：!?;:"


@dataclass(frozen=True)
class OcrPage:
    """The text recognised on one image.

    Attributes:
        text: Lines in reading order, paragraphs joined.
        confidence: Mean recognition score of the kept boxes (0..1), 0 when nothing found.
    """

    text: str
    confidence: float


def engine_loaded() -> bool:
    """Whether the OCR engine has been built in this process (start-up checks)."""
    return _ENGINE is not None


def _engine() -> Any:
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            import logging

            try:
                from rapidocr import RapidOCR
            except ImportError as exc:  # pragma: no cover - a broken install
                raise DocumentError(
                    "无法识别扫描件：未安装 OCR 组件 rapidocr；请按 requirements.txt 安装依赖"
                ) from exc
            _ENGINE = RapidOCR()
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        return _ENGINE


def recognise(image: Image) -> OcrPage:
    """Recognise the text of one page image."""
    import numpy as np

    pixels = np.asarray(_prepare(image))
    with _RUN_LOCK:
        result = _engine()(pixels)
    boxes = getattr(result, "boxes", None)
    texts = getattr(result, "txts", None)
    scores = getattr(result, "scores", None)
    if boxes is None or not texts:
        return OcrPage("", 0.0)
    kept = [
        (box, text, float(score))
        for box, text, score in zip(boxes, texts, scores or [1.0] * len(texts), strict=True)
        if text.strip() and float(score) >= 0.5
    ]
    if not kept:
        return OcrPage("", 0.0)
    text = _reading_order([(b, t) for b, t, _ in kept])
    return OcrPage(text, sum(s for _, _, s in kept) / len(kept))


def _prepare(image: Image) -> Image:
    """RGB, at most _MAX_SIDE pixels, red seal ink washed to white."""
    import numpy as np
    from PIL import Image as PILImage

    image = image.convert("RGB")
    if max(image.size) > _MAX_SIDE:
        scale = _MAX_SIDE / max(image.size)
        image = image.resize((int(image.width * scale), int(image.height * scale)))
    arr = np.asarray(image).astype(np.int16)
    red, green, blue = arr[..., 0], arr[..., 1], arr[..., 2]
    # Seal ink is strongly red: a colour signal, so black text under the stamp survives.
    seal = (red > 120) & (red - np.maximum(green, blue) > 50)
    arr[seal] = 255
    return PILImage.fromarray(arr.astype(np.uint8))


def _reading_order(items: list[tuple[Any, str]]) -> str:
    """Group boxes into lines by vertical overlap, order them, join wrapped lines."""
    boxes = [
        (float(b[:, 1].min()), float(b[:, 1].max()), float(b[:, 0].min()), float(b[:, 0].max()), t)
        for b, t in ((_as_array(b), t) for b, t in items)
    ]
    boxes.sort(key=lambda x: (x[0] + x[1]) / 2)
    lines: list[list[tuple[float, float, float, float, str]]] = []
    for box in boxes:
        centre = (box[0] + box[1]) / 2
        if lines:
            last = lines[-1]
            top = sum(b[0] for b in last) / len(last)
            bottom = sum(b[1] for b in last) / len(last)
            if top <= centre <= bottom:
                last.append(box)
                continue
        lines.append([box])
    rows = []
    for line in lines:
        line.sort(key=lambda b: b[2])
        rows.append((min(b[2] for b in line), max(b[3] for b in line), _join_boxes(line)))
    left = min(r[0] for r in rows)
    right = max(r[1] for r in rows)
    span = max(right - left, 1.0)
    out: list[str] = []
    for i, (x0, _, text) in enumerate(rows):
        wrapped_into = (
            i > 0
            and out
            and rows[i - 1][1] >= right - 0.06 * span  # the previous line ran to the margin
            and out[-1][-1] not in _SENTENCE_END
            and x0 <= left + 0.06 * span  # and this one starts at the margin (no indent)
        )
        if wrapped_into:
            out[-1] += text
        else:
            out.append(text)
    return "\n".join(out)


def _join_boxes(line: list[tuple[float, float, float, float, str]]) -> str:
    """Boxes of one line, separated by a space where there is a visible gap."""
    text = line[0][4]
    for prev, box in itertools.pairwise(line):
        height = max(box[1] - box[0], 1.0)
        text += (" " if box[2] - prev[3] > 1.5 * height else "") + box[4]
    return text


def _as_array(box: Any) -> np.ndarray:
    import numpy as np

    return np.asarray(box, dtype=float).reshape(-1, 2)
