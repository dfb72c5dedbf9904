"""Shared Streamlit pieces for the pages: the cached engine, the signed-in user, page and
case-card section registries. Business logic stays in ``core``."""
