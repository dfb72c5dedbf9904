"""Where the bytes of files live: a content-addressed blob store (key = sha256 of the bytes).

``FileStore`` is the interface the rest of the system uses; ``LocalFileStore`` keeps blobs on the
local disk under ``Settings.file_store_dir``. An S3-compatible store implements the same three
methods (ARCHITECTURE, "Growing past one machine"), and nothing else changes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from core.config import get_settings
from core.errors import NotFound
from core.i18n import _


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileStore(Protocol):
    def put(self, sha256: str, data: bytes) -> None:
        """Store ``data`` under its hash; storing the same bytes again is a no-op."""
        ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...


class LocalFileStore:
    """Blobs at ``root/ab/cd/<sha256>``; written to a temporary file and renamed, so a reader
    never sees half a file and a crash leaves no broken blob."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, sha256: str, data: bytes) -> None:
        target = self.path(sha256)
        if target.is_file() and target.stat().st_size == len(data):
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise NotFound(
                _(
                    "The stored file {sha256}… is missing from the file store at {root}. Restore the file store from the backup."
                ).format(sha256=sha256[:12], root=self.root)
            ) from None


def get_store() -> FileStore:
    """The configured store (local disk today)."""
    return LocalFileStore(get_settings().file_store_dir)
