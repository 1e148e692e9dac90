"""The import pipeline: open → read → map columns → validate → compare → publish.

Every import, from the admin, the command line or `load_demo`, runs through `run_import`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import shapely
from django.conf import settings
from django.db import transaction

from layers.models import Layer, Municipality

from . import crs as crs_module
from .columns import map_columns
from .models import ImportRun
from .places import Places
from .publish import REPLACE, UPSERT, Summary, plan, publish
from .readers import reader_for
from .report import ERROR, Finding, ImportRefused
from .upload import ImportOptions, UploadWorkspace
from .validate import RowValidator

DRY_RUN = "dry_run"
MODES = (DRY_RUN, REPLACE, UPSERT)
STAGES = ("open", "read", "map_columns", "validate", "compare", "publish")


@dataclass
class ImportResult:
    run: ImportRun
    findings: list[Finding] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    rows: int = 0
    accepted: int = 0

    @property
    def errors(self):
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def published(self):
        return self.run.status == ImportRun.Status.PUBLISHED


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
) -> ImportResult:
    """Import one file into `layer` for `municipality` (None: prefecture-wide, placed by location).

    `mode` is dry_run, replace or upsert. With a dry run, `publish_mode` says what the comparison
    is made for (replace by default). Nothing is published when any finding is an error.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    options = options or ImportOptions()
    kind = layer.kind_spec
    run = ImportRun(
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
            table = reader_for(upload).read(upload)
            run.file_format, run.encoding = table.format, table.encoding
            result.findings.extend(table.notes)
            rows = iter(table.rows)
            first = next(rows, None)
            if first is None:
                raise ImportRefused(Finding("no_rows", "データ行がありません", "The file has no data rows"))
            source_crs = _source_crs(table, options, first, result)
            run.source_srs = crs_module.label(source_crs)
            mapping, findings = map_columns(kind, table.columns)
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
    except ImportRefused as refused:
        result.findings.extend(f for f in refused.findings if f not in result.findings)
        return _finish(result, ImportRun.Status.REFUSED)

    if result.errors:
        return _finish(result, ImportRun.Status.REFUSED)
    if mode == DRY_RUN:
        result.summary = plan(layer, municipality, candidates, publish_mode or REPLACE)[0]
        return _finish(result, ImportRun.Status.REPORTED)
    with transaction.atomic():
        result.summary, published = publish(layer, municipality, candidates, mode, user=user)
        run.published_version = published.version
        _finish(result, ImportRun.Status.PUBLISHED)
        published.import_run = run
        published.save(update_fields=["import_run"])
    return result


def _validate_rows(rows, validator, result, progress):
    candidates = []
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
        candidate, findings = validator.check(row)
        result.findings.extend(findings)
        if candidate is not None:
            candidates.append(candidate)
        if progress and result.rows % 500 == 0:
            progress(result.rows)
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
    run.save()
    return result
