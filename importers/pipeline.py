"""The import pipeline: open → read → map columns → validate → compare → publish.

Every import, from the admin, the command line or `load_demo`, runs through `run_import`.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
from dataclasses import dataclass, field

import shapely
from django.conf import settings
from django.db import transaction

from layers.kinds import KINDS
from layers.models import Layer, Municipality

from . import crs as crs_module
from . import facilities
from .columns import ColumnMap, map_columns
from .models import ImportRun
from .places import Places
from .publish import REPLACE, UPSERT, Summary, plan, publish
from .readers import read_upload
from .report import ERROR, Finding, ImportRefused, short
from .upload import ImportOptions, UploadWorkspace
from .validate import RowValidator

DRY_RUN = "dry_run"
MODES = (DRY_RUN, REPLACE, UPSERT)
STAGES = ("open", "read", "map_columns", "validate", "compare", "publish")
# Rows checked together (geometries, places); the rows' findings are the same as one by one.
CHUNK_ROWS = 2048

log = logging.getLogger(__name__)


@dataclass
class ImportResult:
    run: ImportRun
    findings: list[Finding] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    rows: int = 0
    accepted: int = 0
    columns: list[str] = field(default_factory=list)  # the file's columns, as read
    mapping: ColumnMap | None = None
    plan: tuple | None = None  # a dry run's plan: (summary, to update, to create, ids to remove)

    @property
    def errors(self):
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def published(self):
        return self.run.status == ImportRun.Status.PUBLISHED


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Python's cyclic garbage collector off for the duration. A file's parsed document (a GeoJSON
    polygon is a list per vertex) grows the heap by millions of containers, and each collection on the
    way walks all of them: a third of the CPU time of a hazard file. An import makes little cyclic
    garbage, and what it makes is collected once the collector is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_cyclic_gc_paused()
def run_import(
    path,
    *,
    layer: Layer,
    municipality: Municipality | None,
    mode: str = REPLACE,
    publish_mode: str | None = None,
    options: ImportOptions | None = None,
    user=None,
    file_name: str | None = None,
    progress=None,
    run: ImportRun | None = None,
) -> ImportResult:
    """Import one file into `layer` for `municipality` (None: prefecture-wide, placed by location).

    `mode` is dry_run, replace or upsert. With a dry run, `publish_mode` says what the comparison
    is made for (replace by default). Nothing is published when any finding is an error.
    `run` is an ImportRun made beforehand (a queued upload), filled in instead of a new one.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    options = options or ImportOptions()
    kind = layer.kind_spec
    run = run or ImportRun(
        options={k: v for k, v in vars(options).items() if v},
        layer=layer,
        municipality=municipality,
        user=user,
        mode=mode,
        file_name=file_name or str(path),
    )
    result = ImportResult(run=run)
    try:
        with UploadWorkspace(path, file_name, options) as upload:
            run.file_name, run.file_sha256 = upload.name, upload.sha256
            table = read_upload(upload)
            run.file_format, run.encoding = table.format, table.encoding
            _check_format_fits(kind, table.format, upload.name)
            result.findings.extend(table.notes)
            rows = iter(table.rows)
            first = next(rows, None)
            if first is None:
                raise ImportRefused(Finding("no_rows", "データ行がありません", "The file has no data rows"))
            source_crs = _source_crs(table, options, first, result)
            run.source_srs = crs_module.label(source_crs)
            mapping, findings = map_columns(kind, table.columns, options.values, options.columns)
            result.columns, result.mapping = list(table.columns), mapping
            result.findings.extend(findings)
            if any(f.severity == ERROR for f in findings):
                raise ImportRefused(*[f for f in findings if f.severity == ERROR])
            validator = RowValidator(
                kind,
                mapping,
                Places(),
                municipality.code if municipality else None,
                crs_module.transformer_to_wgs84(source_crs),
                projected=source_crs.is_projected,
            )
            candidates = _validate_rows(itertools.chain([first], rows), validator, result, progress)
            result.findings[:0] = _missing_everywhere(kind, mapping, result)
    except ImportRefused as refused:
        result.findings.extend(f for f in refused.findings if f not in result.findings)
        return _finish(result, ImportRun.Status.REFUSED)
    except Exception as exc:
        # Readers turn what libraries raise into findings; reaching here is a bug of ours. The uploader
        # still gets a report, not a server error, and nothing is published.
        log.exception("import of %s failed", run.file_name)
        result.findings.append(_unexpected(exc, run.file_name))
        return _finish(result, ImportRun.Status.REFUSED)

    if result.errors:
        return _finish(result, ImportRun.Status.REFUSED)
    publish_as = (publish_mode or REPLACE) if mode == DRY_RUN else mode
    if kind.pairs_facilities:
        # One facility, one record: the file's records join the other list's already published, and
        # the municipality's facilities are published again as a whole.
        candidates, notes = facilities.consolidate(layer, municipality, candidates, publish_as)
        result.findings.extend(notes)
        publish_as = REPLACE
    if mode == DRY_RUN:
        result.plan = plan(layer, municipality, candidates, publish_as)
        result.summary = result.plan[0]
        return _finish(result, ImportRun.Status.REPORTED)
    try:
        with transaction.atomic():
            result.summary, published = publish(layer, municipality, candidates, publish_as, user=user)
            if kind.pairs_facilities:
                facilities.rekey_statuses(layer, candidates)
            run.published_version = published.version
            _finish(result, ImportRun.Status.PUBLISHED)
            published.import_run = run
            published.save(update_fields=["import_run"])
    except Exception as exc:  # rolled back as a whole: nothing of this file is published
        log.exception("publishing %s failed", run.file_name)
        run.published_version = None
        result.summary = Summary()
        result.findings.append(_unexpected(exc, run.file_name))
        return _finish(result, ImportRun.Status.REFUSED)
    return result


