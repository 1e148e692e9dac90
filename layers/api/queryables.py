"""What a filter may name (OGC API - Features Part 3 "queryables"): the columns every feature has, the
fields its layer kind declares, and the geometry. Generated from the kind, so adding a kind adds its queryables.
"""

from dataclasses import dataclass

from ..kinds.base import BOOLEAN, CODE, CODES, INTEGER, NUMBER, STRING, TAGS, Field, LayerKind

GEOMETRY = "geometry"


@dataclass(frozen=True)
class Queryable:
    name: str
    type: str  # a field type of layers.kinds.base, or GEOMETRY
    title_ja: str
    title_en: str
    field: Field | None = None  # None: a column of every feature (selection.COLUMNS)

    @property
    def is_list(self) -> bool:
        return self.type in (CODES, TAGS)

    @property
    def is_number(self) -> bool:
        return self.type in (INTEGER, NUMBER)

    @property
    def codes(self):
        return self.field.codes if self.field else ()


# The columns every feature has; their SQL is in selection.COLUMNS.
COMMON = (
    Queryable("source_id", STRING, "ID", "Source ID"),
    Queryable("name", STRING, "名称", "Name"),
    Queryable("name_kana", STRING, "名称（カナ）", "Name (kana)"),
    Queryable("address", STRING, "住所", "Address"),
    Queryable("municipality", STRING, "市区町村コード", "Municipality code (5 digits)"),
    Queryable("ward", STRING, "区コード", "Ward code (5 digits)"),
)
SPATIAL = Queryable(GEOMETRY, GEOMETRY, "位置・形状", "Geometry")


def queryables(kind: LayerKind) -> dict[str, Queryable]:
    """{name: Queryable} for a layer kind, in the order the schema lists them."""
    out = {q.name: q for q in COMMON}
    for f in kind.fields:
        out.setdefault(f.name, Queryable(f.name, f.type, f.label_ja, f.label_en, field=f))
    out[GEOMETRY] = SPATIAL
    return out


def _code_value(f: Field, value: str):
    return int(value) if f.type == INTEGER else value


def _schema(q: Queryable, kind: LayerKind) -> dict:
    doc = {"title": q.title_ja, "description": q.title_en}
    if q.type == GEOMETRY:
        # OGC API - Features Part 5 geometry formats; a kind of points also takes MultiPoint.
        types = {t.lower() for t in kind.geometry_types}
        if len(types) == 1:
            doc["format"] = f"geometry-{types.pop()}-or-multi{kind.geometry_types[0].lower()}"
        else:
            doc["format"] = "geometry-any"
        doc["x-ogc-role"] = "primary-geometry"
        return doc
    json_type = {STRING: "string", CODE: "string", INTEGER: "integer", NUMBER: "number", BOOLEAN: "boolean"}
    if q.is_list:
        items = {"type": "string"}
        if q.codes:
            items["enum"] = [c.value for c in q.codes]
        doc.update(type="array", items=items)
        return doc
    doc["type"] = json_type[q.type]
    if q.codes:
        doc["enum"] = [_code_value(q.field, c.value) for c in q.codes]
    if q.field is not None:
        if q.field.minimum is not None:
            doc["minimum"] = q.field.minimum
        if q.field.maximum is not None:
            doc["maximum"] = q.field.maximum
    if q.name in ("municipality", "ward"):
        doc["pattern"] = "^[0-9]{5}$"
    return doc


def json_schema(kind: LayerKind, href: str, title: str) -> dict:
    """The queryables resource (Part 3, /req/queryables): a JSON Schema of the properties a filter may name."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": href,
        "type": "object",
        "title": title,
        "properties": {name: _schema(q, kind) for name, q in queryables(kind).items()},
        "additionalProperties": False,
    }
