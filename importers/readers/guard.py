"""The one way into the readers: whatever a reader, or the library beneath it, raises becomes a finding.

Readers report what they understand themselves (a null geometry, a repeated key, an odd date) as
findings for a row. Everything else GDAL, PROJ, lxml, zipfile or a codec raises on a damaged file is
turned here into a finding that names the file and, while rows are read, the row: no file can end an
import with a traceback. The limits every format shares (columns, column names, values) live here too.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.conf import settings

from ..report import ERROR, Finding, ImportRefused, file_error, short
from .base import SourceTable

log = logging.getLogger(__name__)


def read_table(reader, upload) -> SourceTable:
    with library_errors(upload.name):
        table = reader.read(upload)
    check_columns(table.columns, upload.name)
    table.rows = _checked_rows(table.rows, upload.name)
    return table


@contextmanager
def library_errors(display_name, row=None):
    """Turn an exception from a library into a file-level finding (a finding is left as it is)."""
    try:
        yield
    except ImportRefused:
        raise
    except UnicodeDecodeError as exc:
        raise file_error(
            "decode_error",
            f"{display_name}: 文字コード {exc.encoding} として読めない文字があります",
            f"{display_name}: the text cannot be decoded as {exc.encoding} ({short(str(exc), 160)})",
            row=row,
        ) from None
    except Exception as exc:
        # Expected for damaged files, so not an error of ours; kept at debug level for diagnosis.
        log.debug("reading %s failed", display_name, exc_info=True)
        reason = short(f"{type(exc).__name__}: {exc}", 200)
        where_ja = f" {row} 件目付近" if row else ""
        where_en = f" at row {row}" if row else ""
        raise file_error(
            "unreadable_file",
            f"{display_name}: ファイルが壊れているか形式が違うため{where_ja}で読めません（{reason}）",
            f"{display_name}: the file is damaged or not what its name says, and cannot be read{where_en} ({reason})",
            row=row,
        ) from None


def check_columns(columns, display_name):
    """Refuse files whose columns no real dataset has: thousands of them, or names like paragraphs."""
    limit = settings.MAX_COLUMNS_PER_FILE
    if len(columns) > limit:
        raise file_error(
            "too_many_columns",
            f"{display_name}: 列が多すぎます（{len(columns):,} 列、上限 {limit:,}）",
            f"{display_name}: too many columns ({len(columns):,}; the limit is {limit:,})",
            value=str(len(columns)),
        )
    limit = settings.MAX_COLUMN_NAME_CHARS
    for name in columns:
        if len(str(name)) > limit:
            raise file_error(
                "column_name_too_long",
                f"{display_name}: 列名が長すぎます（{len(str(name)):,} 文字、上限 {limit:,}）",
                f"{display_name}: a column name is too long ({len(str(name)):,} characters; the limit is {limit:,})",
                field=short(name, 40),
            )


def _checked_rows(rows, display_name):
    iterator = iter(rows)
    number = 0
    while True:
        with library_errors(display_name, row=number + 1):
            row = next(iterator, None)
        if row is None:
            return
        number = row.number
        _check_values(row)
        yield row


def _check_values(row):
    limit = settings.MAX_VALUE_CHARS
    for name, value in row.attributes.items():
        size = _size(value)
        if size > limit:
            row.findings.append(
                Finding(
                    "value_too_long",
                    f"値が長すぎます（{size:,} 文字、上限 {limit:,}）",
                    f"The value is too long ({size:,} characters; the limit is {limit:,})",
                    ERROR,
                    row.number,
                    name,
                    short(value),
                )
            )


def _size(value) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, (list, tuple)):
        return sum(_size(item) for item in value)
    return 0
