"""Column mapping (spreadsheet header -> importer field) and the stage-word table.

Headers are recognised from the Russian and English names people actually use; a mapping the
user fixed is remembered (``ImportMapping``) and wins over the built-in names next time. The
spreadsheet's words for stages are looked up in the editable ``ImportStageWord`` table, which
starts from ``DEFAULT_STAGE_WORDS`` below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from core.cases.workflow import STAGE_BY_CODE, STAGES
from core.i18n import _


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    kind: str  # text | name | date | money | int | stage | tracking | person
    synonyms: tuple[str, ...]
    required: bool = False
    max_len: int = 300


FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "contract_number",
        "Contract number",
        "text",
        (
            "№ договора",
            "номер договора",
            "договор",
            "№ договора займа",
            "номер договора займа",
            "договор займа",
            "n договора",
            "no договора",
            "№ дог",
            "номер дог",
            "№ кредитного договора",
            "номер кредитного договора",
            "кредитный договор",
            "contract number",
            "contract no",
            "contract",
            "loan number",
            "loan no",
        ),
        required=True,
        max_len=60,
    ),
    ImportField(
        "contract_date",
        "Contract date",
        "date",
        ("дата договора", "дата договора займа", "дата займа", "contract date", "loan date"),
        required=True,
    ),
    ImportField(
        "debtor_name",
        "Debtor (full name)",
        "name",
        (
            "фио должника",
            "фио",
            "ф и о",
            "должник",
            "заемщик",
            "фио заемщика",
            "debtor",
            "debtor name",
            "full name",
            "borrower",
            "name",
        ),
        required=True,
    ),
    ImportField(
        "birth_date",
        "Date of birth",
        "date",
        ("дата рождения", "д р", "др", "birth date", "date of birth", "dob", "birthday"),
    ),
    ImportField("passport", "Passport", "text", ("паспорт", "серия и номер паспорта", "passport"), max_len=20),
    ImportField(
        "address",
        "Address",
        "text",
        ("адрес", "адрес регистрации", "адрес должника", "address", "registration address"),
        max_len=500,
    ),
    ImportField("phone", "Phone", "text", ("телефон", "тел", "phone", "mobile"), max_len=30),
    ImportField("region", "Region", "text", ("регион", "region", "субъект рф"), max_len=120),
    ImportField(
        "creditor",
        "Original creditor",
        "text",
        ("кредитор", "первоначальный кредитор", "цедент", "мфо", "creditor", "original creditor", "lender"),
        max_len=300,
    ),
    ImportField(
        "debt_total",
        "Total debt (claim amount)",
        "money",
        (
            "сумма долга",
            "сумма задолженности",
            "общая сумма долга",
            "задолженность",
            "сумма требования",
            "итого",
            "итого задолженность",
            "итого долг",
            "всего задолженность",
            "общая задолженность",
            "сумма к взысканию",
            "к взысканию",
            "сумма иска",
            "цена иска",
            "total debt",
            "debt",
            "claim amount",
            "amount",
        ),
    ),
    ImportField(
        "principal",
        "Principal",
        "money",
        (
            "основной долг",
            "од",
            "сумма од",
            "остаток од",
            "задолженность по од",
            "сумма основного долга",
            "остаток основного долга",
            "задолженность по основному долгу",
            "тело долга",
            "сумма займа",
            "principal",
            "loan amount",
        ),
    ),
    ImportField(
        "interest",
        "Interest",
        "money",
        (
            "проценты",
            "%",
            "сумма %",
            "сумма процентов",
            "задолженность по процентам",
            "проценты за пользование",
            "interest",
        ),
    ),
    ImportField(
        "penalty",
        "Penalties",
        "money",
        (
            "неустойка",
            "пени",
            "штрафы",
            "штраф",
            "пени и штрафы",
            "штрафы пени",
            "сумма неустойки",
            "penalty",
            "penalties",
        ),
    ),
    ImportField(
        "state_fee",
        "State fee",
        "money",
        ("госпошлина", "гос пошлина", "гп", "государственная пошлина", "сумма гп", "state fee", "court fee"),
    ),
    ImportField("postage", "Postage", "money", ("почтовые расходы", "почтовые", "почта", "postage", "postal costs")),
    ImportField("stage", "Stage", "stage", ("стадия", "статус", "этап", "stage", "status")),
    ImportField(
        "responsible",
        "Responsible",
        "person",
        ("ответственный", "исполнитель", "сотрудник", "responsible", "assignee", "owner"),
    ),
    ImportField("court_name", "Court", "text", ("суд", "наименование суда", "судебный участок", "court"), max_len=300),
    ImportField(
        "court_case_number",
        "Court case number",
        "text",
        ("номер дела", "№ дела", "дело", "court case number", "case number", "case no"),
        max_len=60,
    ),
    ImportField(
        "tracking_number",
        "Tracking number",
        "tracking",
        (
            "трек-номер",
            "трек номер",
            "трек",
            "шпи",
            "№ шпи",
            "рпо",
            "№ рпо",
            "шпи рпо",
            "почтовый идентификатор",
            "tracking number",
            "tracking",
            "track",
        ),
    ),
    ImportField(
        "mailed_on",
        "Mailing date",
        "date",
        ("дата отправки", "дата отправления", "отправлено", "mailing date", "mail date", "sent date", "date sent"),
    ),
    ImportField(
        "stage_date",
        "Date the stage began",
        "date",
        ("дата стадии", "дата статуса", "дата изменения статуса", "stage date", "status date"),
    ),
    ImportField(
        "opened_on",
        "Date the case was opened",
        "date",
        ("дата открытия", "дата передачи", "дата поступления", "дата цессии", "opened", "opened on", "open date"),
    ),
    ImportField("term_days", "Loan term, days", "int", ("срок займа", "срок", "срок дней", "term", "term days")),
    ImportField("due_date", "Repayment due date", "date", ("дата возврата", "срок возврата", "due date")),
    ImportField(
        "agreement_number",
        "Assignment agreement number",
        "text",
        ("договор цессии", "№ договора цессии", "номер договора цессии", "assignment agreement", "agreement number"),
        max_len=60,
    ),
)
FIELD_BY_NAME: dict[str, ImportField] = {f.name: f for f in FIELDS}
REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
# The error column the importer appends to the invalid-rows file is ignored when it comes back.
IGNORED_HEADERS = (
    "ошибка",
    "ошибки",
    "error",
    "errors",
    "ошибка импорта",
    "import error",
    # the row number of the register ("№ п/п", "N п/п", "№"): never a contract number
    "№ п/п",
    "п/п",
    "№ пп",
    "пп",
    "№",
    "№ строки",
    "порядковый номер",
)
IGNORE = ""
# A header over two rows is joined as "upper / lower" (read.py); each part is tried on its own too.
HEADER_PART_SEPARATOR = " / "
_NUMBER_SIGNS = frozenset({"n", "no", "nr", "nº", "n°"})


def normalize_header(header: str) -> str:
    """``  № Договора:`` -> ``№ договора``: case, ``ё``, punctuation and spacing do not matter,
    and ``N``, ``No``, ``Nr`` before a word mean ``№`` (``N договора``, ``No. дог.``)."""
    s = str(header).casefold().replace("ё", "е").replace("№", " № ").replace("%", " % ")
    tokens = re.sub(r"[^\w№%]+|_", " ", s).split()
    return " ".join("№" if t in _NUMBER_SIGNS and i + 1 < len(tokens) else t for i, t in enumerate(tokens))


_SYNONYMS: dict[str, str] = {}
for _f in FIELDS:
    for _syn in (_f.name, _f.label, *_f.synonyms):
        _SYNONYMS.setdefault(normalize_header(_syn), _f.name)
for _h in IGNORED_HEADERS:
    _SYNONYMS[normalize_header(_h)] = IGNORE
# Fuzzy matching only for keys long enough that a typo cannot turn one word into another
# ("од" and "гп" are matched exactly or not at all).
_FUZZY_KEYS = [k for k in _SYNONYMS if len(k) >= 6]


@lru_cache(maxsize=4096)
def _exact_or_close(key: str) -> str | None:
    if not key:
        return None
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    if len(key) >= 6:
        close = process.extractOne(key, _FUZZY_KEYS, scorer=fuzz.ratio, score_cutoff=88)
        if close is not None:
            return _SYNONYMS[close[0]]
    return None


@lru_cache(maxsize=4096)
def guess_field(header: str) -> str:
    """The field a header means by the built-in names ("" when unknown). A two-row header
    ("Задолженность / Сумма ОД") is tried whole and by its lower part, exactly first, then with
    typo tolerance; the upper part alone is a group title and names no column."""
    header = str(header)
    keys = [normalize_header(header)]
    if HEADER_PART_SEPARATOR in header:
        keys.append(normalize_header(header.split(HEADER_PART_SEPARATOR)[-1]))
    for key in keys:
        if key in _SYNONYMS:
            return _SYNONYMS[key]
    for key in keys:
        found = _exact_or_close(key)
        if found is not None:
            return found
    return IGNORE


def is_known_header(header: str) -> bool:
    """Whether a cell names a known field or a column the importer knowingly ignores (№ п/п)."""
    header = str(header)
    return any(_exact_or_close(normalize_header(p)) is not None for p in header.split(HEADER_PART_SEPARATOR))


def detect_mapping(headers: Iterable[str], remembered: Mapping[str, str] | None = None) -> dict[str, str]:
    """Header -> field for a file; a remembered choice for the same header wins, and a field is
    taken by the first header that claims it (the rest are ignored, the user may change it)."""
    learned = {normalize_header(h): f for h, f in (remembered or {}).items()}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        if header in mapping:
            continue
        key = normalize_header(header)
        field = learned[key] if key in learned else guess_field(header)
        if field and (field in taken or field not in FIELD_BY_NAME):
            field = IGNORE
        mapping[header] = field
        if field:
            taken.add(field)
    return mapping


def mapping_problems(mapping: Mapping[str, str]) -> list[str]:
    """What is wrong with a mapping: required fields not mapped, a field mapped twice."""
    problems: list[str] = []
    used: dict[str, str] = {}
    for header, field in mapping.items():
        if not field:
            continue
        if field not in FIELD_BY_NAME:
            problems.append(
                _("Column '{header}': '{field}' is not an importer field.").format(header=header, field=field)
            )
        elif field in used:
            problems.append(
                _("'{label}' is chosen for two columns: '{used}' and '{header}'; keep one.").format(
                    label=FIELD_BY_NAME[field].label, used=used[field], header=header
                )
            )
        else:
            used[field] = header
    for name in REQUIRED_FIELDS:
        if name not in used:
            problems.append(
                _("No column is mapped to '{label}', which every row needs.").format(label=FIELD_BY_NAME[name].label)
            )
    if "debt_total" not in used and "principal" not in used:
        problems.append(_("Map a column to 'Total debt' or to 'Principal': a case needs an amount."))
    return problems


# ---------------------------------------------------------------- stage words

DEFAULT_STAGE_WORDS: dict[str, str] = {
    "новый": "new",
    "новое": "new",
    "новая": "new",
    "в работе": "new",
    "иск подготовлен": "claim_prepared",
    "заявление подготовлено": "claim_prepared",
    "подготовлено": "claim_prepared",
    "подготовка": "claim_prepared",
    "отправлено": "claim_mailed",
    "отправлено в суд": "claim_mailed",
    "направлено в суд": "claim_mailed",
    "заявление отправлено": "claim_mailed",
    "получено судом": "claim_delivered",
    "вручено": "claim_delivered",
    "доставлено": "claim_delivered",
    "в суде": "claim_delivered",
    "приказ вынесен": "order_issued",
    "судебный приказ": "order_issued",
    "вынесен судебный приказ": "order_issued",
    "отказ": "order_refused",
    "отказ в выдаче приказа": "order_refused",
    "отказано": "order_refused",
    "отмена": "order_cancelled",
    "приказ отменен": "order_cancelled",
    "отменен": "order_cancelled",
    "вступил в силу": "order_in_force",
    "приказ вступил в силу": "order_in_force",
    "иск подан": "lawsuit_filed",
    "исковое": "lawsuit_filed",
    "исковое производство": "lawsuit_filed",
    "заседание": "hearing",
    "судебное заседание": "hearing",
    "решение": "judgment",
    "решение суда": "judgment",
    "исполнительное производство": "enforcement",
    "исполнение": "enforcement",
    "фссп": "enforcement",
    "у приставов": "enforcement",
    "в банке": "enforcement",
    "погашен": "repaid",
    "погашено": "repaid",
    "оплачен": "repaid",
    "списан": "written_off",
    "списано": "written_off",
    "безнадежный": "written_off",
}


def normalize_word(word: str) -> str:
    return re.sub(r"\s+", " ", word.casefold().replace("ё", "е").strip(" .;,!\t"))


def stage_lookup(words: Mapping[str, str]) -> dict[str, str]:
    """Word -> stage for matching cells: the table, plus every stage's own code and label."""
    table: dict[str, str] = {}
    for s in STAGES:
        table[normalize_word(s.code)] = s.code
        table[normalize_word(s.code.replace("_", " "))] = s.code
        table[normalize_word(s.label)] = s.code
    for word, code in words.items():
        if code in STAGE_BY_CODE:
            table[normalize_word(word)] = code
    return table
