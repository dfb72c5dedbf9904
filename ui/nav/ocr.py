"""Pages of the OCR domain: the court-mail inbox (upload + queue) and the review screen."""

from __future__ import annotations

from core.auth.permissions import Permission
from core.i18n import N_
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/ocr_inbox.py",
        title=N_("Court mail inbox"),
        section=N_("Work"),
        permission=Permission.DOCUMENT_UPLOAD,
        url_path="ocr_inbox",
        icon=":material/document_scanner:",
        order=40,
    ),
    PageSpec(
        path="pages/ocr_review.py",
        title=N_("OCR review"),
        section=N_("Work"),
        permission=Permission.OCR_REVIEW,
        url_path="ocr_review",
        icon=":material/fact_check:",
        order=41,
    ),
]
