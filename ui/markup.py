"""Text from people and imports, made safe to put into Streamlit markdown and HTML.

A debtor's name, a contract number or an address is data, never markup: in ``st.markdown`` it
must not become a link, an image fetched from another site or, where HTML is allowed, an element
with a script (docs/security.md, "HTML injection").
"""

from __future__ import annotations

import html
import re

# the characters that give inline text a meaning in CommonMark and Streamlit's markdown: emphasis,
# code, links and images (``[``, ``!``), tables, strikethrough, LaTeX (``$``), Streamlit's
# ``:red[...]`` and ``:material/...:`` directives. The values are always put inline (never at the
# start of a line), so list and heading markers (``-``, ``+``, ``1.``) need no escape.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#!|~:$])")


def safe_markdown(value: object) -> str:
    """``value`` as literal text inside ``st.markdown`` (with or without ``unsafe_allow_html``):
    HTML escaped, markdown punctuation backslash-escaped, line breaks as spaces."""
    text = html.escape(str(value), quote=False)  # text content, never an attribute value
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"[\r\n]+", " ", text)
