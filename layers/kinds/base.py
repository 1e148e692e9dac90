"""The vocabulary every layer kind is declared in: fields, code lists and property validation.

A kind is plain data. Importers, APIs, tiles and the map read it; nothing tests a kind's slug.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

STRING = "string"
INTEGER = "integer"
NUMBER = "number"
BOOLEAN = "boolean"
CODE = "code"  # one value from `codes`
CODES = "codes"  # a list of values from `codes`
TAGS = "tags"  # a free list of short strings (e.g. clinic departments)

FIELD_TYPES = {STRING, INTEGER, NUMBER, BOOLEAN, CODE, CODES, TAGS}


@dataclass(frozen=True)
class Code:
    value: str
    label_ja: str
    label_en: str
    # Source columns that set this code when they hold a true flag (GSI's "1"), for CODES fields.
    flag_columns: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # The colour maps and legends use for this value (e.g. the MLIT standard depth colours), or None.
    colour: str | None = None


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label_ja: str
    label_en: str
    codes: tuple[Code, ...] = ()
    filterable: bool = False
    required: bool = False
    # Column names in the files municipalities publish, most standard first.
    columns: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    # Values a source uses for "unknown" (国土数値情報 writes 9999 for an unknown year): stored as absent.
    unknown_values: tuple[str, ...] = ()
    # An open code list: a value outside it is kept as written, with a warning, instead of refusing the row
    # (municipal files use types the standard does not list).
    open_codes: bool = False

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ValueError(f"{self.name}: unknown field type {self.type!r}")
        if self.type in (CODE, CODES) and not self.codes:
            raise ValueError(f"{self.name}: a code field needs a code list")

    def code(self, value):
        for code in self.codes:
            if value == code.value or value in code.aliases:
                return code
        return None

    def describe(self):
        """The field as the catalogue shows it to clients building a filter UI."""
        out = {
            "name": self.name,
            "type": self.type,
            "label": {"ja": self.label_ja, "en": self.label_en},
            "filterable": self.filterable,
            "required": self.required,
        }
        if self.codes:
            out["codes"] = [
                {
                    "value": c.value,
                    "label": {"ja": c.label_ja, "en": c.label_en},
                    **({"colour": c.colour} if c.colour else {}),
                }
                for c in self.codes
            ]
            out["open_codes"] = self.open_codes
        return out


@dataclass(frozen=True)
class PropertyProblem:
    """One thing wrong with one property value; importers add the row number."""

    field: str
    value: object
    code: str
    message_ja: str
    message_en: str
    severity: str = "error"  # or "warning": published, but reported


@dataclass(frozen=True)
class LayerKind:
    slug: str
    label_ja: str
    label_en: str
    geometry_types: tuple[str, ...]  # "Point", "Polygon", "LineString" (Multi* accepted alike)
    fields: tuple[Field, ...]
    # Columns for the attributes every feature has, beyond the generic ones in COMMON_COLUMNS.
    source_id_columns: tuple[str, ...] = ()
    name_columns: tuple[str, ...] = ()
    name_kana_columns: tuple[str, ...] = ()
    address_columns: tuple[str, ...] = ()
    # Properties carried in vector tiles (the rest come from the feature endpoint).
    tile_properties: tuple[str, ...] = ()
    min_zoom: int = 8
    # Hazard polygons and similar areas often have no name of their own.
    name_required: bool = True
    # Features of this kind carry a live status that staff update (see layers.status.service).
    live_status: bool = False
    # The property holding a feature's capacity, for occupancy.
    capacity_field: str | None = None
    # Optional: fills properties the files imply but do not state (e.g. a designation read from the ID).
    # Called as derive(source_id, properties, attributes) with the row's raw attributes; returns additions.
    derive: Callable[[str, dict, dict], dict] | None = None
    # A reader's table format that only this kind takes, and this kind takes nothing else (PLATEAU
    # building models: "plateau-bldg"). None: the general formats (CSV, GeoJSON, Shapefile, …).
    dedicated_format: str | None = None
    # Facilities are searched by reading: where a file gives no kana, the importer derives one
    # (layers/answers/readings.py). Areas without names of their own (hazard zones) need none.
    derive_reading: bool = True
    # Records of one facility in several lists (GSI's emergency sites and shelters) are paired into one
    # feature before publishing (importers/facilities.py).
    pairs_facilities: bool = False
    fields_by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "fields_by_name", {f.name: f for f in self.fields})

    @property
    def filterable_fields(self):
        return [f for f in self.fields if f.filterable]

    def accepts_geometry(self, geom_type: str) -> bool:
        return geom_type.removeprefix("Multi") in self.geometry_types

    def clean_properties(self, raw: dict) -> tuple[dict, list[PropertyProblem]]:
        """Coerce and check values against the schema; unknown keys are dropped, not stored."""
        clean, problems = {}, []
        for f in self.fields:
            value = raw.get(f.name)
            if f.unknown_values and str(value).strip() in f.unknown_values:
                value = None
            if is_blank(value):
                if f.required:
                    problems.append(
                        PropertyProblem(
                            f.name,
                            value,
                            "required",
                            f"{f.label_ja}は必須です",
                            f"{f.label_en} is required",
                        )
                    )
                continue
            try:
                coerced, warnings = coerce(f, value)
            except ValueError as exc:
                ja, en = exc.args if len(exc.args) == 2 else (str(exc), str(exc))
                problems.append(PropertyProblem(f.name, value, "invalid_value", ja, en))
                continue
            problems.extend(warnings)
            if coerced is not None and coerced != []:
                clean[f.name] = coerced
        return clean, problems


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == []


_NUMBER_NOISE = re.compile(r"[,\s　人名㎡m²]")


def parse_number(value) -> float:
    """Numbers as municipalities type them: full-width digits, thousands commas, a unit, spaces."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        import unicodedata

        text = _NUMBER_NOISE.sub("", unicodedata.normalize("NFKC", str(value)))
        number = float(text)  # raises ValueError on text
    if math.isnan(number) or math.isinf(number):
        raise ValueError("not a finite number")
    return number


