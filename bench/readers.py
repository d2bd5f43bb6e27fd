"""Benchmark the document readers: text PDFs, OCR of scans, and a mixed folder end to end.

Reports, as JSON and a Markdown table (``bench-results/readers.{json,md}``):
- text-layer PDF pages per second (pypdf + cleaning), with per-page percentiles;
- OCR pages per second on stamped, skewed, noisy A4 scans at 150 dpi (rapidocr on the
  CPU), per-page percentiles, and the one-off engine load time;
- end-to-end ingestion of a mixed folder (scan PDF, text PDF, .docx, .html, GBK .txt,
  .xlsx, .csv) into a fresh store: seconds, files/s, and the time each reader took;
- peak memory.

The files are rendered from the real texts in tests/data/real by tests/formatgen.py.
Usage: .venv/bin/python -m bench.readers [--scan-pages 3] [--pdf-pages 60]
       [--embeddings hashing|e5] [--out bench-results]
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import tempfile
import time
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings, offline_environment
from assistant.factory import build_search
from assistant.search.readers import read_document
from bench.common import machine, peak_rss_mb, percentiles, write_report
from tests.docgen import make_pdf
from tests.formatgen import (
    make_contacts_docx,
    make_gov_page,
    make_recognised_xlsx,
    make_scan_pdf,
    real_text,
    render_scan,
    simplified,
)

MB = 2**20


def _page_times(path: Path) -> tuple[list[float], float, int]:
    """Per-page reading times (ms, wall clock) of a PDF from the reader's own page callbacks,
    the process CPU seconds it took (on a shared machine wall time includes waiting), and
    the pages OCR'd."""
    marks = [time.perf_counter()]
    cpu = time.process_time()
    doc = read_document(
        path, max_bytes=200 * MB, on_page=lambda d, t: marks.append(time.perf_counter())
    )
    cpu_s = time.process_time() - cpu
    return [(b - a) * 1000 for a, b in itertools.pairwise(marks)], cpu_s, doc.ocr_pages


def _scan_pages(n: int) -> list:
    texts = [real_text("zjtx_9th_batch_notice.txt"), real_text("jinan_zjtx_consultation.txt")]
    return [
        render_scan(
            texts[i % 2].split("\n"), stamp="山东省中小企业局", seed=i, skew=(-1) ** i * 1.2
        )
        for i in range(n)
    ]


def _mixed_folder(folder: Path, scan_pages: int) -> None:
    notice = real_text("zjtx_9th_batch_notice.txt")
    jinan = real_text("jinan_zjtx_consultation.txt")
    z2020 = simplified(real_text("zjtx_2020_notice.txt")).split("\n")
    make_scan_pdf(folder / "scan.pdf", _scan_pages(scan_pages))
    make_pdf(folder / "text.pdf", (notice.split("\n") + jinan.split("\n")) * 10)
    make_contacts_docx(folder / "contacts.docx", jinan, header="济南市工业和信息化局")
    make_gov_page(
        folder / "page.html",
        title=z2020[0],
        issuer="山东省工业和信息化厅",
        date="2020-12-11",
        doc_no=z2020[1],
        body=z2020[2:],
    )
    (folder / "news.txt").write_bytes(real_text("haopin_shandong_weifang_news.txt").encode("gbk"))
    make_recognised_xlsx(folder / "list.xlsx")
    rows = ["企业名称,称号,认定年度", "北谷电子有限公司,省级专精特新中小企业,2020"] * 50
    (folder / "list.csv").write_text("\n".join(rows[:1] + rows[1::2]), encoding="utf-8")


def main() -> None:
    """Run the benchmark and write the report."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--scan-pages", type=int, default=3)
    parser.add_argument("--pdf-pages", type=int, default=60)
    parser.add_argument("--embeddings", choices=["hashing", "e5"], default="hashing")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-readers-"))
    try:
        notice = real_text("zjtx_9th_batch_notice.txt").split("\n")
        text_pdf = make_pdf(work / "text.pdf", notice * (args.pdf_pages * 4))
        pdf_ms, _, _ = _page_times(text_pdf)

        from assistant.search import ocr

        t0 = time.perf_counter()
        ocr._engine()  # the one-off load, outside the per-page timing
        load_s = time.perf_counter() - t0
        scan_ms, scan_cpu_s, ocr_pages = _page_times(
            make_scan_pdf(work / "scan.pdf", _scan_pages(args.scan_pages))
        )

        folder = work / "mixed"
        folder.mkdir()
        _mixed_folder(folder, 2)
        settings = Settings(data_dir=work / "data", embeddings=args.embeddings)
        stack = build_search(settings)
        t0 = time.perf_counter()
        results = stack.indexer.ingest_files([folder])
        mixed_s = time.perf_counter() - t0
        per_reader: dict[str, float] = {}
        for path in sorted(folder.iterdir()):
            if path.name == "scan.pdf":
                continue  # OCR is measured above
            t1 = time.perf_counter()
            doc = read_document(path, max_bytes=200 * MB)
            per_reader[f"{path.name} ({doc.reader})"] = round(time.perf_counter() - t1, 3)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "machine": machine(),
        "text_pdf": {
            "pages": len(pdf_ms),
            "pages_per_s": round(len(pdf_ms) / (sum(pdf_ms) / 1000), 1),
            **percentiles(pdf_ms),
        },
        "ocr": {
            "engine_load_s": round(load_s, 2),
            "pages": ocr_pages,
            "pages_per_s": round(len(scan_ms) / (sum(scan_ms) / 1000), 3),
            "cpu_s_per_page": round(scan_cpu_s / max(ocr_pages, 1), 2),
            **percentiles(scan_ms),
        },
        "mixed_folder": {
            "files": len(results),
            "statuses": sorted({r.status for r in results}),
            "chunks": sum(r.chunks for r in results),
            "seconds": round(mixed_s, 2),
            "files_per_s": round(len(results) / mixed_s, 2),
            "embeddings": args.embeddings,
            "read_seconds_by_file": per_reader,
        },
        "peak_rss_mb": peak_rss_mb(),
    }
    text_pdf, scan = result["text_pdf"], result["ocr"]
    rows = [
        (
            "text PDF",
            f"{text_pdf['pages_per_s']} pages/s "
            f"(p50 {text_pdf['p50_ms']} ms, p95 {text_pdf['p95_ms']} ms a page)",
        ),
        (
            "OCR (stamped, skewed, noisy A4 scan)",
            f"{scan['pages_per_s']} pages/s (p50 {scan['p50_ms'] / 1000:.1f} s, "
            f"p95 {scan['p95_ms'] / 1000:.1f} s a page; {scan['cpu_s_per_page']} CPU-s a page)",
        ),
        ("OCR engine load (once per process)", f"{load_s:.1f} s"),
        (
            "mixed folder end to end",
            f"{len(results)} files, {result['mixed_folder']['chunks']} chunks "
            f"in {mixed_s:.1f} s ({args.embeddings} embedder)",
        ),
        *[(f"read {name}", f"{secs} s") for name, secs in per_reader.items()],
        ("peak memory", f"{result['peak_rss_mb']} MiB"),
    ]
    write_report("readers", result, rows, args.out)


if __name__ == "__main__":
    main()
