"""Text encodings of Japanese open data: UTF-8 (with or without BOM) and Shift_JIS/CP932."""

from __future__ import annotations

import codecs

from .report import file_error

# CP932 is Microsoft's Shift_JIS: what Excel writes and what most "Shift_JIS" files really are.
ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
}


def normalise_encoding_name(name: str) -> str:
    name = name.strip().lower()
    name = ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise file_error(
            "unknown_encoding",
            f"文字コード {name!r} は使えません",
            f"Unknown text encoding {name!r}",
        ) from None


def detect_encoding(data: bytes, display_name: str) -> str:
    """The encoding that decodes `data` without errors: UTF-8 (BOM or not) first, then CP932."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for candidate in ("utf-8", "cp932"):
        try:
            data.decode(candidate)
            return candidate
        except UnicodeDecodeError:
            continue
    raise file_error(
        "undetected_encoding",
        f"{display_name}: 文字コードを判別できません（UTF-8 でも Shift_JIS でもありません）。"
        "文字コードを指定してください",
        f"{display_name}: the text is neither UTF-8 nor Shift_JIS/CP932; choose the encoding explicitly",
    )


def decode_text(data: bytes, display_name: str, override: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used)."""
    encoding = normalise_encoding_name(override) if override else detect_encoding(data, display_name)
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise file_error(
            "decode_error",
            f"{display_name}: {line} 行目を {encoding} として読めません",
            f"{display_name}: line {line} cannot be decoded as {encoding}",
            row=line,
        ) from None
