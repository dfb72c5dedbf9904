"""Queued work: long user actions (print packages, imports) run by the jobs process."""
