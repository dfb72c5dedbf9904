"""Blobs written by work that may roll back, and the sweep of blobs nothing refers to.

The file store is not transactional: a blob is written when the work stores a file, and the
database row that refers to it appears only when the work's transaction commits. Work that
rolls back (or a process killed with ``kill -9``) would leave its blobs behind: one crashed
print package of 499 cases left about 1,600 files. So long work records what it writes in a
*journal* on disk (``<file store>/.journal/<name>.txt``, one sha256 a line, written before the
blob); when the work rolls back, or when the next attempt starts after a crash, the journal is
*swept*: every blob in it that no row refers to, and that no other open journal lists, is
deleted. ``unreferenced_blobs`` is the periodic check (the ``file_check`` job) over the whole
store.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, column, inspect, select, table

from core.config import get_settings
from core.db import session_scope

# Tables whose ``sha256`` column names a blob of the store: the files' own rows and the court
# mail the OCR queue reads (that row refers to the bytes by hash too).
REFERENCING_TABLES = ("stored_files", "ocr_documents")
CHUNK = 1000

_current: ContextVar[Path | None] = ContextVar("cessio_file_journal", default=None)


def journal_dir() -> Path:
    return get_settings().file_store_dir / ".journal"


def journal_path(name: str) -> Path:
    return journal_dir() / f"{name}.txt"


@contextmanager
def recording(name: str) -> Iterator[Path]:
    """Journal every blob stored inside the block under ``name``; the caller sweeps or discards."""
    path = journal_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    token = _current.set(path)
    try:
        yield path
    finally:
        _current.reset(token)


def note(sha256: str) -> None:
    """Called by the store's users before a blob is written: durable before the bytes are."""
    path = _current.get()
    if path is None:
        return
    with path.open("a", encoding="ascii") as fh:
        fh.write(sha256 + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def discard(path: Path) -> None:
    """The work committed: its blobs are referenced now, the journal is no longer needed."""
    path.unlink(missing_ok=True)


def _read(path: Path) -> set[str]:
    try:
        return {line.strip() for line in path.read_text(encoding="ascii").splitlines() if len(line.strip()) == 64}
    except OSError:
        return set()


def _referenced(engine: Engine | None, hashes: Iterable[str]) -> set[str]:
    wanted = list(dict.fromkeys(hashes))
    found: set[str] = set()
    if not wanted:
        return found
    with session_scope(engine) as session:
        existing = set(inspect(session.get_bind()).get_table_names())
        for name in REFERENCING_TABLES:
            if name not in existing:
                continue
            t = table(name, column("sha256"))
            for start in range(0, len(wanted), CHUNK):
                part = wanted[start : start + CHUNK]
                found.update(session.scalars(select(t.c.sha256).where(t.c.sha256.in_(part)).distinct()))
    return found


def _blob_path(sha256: str) -> Path:
    return get_settings().file_store_dir / sha256[:2] / sha256[2:4] / sha256


@dataclass
class SweepResult:
    journals: int = 0
    deleted: int = 0
    deleted_bytes: int = 0


def sweep(paths: Iterable[Path], engine: Engine | None = None) -> SweepResult:
    """Delete the blobs listed in these journals that nothing refers to, then the journals.

    A blob that another open journal lists is kept: that work may still commit a row for it."""
    chosen = [p for p in paths if p.exists()]
    result = SweepResult(journals=len(chosen))
    if not chosen:
        return result
    listed: set[str] = set()
    for p in chosen:
        listed |= _read(p)
    others: set[str] = set()
    names = {p.resolve() for p in chosen}
    if journal_dir().is_dir():
        for other in journal_dir().glob("*.txt"):
            if other.resolve() not in names:
                others |= _read(other)
    keep = _referenced(engine, listed) | others
    for sha in sorted(listed - keep):
        blob = _blob_path(sha)
        try:
            size = blob.stat().st_size
            blob.unlink()
        except FileNotFoundError:
            continue
        result.deleted += 1
        result.deleted_bytes += size
    for p in chosen:
        p.unlink(missing_ok=True)
    return result


def journals_of(prefix: str) -> list[Path]:
    """Open journals whose name starts with ``prefix`` (the attempts of one task)."""
    if not journal_dir().is_dir():
        return []
    return sorted(journal_dir().glob(f"{prefix}*.txt"))


@dataclass
class StoreCheck:
    blobs: int = 0
    unreferenced: int = 0
    unreferenced_bytes: int = 0
    examples: list[str] = field(default_factory=list)


def unreferenced_blobs(engine: Engine | None = None, older_than_seconds: float = 3600.0) -> StoreCheck:
    """Walk the store and count the blobs no row refers to (older than the grace period, so
    work in flight whose row is not committed yet is not counted)."""
    root = get_settings().file_store_dir
    check = StoreCheck()
    if not root.is_dir():
        return check
    limit = time.time() - older_than_seconds
    batch: dict[str, tuple[Path, int]] = {}

    def flush() -> None:
        referenced = _referenced(engine, batch)
        for sha, (path, size) in batch.items():
            if sha not in referenced:
                check.unreferenced += 1
                check.unreferenced_bytes += size
                if len(check.examples) < 5:
                    check.examples.append(str(path.relative_to(root)))
        batch.clear()

    for first in sorted(root.iterdir()):
        if len(first.name) != 2 or not first.is_dir():
            continue
        for path in first.glob("??/*"):
            if path.name.startswith(".") or len(path.name) != 64:
                continue
            check.blobs += 1
            stat = path.stat()
            if stat.st_mtime > limit:
                continue
            batch[path.name] = (path, stat.st_size)
            if len(batch) >= CHUNK:
                flush()
    if batch:
        flush()
    return check


def stale_journals(older_than: dt.timedelta) -> list[Path]:
    """Journals nobody closed for longer than any lease: their work died and was never retried."""
    if not journal_dir().is_dir():
        return []
    limit = time.time() - older_than.total_seconds()
    return [p for p in journal_dir().glob("*.txt") if p.stat().st_mtime < limit]
