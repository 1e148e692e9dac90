"""Which features a read query selects: one WHERE clause shared by GeoJSON, OGC API and CSV export.

Column names are constants here; every value, including a filter's field name, is a bound parameter.
"""

import json
from dataclasses import dataclass, field

from .params import PropertyFilter, is_list_field

FROM_FEATURES = """
FROM layers_feature feat
JOIN layers_municipality m ON m.id = feat.municipality_id
LEFT JOIN layers_ward w ON w.id = feat.ward_id
"""


@dataclass(frozen=True)
class Selection:
    """A layer's features narrowed by bbox, municipality, name text and property filters."""

    layer_id: int
    bbox: tuple | None = None
    municipality_code: str | None = None
    q: str | None = None
    filters: tuple[PropertyFilter, ...] = field(default_factory=tuple)

    def where(self):
        """(SQL after WHERE, params dict)."""
        clauses = ["feat.layer_id = %(layer)s"]
        params = {"layer": self.layer_id}
        if self.bbox:
            # Intersects, not only bounding boxes: an area near a bbox is not in it (OGC API semantics).
            clauses.append("ST_Intersects(feat.geom, ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326))")
            params.update(zip(("minx", "miny", "maxx", "maxy"), self.bbox, strict=True))
        if self.municipality_code:
            clauses.append("m.code = %(code)s")
            params["code"] = self.municipality_code
        if self.q:
            clauses.append("(feat.name ILIKE %(q)s OR feat.name_kana ILIKE %(q)s)")
            escaped = self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["q"] = f"%{escaped}%"
        for i, f in enumerate(self.filters):
            if f.values:
                # jsonb containment answers equality and list membership alike, from the GIN index.
                docs = [json.dumps({f.field: [v] if is_list_field(f.type) else v}) for v in f.values]
                names = [f"f{i}_{j}" for j in range(len(docs))]
                clauses.append("(" + " OR ".join(f"feat.properties @> %({n})s::jsonb" for n in names) + ")")
                params.update(zip(names, docs, strict=True))
            params[f"f{i}_name"] = f.field
            if f.minimum is not None:
                clauses.append(f"(feat.properties ->> %(f{i}_name)s)::numeric >= %(f{i}_min)s")
                params[f"f{i}_min"] = f.minimum
            if f.maximum is not None:
                clauses.append(f"(feat.properties ->> %(f{i}_name)s)::numeric <= %(f{i}_max)s")
                params[f"f{i}_max"] = f.maximum
        return " AND ".join(clauses), params
