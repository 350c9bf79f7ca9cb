"""Drive an importer over a file in batches: constant memory, one transaction per batch.

A batch either lands (its good rows) or, on an unexpected error, rolls back whole; rows of earlier
batches stay, and because every kind is an idempotent upsert, importing the file again finishes
the job without duplicates.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import reset_queries, transaction
from django.utils.translation import gettext as _

from jiayi.core.errors import ImportRejected

from .base import Importer, Row, RowError
from .readers import open_sheet

BATCH_SIZE = 2000


@dataclass
class Counts:
    total: int | None = None
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    sample: list[RowError] = field(default_factory=list)  # the first few rejections, for the console

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "processed": self.processed,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def _header_map(importer: Importer, headers: list[str]) -> dict[str, int]:
    position = {}
    for i, h in enumerate(headers):
        position.setdefault(h.strip(), i)
    found, missing = {}, []
    for col in importer.columns:
        header = str(col.header)
        if header in position:
            found[col.key] = position[header]
        elif col.required:
            missing.append(header)
    if missing:
        raise ImportRejected(
            _("缺少必需的列：%(cols)s。请使用导入模板的表头。") % {"cols": "、".join(missing)},
            details={"missing": missing},
        )
    return found


def run_import(
    importer: Importer,
    path: str | Path,
    *,
    name: str = "",
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[Counts], None] | None = None,
    on_rejections: Callable[[list[RowError]], None] | None = None,
) -> Counts:
    counts = Counts()
    with open_sheet(path, name) as sheet:
        columns = _header_map(importer, sheet.headers)
        counts.total = sheet.total
        if on_progress:
            on_progress(counts)
        batch: list[Row] = []
        for number, cells in sheet.rows:
            batch.append((number, {k: cells[i] if i < len(cells) else "" for k, i in columns.items()}))
            if len(batch) >= batch_size:
                _run_batch(importer, batch, counts, on_progress, on_rejections)
                batch = []
        if batch:
            _run_batch(importer, batch, counts, on_progress, on_rejections)
    counts.total = counts.processed  # the XLSX row count is an estimate until the end
    return counts


def _run_batch(importer, batch, counts: Counts, on_progress, on_rejections) -> None:
    with transaction.atomic():
        outcome = importer.process_batch(batch)
        errors = sorted(outcome.errors)
        if on_rejections and errors:
            on_rejections(errors)
    # With DEBUG on, Django keeps every SQL string it ran (a 2,000-row INSERT is a big one);
    # a long job would grow with the file, so the log is emptied per batch.
    reset_queries()
    counts.processed += len(batch)
    counts.created += outcome.created
    counts.updated += outcome.updated
    counts.unchanged += outcome.unchanged
    counts.rejected += len(outcome.rejected_rows)
    if len(counts.sample) < 50:
        counts.sample.extend(errors[: 50 - len(counts.sample)])
    if on_progress:
        on_progress(counts)
