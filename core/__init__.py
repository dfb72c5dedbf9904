"""Cessio: the domain of a legal debt-collection department (no UI code here)."""
