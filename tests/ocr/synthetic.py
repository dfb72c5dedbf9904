"""Synthetic court documents with their ground truth, for the OCR tests and the benchmark.

A generated page looks like what the clerks scan: a court order, a refusal, a cancellation, a
writ or a judgment in one of several layouts, fonts and sizes, with scanner noise, a slight
rotation, a grey background of low contrast and JPEG artefacts. The ground truth is the data the
page was printed from, so accuracy is measured against what the court "wrote", never against
what an OCR run happened to read.

Russian pages are produced too (the text is used by the extraction tests; reading Cyrillic from
the image needs the Cyrillic recogniser, which is not always installed).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansCondensed.ttf", "DejaVuSerifCondensed.ttf")
DOC_TYPES = ("court_order", "refusal", "cancellation", "writ", "judgment")
LAYOUTS = ("classic", "table", "compact")
PAGE_W, PAGE_H = 1654, 2339  # A4 at 200 dpi

_EN_MONTHS = ("January February March April May June July August September October November December").split()
_RU_MONTHS_GEN = ("января февраля марта апреля мая июня июля августа сентября октября ноября декабря").split()

_EN_LAST = ["Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Popov", "Sokolov", "Lebedev", "Kozlov", "Novikov", "Morozov"]
_EN_FIRST = ["Ivan", "Pavel", "Sergey", "Andrey", "Dmitry", "Alexey", "Nikolay", "Oleg", "Maxim", "Roman"]
_EN_MIDDLE = ["Ivanovich", "Petrovich", "Sergeevich", "Andreevich", "Olegovich", "Pavlovich"]
_RU_LAST = ["Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов"]
_RU_FIRST = ["Иван", "Павел", "Сергей", "Андрей", "Дмитрий", "Алексей", "Николай", "Олег", "Максим", "Роман"]
_RU_MIDDLE = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Олегович", "Павлович"]
_EN_DISTRICTS = ["Tverskoy", "Presnensky", "Zamoskvorechye", "Leninsky", "Sovetsky", "Kirovsky", "Oktyabrsky"]
_RU_DISTRICTS = ["Тверского", "Пресненского", "Ленинского", "Советского", "Кировского", "Октябрьского"]
_EN_CITIES = ["Moscow", "Volgograd", "Kazan", "Samara", "Tula", "Omsk"]
_RU_CITIES = ["г. Москвы", "г. Волгограда", "г. Казани", "г. Самары", "г. Тулы", "г. Омска"]
_RU_PLACES = ["г. Москва", "г. Волгоград", "г. Казань", "г. Самара", "г. Тула", "г. Омск"]
_CLAIMANTS_EN = ["PKO Cessio LLC", "Debt Recovery Agency LLC", "PKO Vector LLC"]
_CLAIMANTS_RU = ["ООО ПКО «Цессио»", "ООО «Агентство взыскания»", "ООО ПКО «Вектор»"]

_EN_WORDS_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_EN_WORDS_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


@dataclass
class SyntheticDocument:
    """A rendered page, the text printed on it (line by line) and the ground truth."""

    image: Image.Image
    lines: list[str]
    truth: dict[str, Any]
    lang: str
    layout: str
    font: str
    doc_type: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def jpeg_bytes(self, quality: int = 70) -> bytes:
        buf = io.BytesIO()
        self.image.convert("RGB").save(buf, format="JPEG", quality=quality)
        return buf.getvalue()

    def png_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.image.save(buf, format="PNG")
        return buf.getvalue()

    def pdf_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.image.convert("RGB").save(buf, format="PDF", resolution=200.0)
        return buf.getvalue()


def _en_words(n: int) -> str:
    def below_thousand(x: int) -> str:
        parts: list[str] = []
        h, rest = divmod(x, 100)
        if h:
            parts.append(f"{_EN_WORDS_UNITS[h]} hundred")
        if rest:
            if rest < 20:
                parts.append(_EN_WORDS_UNITS[rest])
            else:
                t, u = divmod(rest, 10)
                parts.append(_EN_WORDS_TENS[t] + (f"-{_EN_WORDS_UNITS[u]}" if u else ""))
        return " ".join(parts)

    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    out = []
    if thousands:
        out.append(f"{below_thousand(thousands)} thousand")
    if rest:
        out.append(below_thousand(rest))
    return " ".join(out)


def _group(whole: int, sep: str) -> str:
    # courts keep an amount on one line: thousands are grouped with a no-break space
    return f"{whole:,}".replace(",", "\u00a0" if sep == " " else sep)


def format_amount_variant(value: Decimal, variant: int, lang: str) -> str:
    """The ways courts print amounts: ``45 300,50``, ``45 300-50``, ``45300.50``, ``45,300.50``."""
    whole = int(value)
    kop = int((value - whole) * 100)
    if variant == 0:
        return f"{_group(whole, ' ')},{kop:02d}"
    if variant == 1:
        return f"{_group(whole, ' ')}-{kop:02d}"
    if variant == 2:
        return f"{whole}.{kop:02d}"
    return f"{_group(whole, ',')}.{kop:02d}" if lang == "en" else f"{_group(whole, ' ')},{kop:02d}"


def format_date_variant(day: dt.date, variant: int, lang: str) -> str:
    if lang == "ru":
        if variant == 0:
            return f"{day:%d.%m.%Y}"
        if variant == 1:
            return f"«{day.day:02d}» {_RU_MONTHS_GEN[day.month - 1]} {day.year} г."
        return f"{day.day} {_RU_MONTHS_GEN[day.month - 1]} {day.year} года"
    if variant == 0:
        return f"{day:%d.%m.%Y}"
    if variant == 1:
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return f"{_EN_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _case_number(rng: random.Random, year: int) -> str:
    kind = rng.random()
    if kind < 0.6:
        return f"2-{rng.randint(1, 4999)}/{year}"
    if kind < 0.8:
        return (
            f"2-AL-{rng.randint(1, 999)}/{year}"
            if rng.random() < 0.5
            else f"2-{rng.randint(10, 99)}-{rng.randint(1, 999)}/{year}"
        )
    return f"33-{rng.randint(1, 9999)}/{year}"


def _uid(rng: random.Random, year: int) -> str:
    return f"{rng.randint(10, 99)}RS{rng.randint(1, 9999):04d}-01-{year}-{rng.randint(1, 999999):06d}-{rng.randint(10, 99)}"


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def document_data(rng: random.Random, lang: str, doc_type: str) -> dict[str, Any]:
    """The facts of one court act (the ground truth)."""
    year = rng.choice([2021, 2022, 2023, 2024, 2025])
    act_date = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    birth = dt.date(rng.randint(1955, 2002), rng.randint(1, 12), rng.randint(1, 28))
    principal = _money(rng, 3000, 150000)
    interest = _money(rng, 0, int(principal))
    penalty = _money(rng, 0, 9000)
    total = principal + interest + penalty
    fee = max(Decimal("200.00"), (total * Decimal("0.02")).quantize(Decimal("0.01")))
    has_money = doc_type in ("court_order", "writ", "judgment")
    if lang == "ru":
        name = f"{rng.choice(_RU_LAST)} {rng.choice(_RU_FIRST)} {rng.choice(_RU_MIDDLE)}"
        judge = f"{rng.choice('АБВГДЕКМНП')}.{rng.choice('АБВГДЕКМНП')}. {rng.choice(_RU_LAST)}а"
        court = f"Мировой судья судебного участка № {rng.randint(1, 150)} {rng.choice(_RU_DISTRICTS)} района {rng.choice(_RU_CITIES)}"
        claimant = rng.choice(_CLAIMANTS_RU)
        contract = f"ДЗ-{rng.randint(1, 9999999):07d}"
    else:
        name = f"{rng.choice(_EN_LAST)} {rng.choice(_EN_FIRST)} {rng.choice(_EN_MIDDLE)}"
        judge = f"{rng.choice('ABDEKMNPRST')}. {rng.choice('ABDEKMNPRST')}. {rng.choice(_EN_LAST)}a"
        court = f"Magistrate Court Circuit No. {rng.randint(1, 150)} of the {rng.choice(_EN_DISTRICTS)} District of {rng.choice(_EN_CITIES)}"
        claimant = rng.choice(_CLAIMANTS_EN)
        contract = f"DZ-{rng.randint(1, 9999999):07d}"
    return {
        "document_type": doc_type,
        "court_name": court,
        "judge": judge,
        "case_number": _case_number(rng, year),
        "case_uid": _uid(rng, year),
        "act_date": act_date,
        "debtor_name": name,
        "debtor_birth_date": birth,
        "claimant": claimant,
        "contract_number": contract,
        "principal": principal if has_money else None,
        "interest": interest if has_money else None,
        "penalty": penalty if has_money else None,
        "state_fee": fee if has_money else None,
        "total": total if has_money else None,
    }


_EN_TITLES = {
    "court_order": "COURT ORDER",
    "refusal": "RULING on refusal to issue a court order",
    "cancellation": "RULING on cancellation of the court order",
    "writ": "WRIT OF EXECUTION",
    "judgment": "JUDGMENT",
}
_RU_TITLES = {
    "court_order": "СУДЕБНЫЙ ПРИКАЗ",
    "refusal": "ОПРЕДЕЛЕНИЕ об отказе в выдаче судебного приказа",
    "cancellation": "ОПРЕДЕЛЕНИЕ об отмене судебного приказа",
    "writ": "ИСПОЛНИТЕЛЬНЫЙ ЛИСТ",
    "judgment": "РЕШЕНИЕ",
}


def _en_lines(d: dict[str, Any], layout: str, rng: random.Random) -> list[str]:
    av = rng.randint(0, 3)
    dv = rng.randint(0, 2)
    amt = lambda v: format_amount_variant(v, av, "en")  # noqa: E731
    date_text = format_date_variant(d["act_date"], dv, "en")
    lines = [d["court_name"], "", _EN_TITLES[d["document_type"]]]
    if layout == "compact":
        lines += [f"Case No. {d['case_number']} dated {date_text}", f"UID {d['case_uid']}"]
    else:
        lines += [f"Case No. {d['case_number']}", f"UID {d['case_uid']}", f"Date: {date_text}"]
    lines += [
        "",
        f"Magistrate judge {d['judge']}, having considered the application of",
        f"{d['claimant']} (claimant) against the debtor",
        f"{d['debtor_name']}, born {d['debtor_birth_date']:%d.%m.%Y},",
        f"under the loan contract No. {d['contract_number']},",
    ]
    t = d["document_type"]
    if t in ("court_order", "writ", "judgment"):
        lines += ["", "ORDERED:" if t != "judgment" else "DECIDED:"]
        words = f"{_en_words(int(d['total']))} roubles {int(d['total'] * 100) % 100:02d} kopecks"
        if layout == "table":
            lines += [
                "To recover from the debtor in favour of the claimant:",
                f"Principal debt ........ {amt(d['principal'])} RUB",
                f"Interest ........ {amt(d['interest'])} RUB",
                f"Penalty ........ {amt(d['penalty'])} RUB",
                f"Total ........ {amt(d['total'])} RUB",
                f"({words})",
                f"State fee ........ {amt(d['state_fee'])} RUB",
            ]
        else:
            lines += [
                "To recover from the debtor in favour of the claimant the debt",
                f"in the total amount of {amt(d['total'])} RUB",
                f"({words}),",
                f"including principal debt {amt(d['principal'])} RUB,",
                f"interest {amt(d['interest'])} RUB, penalty {amt(d['penalty'])} RUB,",
                f"and the state fee of {amt(d['state_fee'])} RUB.",
            ]
    elif t == "refusal":
        lines += [
            "",
            "RULED:",
            "To refuse to issue the court order: the claim is disputed.",
            "The claimant may bring the claim in action proceedings.",
        ]
    else:
        lines += [
            "",
            "RULED:",
            f"To cancel the court order in case No. {d['case_number']}",
            "on the objection of the debtor received in time.",
        ]
    lines += ["", f"Judge {'.' * rng.randint(10, 20)} {d['judge']}"]
    return lines


def _ru_lines(d: dict[str, Any], layout: str, rng: random.Random) -> list[str]:
    av = rng.randint(0, 2)
    dv = rng.randint(0, 2)
    amt = lambda v: format_amount_variant(v, av, "ru")  # noqa: E731
    date_text = format_date_variant(d["act_date"], dv, "ru")
    lines = [
        _RU_TITLES[d["document_type"]],
        f"Дело № {d['case_number']}",
        f"УИД {d['case_uid']}",
        "",
        f"{date_text}        {rng.choice(_RU_PLACES)}",
        "",
        f"{d['court_name']} {d['judge']},",
        f"рассмотрев заявление {d['claimant']} (взыскатель)",
        f"о взыскании с должника {d['debtor_name']}, {d['debtor_birth_date']:%d.%m.%Y} года рождения,",
        f"задолженности по договору займа № {d['contract_number']},",
    ]
    t = d["document_type"]
    if t in ("court_order", "writ", "judgment"):
        from core.money import amount_in_words

        lines += ["", "ПОСТАНОВИЛ:" if t != "judgment" else "РЕШИЛ:"]
        if layout == "table":
            lines += [
                "Взыскать с должника в пользу взыскателя:",
                f"основной долг — {amt(d['principal'])} руб.",
                f"проценты за пользование займом — {amt(d['interest'])} руб.",
                f"неустойка — {amt(d['penalty'])} руб.",
                f"Итого: {amt(d['total'])} руб. ({amount_in_words(d['total'])})",
                f"расходы по уплате государственной пошлины — {amt(d['state_fee'])} руб.",
            ]
        else:
            lines += [
                f"Взыскать с должника в пользу взыскателя задолженность в размере {amt(d['total'])} руб.",
                f"({amount_in_words(d['total'])}), в том числе основной долг {amt(d['principal'])} руб.,",
                f"проценты {amt(d['interest'])} руб., неустойка {amt(d['penalty'])} руб.,",
                f"а также расходы по уплате государственной пошлины в размере {amt(d['state_fee'])} руб.",
            ]
    elif t == "refusal":
        lines += ["", "ОПРЕДЕЛИЛ:", "Отказать в выдаче судебного приказа: из заявления усматривается спор о праве."]
    else:
        lines += [
            "",
            "ОПРЕДЕЛИЛ:",
            f"Судебный приказ по делу № {d['case_number']} отменить",
            "в связи с поступившими возражениями должника.",
        ]
    lines += ["", f"Мировой судья {'_' * rng.randint(8, 16)} {d['judge']}"]
    return lines


def _render(lines: list[str], rng: random.Random, font_name: str, layout: str) -> Image.Image:
    size = rng.randint(27, 34)
    font = ImageFont.truetype(str(FONT_DIR / font_name), size)
    bold = ImageFont.truetype(str(FONT_DIR / font_name.replace(".ttf", "-Bold.ttf")), size + 6)
    page = Image.new("L", (PAGE_W, PAGE_H), 255)
    draw = ImageDraw.Draw(page)
    margin = rng.randint(110, 170)
    y = rng.randint(110, 190)
    line_gap = int(size * rng.uniform(1.45, 1.75))
    for i, line in enumerate(lines):
        if not line:
            y += line_gap // 2
            continue
        is_title = line in _EN_TITLES.values() or line in _RU_TITLES.values()
        f = bold if is_title else font
        width = draw.textlength(line, font=f)
        if width > PAGE_W - 2 * margin:  # wrap long lines at a space
            words = line.split(" ")
            head: list[str] = []
            while words and draw.textlength(" ".join([*head, words[0]]), font=f) <= PAGE_W - 2 * margin:
                head.append(words.pop(0))
            lines.insert(i + 1, " ".join(words))
            line = " ".join(head)
            lines[i] = line
            width = draw.textlength(line, font=f)
        centered = is_title or (layout == "classic" and i == 0)
        x = (PAGE_W - width) / 2 if centered else margin
        draw.text((x, y), line, fill=rng.randint(0, 40), font=f)
        y += line_gap + (8 if is_title else 0)
    return page


def scan_artefacts(page: Image.Image, rng: random.Random, strength: float = 1.0) -> Image.Image:
    """Low contrast, grey paper, speckles, blur, a slight rotation and JPEG artefacts."""
    import numpy as np

    arr = np.asarray(page, dtype=np.float32)
    lo, hi = rng.uniform(40, 80) * strength, 255 - rng.uniform(15, 45) * strength
    arr = lo + arr * (hi - lo) / 255.0
    nprng = np.random.default_rng(rng.randint(0, 2**31))
    arr += nprng.normal(0, 6 * strength, arr.shape)
    speck = nprng.random(arr.shape) < 0.0015 * strength
    arr[speck] = lo
    img = Image.fromarray(np.clip(arr, 0, 255).astype("uint8"), "L")
    img = img.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.3, 0.8)))
    angle = rng.uniform(-1.8, 1.8) * strength
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=int(hi))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=rng.randint(35, 75))
    out = Image.open(io.BytesIO(buf.getvalue()))
    out.load()
    out.info["synthetic_rotation"] = angle
    return out


def make_document(
    seed: int,
    lang: str = "en",
    doc_type: str | None = None,
    layout: str | None = None,
    noise: float = 1.0,
) -> SyntheticDocument:
    """One page with its truth; the same seed always gives the same page."""
    rng = random.Random(seed)
    doc_type = doc_type or rng.choice(
        ("court_order", "court_order", "court_order", "writ", "judgment", "refusal", "cancellation")
    )
    layout = layout or rng.choice(LAYOUTS)
    font = rng.choice(FONTS)
    data = document_data(rng, lang, doc_type)
    lines = _ru_lines(data, layout, rng) if lang == "ru" else _en_lines(data, layout, rng)
    page = _render(lines, rng, font, layout)
    image = scan_artefacts(page, rng, noise) if noise > 0 else page
    return SyntheticDocument(
        image=image,
        lines=[line for line in lines],
        truth=data,
        lang=lang,
        layout=layout,
        font=font,
        doc_type=doc_type,
        extra={"rotation": image.info.get("synthetic_rotation", 0.0)},
    )


def blank_page(seed: int = 0) -> bytes:
    """A scanned empty sheet (grey, noisy): OCR must report that nothing was read."""
    rng = random.Random(seed)
    page = Image.new("L", (PAGE_W // 2, PAGE_H // 2), 255)
    img = scan_artefacts(page, rng, 0.5)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def truth_values(truth: dict[str, Any]) -> dict[str, str | None]:
    """The ground truth in the extractor's normal form (ISO dates, ``45300.50`` amounts)."""
    out: dict[str, str | None] = {}
    for key, value in truth.items():
        if value is None:
            out[key] = None
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = f"{value:.2f}"
        else:
            out[key] = str(value)
    return out
