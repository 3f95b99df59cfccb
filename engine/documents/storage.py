"""Where a document's bytes live: in the database (the default: every node sees them, and a
backup holds them) or in a folder (`DOCUMENT_STORE=folder:/srv/alliance/documents`, shared by
every node). Content is addressed by its SHA-256, so identical files are stored once.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from engine.errors import InvalidInput, NotFound

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class Backend(Protocol):
    kind: str

    def put(self, sha256: str, data: bytes) -> bytes | None:
        """Keep the bytes; return what the database row holds (None: kept elsewhere)."""

    def get(self, sha256: str, stored: bytes | None) -> bytes: ...


class DatabaseBackend:
    kind = "db"

    def put(self, sha256: str, data: bytes) -> bytes | None:
        return data

    def get(self, sha256: str, stored: bytes | None) -> bytes:
        if stored is None:
            raise NotFound(f"the bytes of document content {sha256[:12]} are not in the database "
                           "(they were stored in a folder: set DOCUMENT_STORE)")
        return stored


class FolderBackend:
    kind = "folder"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, sha256: str, data: bytes) -> bytes | None:
        path = self._path(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        return None

    def get(self, sha256: str, stored: bytes | None) -> bytes:
        if stored is not None:
            return stored
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"document content {sha256[:12]} is missing from {self.root}") from None


@dataclass
class DocumentStore:
    backend: Backend = field(default_factory=DatabaseBackend)
    max_bytes: int = DEFAULT_MAX_BYTES


def store_from_setting(value: str | None, max_mb: str | float | None = None) -> DocumentStore:
    """`db` (default) or `folder:/path`, and a size limit in megabytes."""
    text = (value or "db").strip()
    backend: Backend
    if text == "db":
        backend = DatabaseBackend()
    elif text.startswith("folder:") and text[7:].strip():
        backend = FolderBackend(text[7:].strip())
    else:
        raise InvalidInput(f"DOCUMENT_STORE must be 'db' or 'folder:/path', not {value!r}")
    limit = DEFAULT_MAX_BYTES
    if max_mb not in (None, ""):
        try:
            limit = int(float(max_mb) * 1024 * 1024)  # type: ignore[arg-type]
        except ValueError:
            raise InvalidInput(f"DOCUMENT_MAX_MB must be a number, not {max_mb!r}") from None
        if not 0 < limit <= 1024 * 1024 * 1024:
            raise InvalidInput("DOCUMENT_MAX_MB must be more than 0 and at most 1024")
    return DocumentStore(backend, limit)


def store_from_env() -> DocumentStore:
    return store_from_setting(os.environ.get("DOCUMENT_STORE"), os.environ.get("DOCUMENT_MAX_MB"))


__all__ = ["DEFAULT_MAX_BYTES", "Backend", "DatabaseBackend", "DocumentStore", "FolderBackend",
           "store_from_env", "store_from_setting"]
