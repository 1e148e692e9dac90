"""Private storage of uploaded files, named by content hash, outside anything served over HTTP."""

import hashlib
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings

from .report import file_error

_SAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_file_name(name: str) -> str:
    """The uploaded name reduced to one harmless path component (Japanese letters kept)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "upload"
    return cleaned[-150:]


def store_upload(uploaded_file) -> Path:
    """Save a Django UploadedFile under UPLOAD_ROOT/<sha256>/<safe name>, enforcing MAX_UPLOAD_BYTES."""
    if uploaded_file.size > settings.MAX_UPLOAD_BYTES:
        raise file_error(
            "file_too_large",
            f"ファイルが大きすぎます（{uploaded_file.size:,} バイト、上限 {settings.MAX_UPLOAD_BYTES:,}）",
            f"The file is too large ({uploaded_file.size:,} bytes; the limit is {settings.MAX_UPLOAD_BYTES:,})",
        )
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    folder = Path(settings.UPLOAD_ROOT) / digest.hexdigest()
    target = folder / safe_file_name(uploaded_file.name)
    if target.exists():
        return target
    partial = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name and renamed when complete: a full disk leaves no half file
        # that a later upload of the same content would take for the whole one.
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".partial-", delete=False) as out:
            partial = Path(out.name)
            for chunk in uploaded_file.chunks():
                out.write(chunk)
        os.replace(partial, target)
    except OSError as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)
        reason = exc.strerror or str(exc)
        raise file_error(
            "server_disk_error",
            f"サーバーがファイルを保存できませんでした（{reason}）。管理者に連絡してください",
            f"The server could not store the uploaded file ({reason}); please tell the administrators",
        ) from None
    return target
