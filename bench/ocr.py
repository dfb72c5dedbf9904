"""OCR benchmark: field-level accuracy and seconds per page on generated English court acts.

Runs the real pipeline (rasterise -> deskew/contrast -> easyocr -> field extraction) on
synthetic scans from ``tests/ocr/synthetic.py`` and compares three fields with the ground truth
the pages were printed from: court case number, date of the act and total amount (a document
without an amount, e.g. a refusal, counts as right when no amount is read). Prints JSON.

    .venv/bin/python -m bench.ocr --pages 50
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.config import get_settings
from core.ocr.engine import EasyOcrEngine, read_scan
from core.ocr.extract import extract_fields, values
from tests.ocr.synthetic import make_document, truth_values

FIELDS = {"case_number": "case_number", "act_date": "act_date", "total": "total"}


def run(pages: int, seed: int, detector: str, threads: int | None) -> dict[str, object]:
    settings = get_settings()
    if threads:
        settings = settings.model_copy(update={"ocr_threads": threads})
    started = time.perf_counter()
    engine = EasyOcrEngine(settings, detector=detector)
    engine.reader  # noqa: B018 - load the models once, outside the per-page timing
    load_seconds = time.perf_counter() - started
    per_page: list[float] = []
    right = dict.fromkeys(FIELDS, 0)
    misses: list[dict[str, object]] = []
    for index in range(pages):
        doc = make_document(seed + index, lang="en")
        data = doc.jpeg_bytes(quality=85)
        t0 = time.perf_counter()
        reading = read_scan(data, engine)
        got = values(extract_fields(reading.lines))
        per_page.append(time.perf_counter() - t0)
        print(f"page {index + 1}/{pages}: {per_page[-1]:.1f} s", file=sys.stderr, flush=True)
        truth = truth_values(doc.truth)
        for field, truth_key in FIELDS.items():
            if got.get(field) == truth.get(truth_key):
                right[field] += 1
            else:
                misses.append(
                    {"seed": seed + index, "field": field, "read": got.get(field), "truth": truth.get(truth_key)}
                )
    total_fields = pages * len(FIELDS)
    return {
        "benchmark": "ocr",
        "pages": pages,
        "detector": detector,
        "languages": list(engine.languages),
        "torch_threads": settings.ocr_threads,
        "fields_checked": total_fields,
        "fields_right": sum(right.values()),
        "accuracy": round(sum(right.values()) / total_fields, 4),
        "accuracy_by_field": {k: round(v / pages, 4) for k, v in right.items()},
        "target": 0.95,
        "seconds_per_page_mean": round(statistics.mean(per_page), 2),
        "seconds_per_page_median": round(statistics.median(per_page), 2),
        "model_load_seconds": round(load_seconds, 2),
        "misses": misses[:20],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--detector", choices=("lines", "craft"), default="lines")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: CESSIO_OCR_THREADS)")
    args = parser.parse_args()
    print(json.dumps(run(args.pages, args.seed, args.detector, args.threads), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