def _check_format_fits(kind, table_format, file_name):
    """A format only one kind takes (PLATEAU buildings) goes to that kind, and that kind takes nothing else."""
    owner = next((k for k in KINDS.values() if k.dedicated_format == table_format), None)
    if owner is not None and owner is not kind:
        raise ImportRefused(
            Finding(
                "wrong_layer_for_file",
                f"{file_name}: この形式（{table_format}）は「{owner.label_ja}」のレイヤーにしか取り込めません"
                f"（このレイヤーは「{kind.label_ja}」です）",
                f"{file_name}: this format ({table_format}) belongs in a layer of kind “{owner.label_en}”, "
                f"not “{kind.label_en}”",
            )
        )
    if kind.dedicated_format and table_format != kind.dedicated_format:
        raise ImportRefused(
            Finding(
                "wrong_file_for_layer",
                f"{file_name}: 「{kind.label_ja}」のレイヤーには {kind.dedicated_format} 形式のファイルだけを"
                f"取り込めます（このファイルは {table_format}）",
                f"{file_name}: a layer of kind “{kind.label_en}” takes only {kind.dedicated_format} files "
                f"(this one is {table_format})",
            )
        )


def _unexpected(exc, file_name, row=None) -> Finding:
    reason = short(f"{type(exc).__name__}: {exc}", 200)
    return Finding(
        "unexpected_error",
        f"{file_name}: 予期しないエラーのため取り込めませんでした（{reason}）。管理者に連絡してください",
        f"{file_name}: an unexpected error stopped the import ({reason}); please tell the administrators",
        row=row,
    )


def _missing_everywhere(kind, mapping, result) -> list[Finding]:
    """A required field no row has and no column feeds: say once how to set it for the whole file."""
    findings = []
    for f in kind.fields:
        if not f.required or f.name in mapping.fields or f.name in mapping.flags or f.name in mapping.constants:
            continue
        missing = sum(1 for x in result.findings if x.code == "required" and x.field == f.name)
        if not missing or missing < result.rows:
            continue
        values = ", ".join(code.value for code in f.codes) or "…"
        findings.append(
            Finding(
                "field_missing_everywhere",
                f"{f.label_ja}（{f.name}）の列がなく、どの行にも値がありません。ファイル全体で同じ値なら、"
                f"全行の値として指定してください（アップロード画面の「全行の値」に {f.name}=値、"
                f"または import_layer --set {f.name}=値）。値: {values}",
                f"No row has {f.label_en} ({f.name}) and the file has no column for it. If it is the same for "
                f"the whole file, set it for every row: {f.name}=VALUE in 'Values for every row' on the upload "
                f"page, or import_layer --set {f.name}=VALUE. Values: {values}",
                field=f.name,
            )
        )
    return findings


def _validate_rows(rows, validator, result, progress):
    """Check every row; rows are read a chunk at a time so their geometries are checked together."""
    candidates = []
    chunk = []

    def check_chunk():
        try:
            validator.prepare(chunk)
        except Exception:  # a bug of ours: the rows are still checked one by one, as they would be without
            log.exception("checking rows %s–%s of %s together failed", chunk[0].number, chunk[-1].number,
                          result.run.file_name)  # fmt: skip
            validator.prepare([])
        for row in chunk:
            try:
                candidate, findings = validator.check(row)
            except Exception as exc:  # a bug of ours on an odd value: a finding for this row, the rest is read
                log.exception("checking row %s of %s failed", row.number, result.run.file_name)
                candidate, findings = None, [_unexpected(exc, result.run.file_name, row=row.number)]
            result.findings.extend(findings)
            if candidate is not None:
                candidates.append(candidate)
        chunk.clear()

    try:
        for row in rows:
            result.rows += 1
            if result.rows > settings.MAX_FEATURES_PER_IMPORT:
                raise ImportRefused(
                    Finding(
                        "too_many_features",
                        f"地物が多すぎます（上限 {settings.MAX_FEATURES_PER_IMPORT:,}）",
                        f"Too many features (the limit is {settings.MAX_FEATURES_PER_IMPORT:,})",
                    )
                )
            chunk.append(row)
            if len(chunk) == CHUNK_ROWS:
                check_chunk()
            if progress and result.rows % 500 == 0:
                progress(result.rows)
    finally:
        # Rows read before a file error or the limit are reported as if each had been checked on reading.
        if chunk:
            check_chunk()
    result.accepted = len(candidates)
    return candidates


def _source_crs(table, options, first_row, result):
    if options.srs:
        return crs_module.parse_srs_option(options.srs)
    if table.crs is not None:
        return table.crs
    sample = first_row.geometry
    if sample is None or sample.is_empty:
        return crs_module.JGD2011
    crs, finding = crs_module.guess_crs(shapely.bounds(sample))
    result.findings.append(finding)
    return crs


def _finish(result: ImportResult, status) -> ImportResult:
    run = result.run
    run.status = status
    errors = len(result.errors)
    run.counts = {
        "rows": result.rows,
        "accepted": result.accepted,
        "errors": errors,
        "warnings": len(result.findings) - errors,
        **result.summary.as_dict(),
    }
    run.report = [f.as_dict() for f in result.findings]
    # What the file declared, made storable: a damaged .prj can name a CRS at any length, with NULs.
    for name in ("file_name", "source_srs", "encoding"):
        value = getattr(run, name).replace("\x00", "")
        setattr(run, name, value[: ImportRun._meta.get_field(name).max_length])
    run.save()
    return result
