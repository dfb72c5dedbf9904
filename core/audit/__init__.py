"""The append-only audit log of every mutation and every export."""
