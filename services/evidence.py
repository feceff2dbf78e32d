"""Evidence files (佐证材料): stored once by content hash, with size and type limits."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from domain.fields import FILE_NAME_LENGTH
from services.errors import DomainError

#: One evidence file; the web app's request limit is derived from it (``web.evidence``).
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
_MAX_MB = MAX_EVIDENCE_BYTES // (1024 * 1024)
ALLOWED_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "video/mp4": ".mp4",
}
# What a file's first bytes must look like for its declared type: a renamed file is refused.
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (b"PK\x03\x04",),
}


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the bytes once; return their SHA-256 (hex), which names them."""

    def get(self, sha256: str) -> bytes | None: ...


def _looks_like(content_type: str, data: bytes) -> bool:
    if content_type == "video/mp4":
        # ISO-BMFF: the first box is "ftyp", after its four-byte size.
        return data[4:8] == b"ftyp"
    magic = _MAGIC.get(content_type)
    return not magic or data.startswith(magic)


def check_upload(upload: Upload) -> None:
    name = upload.filename or "?"
    if not upload.data:
        raise DomainError(f"文件为空：{name} / The file is empty: {name}")
    if len(upload.data) > MAX_EVIDENCE_BYTES:
        raise DomainError(
            f"文件超过{_MAX_MB}MB：{name} / The file is larger than {_MAX_MB} MB: {name}"
        )
    if upload.content_type not in ALLOWED_TYPES:
        raise DomainError(
            f"不支持的文件类型：{name}（支持jpg、png、pdf、docx、xlsx、pptx、mp4） / "
            f"Unsupported file type: {name} (jpg, png, pdf, docx, xlsx, pptx, mp4)"
        )
    if not _looks_like(upload.content_type, upload.data):
        raise DomainError(
            f"文件内容与类型不符：{name} / The file's content does not match its type: {name}"
        )


def evidence_of(uploads: list[Upload]) -> list[dict[str, object]]:
    """What a record says of its files (hash, name, size, type), every file checked first.

    Nothing is stored yet: a command stores the files (``store_all``) only once its aggregate has
    accepted it, so a refused record leaves no file behind.
    """
    for upload in uploads:
        check_upload(upload)
    return [
        {
            "sha256": hashlib.sha256(u.data).hexdigest(),
            "name": file_name(u.filename),
            "size": len(u.data),
            "type": u.content_type,
        }
        for u in uploads
    ]


def store_all(blobs: BlobStore, uploads: list[Upload]) -> None:
    """Store checked files; each is named by its SHA-256, as ``evidence_of`` described it."""
    for upload in uploads:
        blobs.put(upload.data)


def file_name(raw: str) -> str:
    """The name a file is shown by: what the browser sent, less what no name should hold.

    A browser's file name is not typed by the person, so characters the domain refuses in text
    (control characters, lone surrogates) are dropped instead of refusing the file.
    """
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFC", raw)
        if unicodedata.category(ch) not in ("Cc", "Cs")
    ).strip()
    return kept[-FILE_NAME_LENGTH:].strip() or "file"
