"""What documents exist, which placeholders and blocks their templates may use, with sample data.

The catalog is the contract between an admin editing a template and the code filling it in:
a template is refused at save time when it names a placeholder or block that is not listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class DocType:
    code: str
    title: str  # Russian title printed on the paper and used for file names
    label: str  # English label for the UI
    per_case: bool = True


DOC_TYPES: tuple[DocType, ...] = (
    DocType("court_order_application", "Заявление о вынесении судебного приказа", "Court order application"),
    DocType("debt_calculation", "Расчёт задолженности", "Debt calculation"),
    DocType("register_extract", "Выписка из реестра уступаемых прав", "Extract from the register of assigned claims"),
    DocType("mail_inventory", "Опись вложения (форма 107)", "Mail inventory (form 107)"),
    DocType(
        "mailing_register",
        "Список внутренних почтовых отправлений (форма 103)",
        "Mailing register (form 103)",
        per_case=False,
    ),
)
DOC_TYPE_BY_CODE: dict[str, DocType] = {d.code: d for d in DOC_TYPES}
CASE_DOC_TYPES: tuple[str, ...] = tuple(d.code for d in DOC_TYPES if d.per_case)
# What goes into one envelope to the court, in this order (CPC art. 124 part 3: the attachments).
PACKAGE_DOC_TYPES: tuple[str, ...] = ("court_order_application", "debt_calculation", "register_extract")


# name -> (description, sample value for the live preview)
CASE_PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "today": ("Date the document is generated", "28.11.2026"),
    "signer.name": ("Name of the person generating the document", "Петрова Анна Сергеевна"),
    "case.number": ("Case number", "C-000123"),
    "case.court_name": ("Court", "Судебный участок № 1 Тверского района г. Москвы"),
    "case.court_address": ("Court address", "125009, г. Москва, ул. Большая Дмитровка, д. 9"),
    "case.court_case_number": ("Court case number (if known)", "2-1234/2026"),
    "claimant.name": ("Claimant (the assignee): full name", "ООО ПКО «Цессио»"),
    "claimant.short_name": ("Claimant: short name", "ООО ПКО «Цессио»"),
    "claimant.inn": ("Claimant: INN", "7701234567"),
    "claimant.ogrn": ("Claimant: OGRN", "1157746000001"),
    "claimant.address": ("Claimant: address", "115035, г. Москва, ул. Садовническая, д. 82, стр. 2"),
    "claimant.bank_details": ("Claimant: bank details", "р/с 40702810000000000001 в ПАО Сбербанк, БИК 044525225"),
    "cedent.name": ("Original creditor (the cedent)", "ООО МФК «Быстрый займ»"),
    "cedent.inn": ("Cedent: INN", "7709876543"),
    "cedent.ogrn": ("Cedent: OGRN", "1127746000002"),
    "cedent.address": ("Cedent: address", "101000, г. Москва, ул. Мясницкая, д. 10"),
    "agreement.number": ("Assignment agreement number", "Ц-17/2024"),
    "agreement.date": ("Assignment agreement date", "15.01.2024"),
    "debtor.full_name": ("Debtor: full name", "Иванов Иван Иванович"),
    "debtor.full_name_gen": ("Debtor: full name, genitive (взыскать с …)", "Иванова Ивана Ивановича"),
    "debtor.full_name_dat": ("Debtor: full name, dative (к должнику …)", "Иванову Ивану Ивановичу"),
    "debtor.full_name_ins": ("Debtor: full name, instrumental (между … и …)", "Ивановым Иваном Ивановичем"),
    "today_words": ("Date the document is generated, in words", "28 ноября 2026 г."),
    "claim.allocation_rule": (
        "The law that orders the allocation of payments",
        "п. 20 ст. 5 Федерального закона от 21.12.2013 № 353-ФЗ «О потребительском кредите (займе)»",
    ),
    "debtor.birth_date": ("Debtor: date of birth", "14.03.1985"),
    "debtor.birth_place": ("Debtor: place of birth", "г. Москва"),
    "debtor.address": ("Debtor: address", "123456, г. Москва, ул. Ленина, д. 5, кв. 7"),
    "debtor.passport": ("Debtor: passport", "4510 123456"),
    "debtor.inn": ("Debtor: INN", "770123456789"),
    "debtor.snils": ("Debtor: SNILS", "123-456-789 01"),
    "debtor.identifier": (
        "Debtor: the identifiers known (CPC art. 124 part 2 p. 3)",
        "паспорт 4510 123456, СНИЛС 123-456-789 01",
    ),
    "contract.number": ("Loan contract number", "ДЗ-0001234"),
    "contract.date": ("Loan contract date", "01.09.2023"),
    "contract.principal": ("Loan amount", "30 000,00"),
    "contract.interest_rate_daily": ("Interest rate, % per day", "0,8"),
    "contract.term_days": ("Loan term, days", "30"),
    "contract.due_date": ("Repayment date", "01.10.2023"),
    "register.line": ("Line of the register of assigned claims", "17"),
    "register.principal": ("Register: principal assigned", "30 000,00"),
    "register.interest": ("Register: interest assigned", "24 000,00"),
    "register.penalty": ("Register: penalty assigned", "1 250,00"),
    "register.fees": ("Register: fees assigned", "0,00"),
    "register.total": ("Register: total assigned", "55 250,00"),
    "register.total_words": ("Register: total in words", "Пятьдесят пять тысяч двести пятьдесят рублей 00 копеек"),
    "claim.as_of": ("Date the claim is calculated on", "28.11.2026"),
    "claim.principal": ("Claim: principal", "30 000,00"),
    "claim.interest": ("Claim: interest", "45 000,00"),
    "claim.penalty": ("Claim: penalty", "1 250,00"),
    "claim.total": ("Claim: principal + interest + penalty", "76 250,00"),
    "claim.total_words": ("Claim total in words", "Семьдесят шесть тысяч двести пятьдесят рублей 00 копеек"),
    "claim.grand_total": ("Claim plus state fee", "80 250,00"),
    "claim.grand_total_words": ("Claim plus state fee in words", "Восемьдесят тысяч двести пятьдесят рублей 00 копеек"),
    "fee.amount": ("State fee for the court order (Tax Code art. 333.19)", "4 000,00"),
    "fee.amount_words": ("State fee in words", "Четыре тысячи рублей 00 копеек"),
    "debt.total": ("Whole balance incl. costs (ledger)", "80 362,00"),
    "debt.total_words": ("Whole balance in words", "Восемьдесят тысяч триста шестьдесят два рубля 00 копеек"),
    "debt.paid": ("Paid by the debtor so far", "0,00"),
    "mail.tracking": ("Tracking number of the envelope (blank until mailed)", "80081234567893"),
    "mail.postage": ("Postage of the envelope", "112,00"),
    "mail.declared_total": ("Declared value of the envelope", "3,00"),
}

BATCH_PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "today": CASE_PLACEHOLDERS["today"],
    "signer.name": CASE_PLACEHOLDERS["signer.name"],
    "batch.number": ("Package number", "42"),
    "batch.date": ("Date of the mailing", "28.11.2026"),
    "batch.count": ("Number of envelopes", "250"),
    "batch.postage_total": ("Total postage", "28 000,00"),
    "batch.postage_total_words": ("Total postage in words", "Двадцать восемь тысяч рублей 00 копеек"),
    "batch.declared_total": ("Total declared value", "750,00"),
    "sender.name": ("Sender (the assignee)", "ООО ПКО «Цессио»"),
    "sender.address": ("Sender address", "115035, г. Москва, ул. Садовническая, д. 82, стр. 2"),
}

# block name -> description
BLOCKS: dict[str, dict[str, str]] = {
    "court_order_application": {
        "claim_table": "Table of the claim by component with the total and the state fee",
        "attachments": "Numbered list of attachments (CPC art. 124)",
    },
    "debt_calculation": {
        "entries_table": "Every ledger entry: date, operation, amount",
        "balance_table": "Balance by component on the calculation date",
    },
    "register_extract": {"register_table": "The debtor's line of the register of assigned claims"},
    "mail_inventory": {"inventory_table": "Form 107 table: item, number of items, declared value"},
    "mailing_register": {"mailing_table": "Form 103 table: every envelope with tracking, addressee, postage"},
}


def placeholders_for(doc_type: str) -> dict[str, tuple[str, str]]:
    return CASE_PLACEHOLDERS if DOC_TYPE_BY_CODE[doc_type].per_case else BATCH_PLACEHOLDERS


def sample_values(doc_type: str) -> dict[str, str]:
    # amounts keep their thousands together on a line, as real (formatted) amounts do
    return {
        name: re.sub(r"(?<=\d) (?=\d{3}\b)", "\u00a0", sample)
        for name, (_, sample) in placeholders_for(doc_type).items()
    }
