"""Leases and run records of the background jobs (the database is the source of truth)."""
