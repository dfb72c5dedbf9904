"""Templates: the defaults compile, bad placeholders are refused by name, versions are kept."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from core.documents.catalog import DOC_TYPES
from core.documents.defaults import DEFAULT_TEMPLATES
from core.documents.service import current_template, preview_template, save_template, template_history
from core.documents.template import compile_template
from core.errors import PermissionDenied, ValidationFailed
from tests.documents.builders import page_count, pdf_text
from tests.factories import make_user


def test_every_document_type_has_a_default_that_compiles() -> None:
    assert set(DEFAULT_TEMPLATES) == {d.code for d in DOC_TYPES}
    for code, body in DEFAULT_TEMPLATES.items():
        assert compile_template(code, body).fields


def test_unknown_placeholder_is_refused_with_its_name() -> None:
    body = DEFAULT_TEMPLATES["debt_calculation"] + "\nДолжник {debtor.fullname}, суд {case.judge}\n"
    with pytest.raises(ValidationFailed, match=r"Unknown placeholders: \{case\.judge\}, \{debtor\.fullname\}"):
        compile_template("debt_calculation", body)


def test_batch_placeholder_is_unknown_in_a_case_document() -> None:
    with pytest.raises(ValidationFailed, match=r"\{batch\.count\}"):
        compile_template("court_order_application", "# Заявление {batch.count}")


def test_unknown_block_and_broken_braces_are_refused() -> None:
    with pytest.raises(ValidationFailed, match=r"unknown block \[mailing_table\].*\[claim_table\], \[attachments\]"):
        compile_template("court_order_application", "# Заявление\n[mailing_table]")
    with pytest.raises(ValidationFailed, match="line 2: Single '}'"):
        compile_template("register_extract", "# Выписка\nтекст } текст")
    with pytest.raises(ValidationFailed, match="empty"):
        compile_template("register_extract", "\n  \n")


def test_literal_braces_are_allowed() -> None:
    compiled = compile_template("register_extract", "Строка {{в скобках}} {debtor.full_name}")
    assert compiled.lines[0].fill({"debtor.full_name": "Иванов"}) == "Строка {в скобках} Иванов"


def test_live_preview_renders_sample_data() -> None:
    pdf = preview_template("court_order_application", DEFAULT_TEMPLATES["court_order_application"])
    text = pdf_text(pdf)
    assert "ЗАЯВЛЕНИЕ" in text and "Иванов Иван Иванович" in text and "76 250,00" in text
    with pytest.raises(ValidationFailed, match=r"\{nope\}"):
        preview_template("court_order_application", "# {nope}")


def test_preview_of_every_template_renders() -> None:
    for code, body in DEFAULT_TEMPLATES.items():
        assert page_count(preview_template(code, body)) >= 1


def test_saving_makes_versions_and_only_admins_may(session: Session) -> None:
    admin = make_user(session, "admin")
    clerk = make_user(session, "clerk")
    assert current_template(session, "register_extract").version == 0
    body = DEFAULT_TEMPLATES["register_extract"].replace("ВЫПИСКА", "ВЫПИСКА (ред. 1)")
    assert save_template(session, admin, "register_extract", body, "first edit") == 1
    assert save_template(session, admin, "register_extract", body + "\nПримечание.\n") == 2
    session.commit()
    current = current_template(session, "register_extract")
    assert (current.version, current.body.endswith("Примечание.\n")) == (2, True)
    assert [t.version for t in template_history(session, admin, "register_extract")] == [2, 1, 0]
    with pytest.raises(ValidationFailed, match="unchanged"):
        save_template(session, admin, "register_extract", current.body)
    with pytest.raises(PermissionDenied, match="template.edit"):
        save_template(session, clerk, "register_extract", body + "x")
    with pytest.raises(ValidationFailed, match=r"\{register\.nope\}"):
        save_template(session, admin, "register_extract", body + "{register.nope}")
    assert current_template(session, "register_extract").version == 2
