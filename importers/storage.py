"""Private storage of uploaded files, named by content hash, outside anything served over HTTP."""

import hashlib
import re
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
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_file_name(uploaded_file.name)
    if not target.exists():
        with open(target, "wb") as out:
            for chunk in uploaded_file.chunks():
                out.write(chunk)
    return target
