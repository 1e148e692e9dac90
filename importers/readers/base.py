"""What every reader yields: a table of rows with attributes and a geometry in the source CRS."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pyproj import CRS


@dataclass
class SourceRow:
    number: int  # 1-based data row (CSV) or feature number (other formats)
    attributes: dict
    geometry: object = None  # shapely geometry in the source CRS, or None
    geometry_problem: tuple[str, str, str] | None = None  # (code, ja, en) when the geometry was unreadable
    findings: list = field(default_factory=list)  # what reading found about this row (Findings with its number)


@dataclass
class SourceTable:
    format: str
    columns: list[str]
    rows: Iterator[SourceRow]
    encoding: str = ""
    crs: CRS | None = None  # declared by the file; None when it declares nothing
    notes: list = field(default_factory=list)  # Findings about the file as a whole (warnings)
