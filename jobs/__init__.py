"""The background jobs process (``python -m jobs``): a ``schedule`` loop over leased jobs."""