_TRUE = {"1", "true", "yes", "y", "有", "あり", "○", "〇", "◯", "可", "t"}
_FALSE = {"0", "false", "no", "n", "無", "なし", "×", "不可", "f", "-", "－"}


def coerce(f: Field, value):
    """Return (value in the schema's type, warnings); raise ValueError((ja, en)) when impossible."""
    label = f"{f.label_ja}"
    if f.type == STRING:
        return str(value).strip(), []
    if f.type in (INTEGER, NUMBER):
        try:
            number = parse_number(value)
        except ValueError:
            raise ValueError(
                f"{label}が数値ではありません: {value!r}",
                f"{f.label_en} is not a number: {value!r}",
            ) from None
        if (f.minimum is not None and number < f.minimum) or (f.maximum is not None and number > f.maximum):
            raise ValueError(
                f"{label}が範囲外です: {value!r}",
                f"{f.label_en} is out of range ({f.minimum}–{f.maximum}): {value!r}",
            )
        if f.type == INTEGER:
            if number != int(number):
                raise ValueError(
                    f"{label}が整数ではありません: {value!r}",
                    f"{f.label_en} is not a whole number",
                )
            return int(number), []
        return number, []
    if f.type == BOOLEAN:
        if isinstance(value, bool):
            return value, []
        text = str(value).strip().lower()
        if text in _TRUE:
            return True, []
        if text in _FALSE:
            return False, []
        raise ValueError(
            f"{label}は 有/無 で指定してください: {value!r}",
            f"{f.label_en} must be yes/no: {value!r}",
        )
    if f.type == CODE:
        code = f.code(str(value).strip())
        if code is None and f.open_codes:
            return str(value).strip(), [_outside_code_list(f, value)]
        if code is None:
            raise ValueError(
                f"{label}の値がコード表にありません: {value!r}",
                f"{f.label_en} is not in its code list: {value!r}",
            )
        return code.value, []
    if f.type in (CODES, TAGS):
        items = value if isinstance(value, (list, tuple)) else re.split(r"[;；、,，]", str(value))
        items = [str(i).strip() for i in items if str(i).strip()]
        if f.type == TAGS:
            return list(dict.fromkeys(items)), []
        out = []
        for item in items:
            code = f.code(item)
            if code is None:
                raise ValueError(
                    f"{label}の値がコード表にありません: {item!r}",
                    f"{f.label_en} is not in its code list: {item!r}",
                )
            out.append(code.value)
        return list(dict.fromkeys(out)), []
    raise AssertionError(f.type)


def _outside_code_list(f: Field, value) -> PropertyProblem:
    return PropertyProblem(
        f.name,
        value,
        "code_not_in_list",
        f"{f.label_ja}の値がコード表にないため、書かれたとおりに載せます: {value!r}",
        f"{f.label_en} is not in its code list and is kept as written: {value!r}",
        severity="warning",
    )
