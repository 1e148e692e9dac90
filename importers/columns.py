"""Map a file's columns onto a layer kind: which column feeds which attribute, decided once per file."""

from __future__ import annotations

from dataclasses import dataclass, field

from layers.kinds.base import CODES, LayerKind, coerce

from .readers.csv import normalise_header
from .report import WARNING, Finding, short


@dataclass
class ColumnMap:
    source_id: str | None = None
    name: str | None = None
    name_kana: str | None = None
    address: str | None = None
    # The standard datasets' code of the municipality where the feature is (所在地_…, else the publisher's).
    municipality_code: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # field name -> column
    flags: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> code -> flag column
    # Values the uploader set for every row (field -> value), for what the whole file is, e.g. 指定避難所.
    constants: dict[str, str] = field(default_factory=dict)


MUNICIPALITY_CODE_COLUMNS = (
    "所在地_全国地方公共団体コード",
    "全国地方公共団体コード",
    "都道府県コード又は市区町村コード",
    "市区町村コード",
    "市町村コード",
)


def _first(columns_by_key, candidates):
    for candidate in candidates:
        column = columns_by_key.get(normalise_header(candidate))
        if column is not None:
            return column
    return None


# What an uploader may point at a column besides the kind's fields.
COMMON_TARGETS = ("source_id", "name", "name_kana", "address", "municipality_code")


def map_columns(kind: LayerKind, columns: list[str], values=None, chosen=None) -> tuple[ColumnMap, list[Finding]]:
    by_key = {}
    for column in columns:
        by_key.setdefault(normalise_header(column), column)
    mapping = ColumnMap(
        source_id=_first(by_key, (*kind.source_id_columns, "source_id")),
        name=_first(by_key, (*kind.name_columns, "name")),
        name_kana=_first(by_key, (*kind.name_kana_columns, "name_kana")),
        address=_first(by_key, (*kind.address_columns, "address")),
        municipality_code=_first(by_key, MUNICIPALITY_CODE_COLUMNS),
    )
    for f in kind.fields:
        column = _first(by_key, (f.name, *f.columns))
        if column is not None:
            mapping.fields[f.name] = column
        if f.type == CODES:
            flags = {}
            for code in f.codes:
                flag_column = _first(by_key, code.flag_columns)
                if flag_column is not None:
                    flags[code.value] = flag_column
            if flags:
                mapping.flags[f.name] = flags

    findings = _apply_chosen(kind, mapping, columns, chosen or {})
    findings += _set_constants(kind, mapping, values or {})
    if mapping.name is None and kind.name_required:
        findings.append(
            Finding(
                "name_column_missing",
                f"名称の列が見つかりません（候補: {', '.join(kind.name_columns)}）",
                f"No name column found (expected one of: {', '.join(kind.name_columns)})",
            )
        )
    if mapping.source_id is None:
        findings.append(
            Finding(
                "id_column_missing",
                "ID の列がないため、名称と位置から ID を作ります（再読込で変わることがあります）",
                "No ID column: IDs are derived from name and location, and may change when either changes",
                severity="warning",
            )
        )
    return mapping, findings


def _apply_chosen(kind, mapping, columns, chosen) -> list[Finding]:
    """The uploader's choices win over the automatic mapping; "" means no column. A choice naming a
    column this file lacks (a choice remembered from an earlier file) is skipped with a warning."""
    findings = []
    for target, column in chosen.items():
        if column and column not in columns:
            findings.append(
                Finding(
                    "chosen_column_missing",
                    f"指定した列 {column} がこのファイルにないため、{target} は自動で対応付けました",
                    f"The chosen column {column} is not in this file: {target} was mapped automatically",
                    severity=WARNING,
                    field=target,
                )
            )
            continue
        if target in COMMON_TARGETS:
            setattr(mapping, target, column or None)
        elif target in kind.fields_by_name:
            mapping.flags.pop(target, None)
            if column:
                mapping.fields[target] = column
            else:
                mapping.fields.pop(target, None)
    return findings


def _set_constants(kind, mapping, values) -> list[Finding]:
    """Check the uploader's values for every row once, before any row: an unknown field or a value
    outside the code list refuses the file rather than failing every row alike."""
    findings = []
    for name, value in values.items():
        f = kind.fields_by_name.get(name)
        if f is None:
            known = ", ".join(f.name for f in kind.fields)
            findings.append(
                Finding(
                    "unknown_field",
                    f"全行の値: この種類のレイヤに {name!r} という項目はありません（項目: {known}）",
                    f"Value for every row: this kind of layer has no field {name!r} (fields: {known})",
                    field=name,
                    value=short(value),
                )
            )
            continue
        try:
            coerce(f, value)
        except ValueError as exc:
            ja, en = exc.args if len(exc.args) == 2 else (str(exc), str(exc))
            codes = ", ".join(code.value for code in f.codes)
            findings.append(
                Finding(
                    "invalid_value",
                    f"全行の値: {ja}" + (f"（値: {codes}）" if codes else ""),
                    f"Value for every row: {en}" + (f" (values: {codes})" if codes else ""),
                    field=name,
                    value=short(value),
                )
            )
            continue
        mapping.constants[name] = value
        column = mapping.fields.pop(name, None)
        flag_columns = list(mapping.flags.pop(name, {}).values())
        for ignored in filter(None, [column, *flag_columns]):
            findings.append(
                Finding(
                    "column_ignored",
                    f"列 {ignored} は使わず、全行の {f.label_ja} を {value} とします",
                    f"Column {ignored} is not used: {f.label_en} is {value} for every row, as set",
                    severity=WARNING,
                    field=ignored,
                    value=short(value),
                )
            )
    return findings


def is_true_flag(value) -> bool:
    """GSI and the standard dataset mark a designation with 1; blank means no."""
    return str(value).strip() in {"1", "1.0", "○", "〇", "◯", "true", "True"}


def apply(mapping: ColumnMap, attributes: dict) -> dict:
    """One row's attributes as the kind's raw values (still to be validated)."""

    def get(column):
        if column is None:
            return None
        value = attributes.get(column)
        return value.strip() if isinstance(value, str) else value

    raw = {
        "source_id": get(mapping.source_id),
        "name": get(mapping.name),
        "name_kana": get(mapping.name_kana),
        "address": get(mapping.address),
        "municipality_code": get(mapping.municipality_code),
        "properties": {name: get(column) for name, column in mapping.fields.items()},
    }
    for field_name, flags in mapping.flags.items():
        raw["properties"][field_name] = [code for code, column in flags.items() if is_true_flag(attributes.get(column))]
    raw["properties"].update(mapping.constants)
    return raw
