"""Findings: what an import has to say about a file, row by row, in Japanese and English."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"  # blocks publishing
WARNING = "warning"  # published, but the uploader should look


@dataclass(frozen=True)
class Finding:
    code: str
    message_ja: str
    message_en: str
    severity: str = ERROR
    row: int | None = None  # 1-based data row or feature number; None for the file as a whole
    field: str | None = None
    value: str | None = None

    def as_dict(self):
        # PostgreSQL's jsonb cannot hold U+0000, and a report must be storable whatever the file held.
        return {k: v.replace("\x00", "\\x00") if isinstance(v, str) else v for k, v in asdict(self).items()}

    def __str__(self):
        where = "file" if self.row is None else f"row {self.row}"
        if self.field:
            where += f", {self.field}"
        shown = f" (value: {self.value})" if self.value not in (None, "") else ""
        return f"[{self.severity}] {where}: {self.message_en}{shown} / {self.message_ja}"


class ImportRefused(Exception):
    """The file cannot be read at all; carries the findings that say why."""

    def __init__(self, *findings: Finding):
        super().__init__("; ".join(str(f) for f in findings))
        self.findings = list(findings)


def file_error(code, message_ja, message_en, **kwargs) -> ImportRefused:
    return ImportRefused(Finding(code, message_ja, message_en, **kwargs))


def short(value, limit=80) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
