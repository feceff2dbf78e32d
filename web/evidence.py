"""Evidence files on pages: reading them from a form, and sending a stored one back safely."""

from __future__ import annotations

import io
import re
import unicodedata
from urllib.parse import quote

from flask import Response, request, send_file

from services.activities import EvidenceFile
from services.errors import DomainError
from services.evidence import ALLOWED_TYPES, MAX_EVIDENCE_BYTES, Upload

#: The whole request's limit (Flask's MAX_CONTENT_LENGTH): one evidence file and the form around it.
#: Pages that take several files at once raise it for their own routes.
MAX_REQUEST_BYTES = MAX_EVIDENCE_BYTES + 1024 * 1024

#: Shown in the browser (photos, PDF); anything else is downloaded.
_INLINE = {"image/jpeg", "image/png", "application/pdf"}
_UNSAFE = re.compile(r'[\\/:*?"<>|;\x00-\x1f\x7f]+')


def uploaded(max_files: int | None = None) -> list[Upload]:
    """The files of the form's ``evidence`` field (empty file inputs are not files)."""
    files = [f for f in request.files.getlist("evidence") if f.filename]
    if max_files is not None and len(files) > max_files:
        raise DomainError(
            f"每条记录最多上传{max_files}个文件 / At most {max_files} files per record"
        )
    return [Upload(f.filename or "", f.mimetype or "", f.read()) for f in files]


def download_name(name: str, content_type: str) -> str:
    """A file name safe for Content-Disposition: no paths, quotes or control characters."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" ._")[:120]
    extension = ALLOWED_TYPES.get(content_type, "")
    if not base:
        base = "evidence" + extension
    elif extension and not base.lower().endswith(extension):
        base += extension
    return base


def content_disposition(kind: str, name: str) -> str:
    """RFC 6266: a plain ASCII name for old clients, the real (UTF-8) name for the rest."""
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    plain = name if name.isascii() else f"evidence.{extension}" if extension else "evidence"
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_evidence(found: EvidenceFile) -> Response:
    """The file, shown inline if a browser can show it safely; never sniffed, never cached."""
    response = send_file(io.BytesIO(found.data), mimetype=found.content_type, max_age=0)
    inline = found.content_type in _INLINE and "download" not in request.args
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", download_name(found.name, found.content_type)
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response
