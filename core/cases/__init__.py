"""Debtors, contracts, creditors, assignment agreements, cases and their timeline."""
