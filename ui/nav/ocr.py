"""Pages of the OCR domain: the court-mail inbox (upload + queue) and the review screen."""

from __future__ import annotations

from core.auth.permissions import Permission
from ui.nav import PageSpec

PAGES = [
    PageSpec(
        path="pages/ocr_inbox.py",
        title="Court mail inbox",
        section="Work",
        permission=Permission.DOCUMENT_UPLOAD,
        url_path="ocr_inbox",
        icon=":material/document_scanner:",
        order=40,
    ),
    PageSpec(
        path="pages/ocr_review.py",
        title="OCR review",
        section="Work",
        permission=Permission.OCR_REVIEW,
        url_path="ocr_review",
        icon=":material/fact_check:",
        order=41,
    ),
]
