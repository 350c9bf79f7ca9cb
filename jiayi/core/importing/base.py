"""The pieces every import kind is made of: columns, row errors, value parsers, the scope rule.

An importer receives batches of rows (row number, {column key: text}) and returns what happened
to them. Value parsers raise `CellError` with a Chinese reason; the importer attaches the column.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from jiayi.core import scope as sc


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    example: str = ""
    # Shown as text in the XLSX template so Excel keeps leading zeros and all 18 digits.
    text: bool = False
    help: str = ""


@dataclass(frozen=True, order=True)
class RowError:
    row: int
    position: int  # column position, so errors sort the same way on every path
    column: str
    reason: str


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> set[int]:
        return {e.row for e in self.errors}


Row = tuple[int, dict[str, str]]


class CellError(Exception):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class Importer:
    """Subclasses set `kind`, `columns` and implement `process_batch` (called inside a transaction)."""

    kind: str = ""
    columns: list[Column] = []

    def __init__(self, actor):
        self.actor = actor
        self._allowed = importable_institution_ids(actor)

    @classmethod
    def column(cls, key: str) -> Column:
        return next(c for c in cls.columns if c.key == key)

    def error(self, row: int, key: str, reason: str) -> RowError:
        col = self.column(key)
        return RowError(row=row, position=self.columns.index(col), column=str(col.header), reason=str(reason))

    def may_import_into(self, institution_id: int | None) -> bool:
        return self._allowed is None or institution_id in self._allowed

    def process_batch(self, rows: list[Row]) -> BatchOutcome:  # pragma: no cover - abstract
        raise NotImplementedError


def importable_institution_ids(actor) -> set[int] | None:
    """The institutions an actor may import into; None means all (system admin, the console).

    Stricter than `Institution.objects.visible_to`: institutions are reference data visible across a
    county, but an institution admin writes only into their own institution and its stations.
    """
    from jiayi.registry.models import Institution

    if actor is None:
        return None
    scope = actor.scope
    if scope.sees_all:
        return None
    if scope.kind == sc.REGION:
        qs = Institution.objects.filter(region_code__startswith=scope.region_prefix)
        return set(qs.values_list("pk", flat=True))
    if scope.kind in (sc.INSTITUTION, sc.TEAM):
        return set(scope.institution_ids)
    return set()


# --- value parsers shared by the kinds ----------------------------------------------------------


def parse_choice(value: str, choices, *, default: str | None = None, refuse: Iterable[str] = ()) -> str:
    """A Chinese label (or the stored value) of a TextChoices; blank gives `default`."""
    value = (value or "").strip()
    if not value:
        if default is None:
            raise CellError(_("不能为空"))
        return default
    for stored, label in choices.choices:
        if value in (str(label), stored):
            if stored in refuse:
                raise CellError(_("“%(v)s”不能导入") % {"v": value})
            return stored
    allowed = "、".join(str(label) for stored, label in choices.choices if stored not in refuse)
    raise CellError(_("“%(v)s”不是可选值，可选：%(a)s") % {"v": value, "a": allowed})


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(value: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) >= 19 and value[10] in " T":  # an Excel date cell read as a datetime
        value = value[:10]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CellError(_("日期格式不正确：%(v)s（应为 2024-01-31）") % {"v": value})


def parse_int(
    value: str, *, minimum: int = 0, maximum: int | None = None, required: bool = True
) -> int | None:
    value = (value or "").strip().replace(",", "")
    if not value:
        if required:
            raise CellError(_("不能为空"))
        return None
    try:
        number = float(value) if "." in value else int(value)
    except ValueError:
        raise CellError(_("应为整数：%(v)s") % {"v": value}) from None
    if number != int(number):
        raise CellError(_("应为整数：%(v)s") % {"v": value})
    number = int(number)
    if number < minimum or (maximum is not None and number > maximum):
        if maximum is None:
            raise CellError(_("应不小于%(a)d：%(v)s") % {"a": minimum, "v": value})
        raise CellError(_("应在%(a)d到%(b)d之间：%(v)s") % {"a": minimum, "b": maximum, "v": value})
    return number


def require_text(value: str, *, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise CellError(_("不能为空"))
    return limit_text(value, max_length=max_length)


def limit_text(value: str, *, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise CellError(_("内容过长（最多%(n)d个字）") % {"n": max_length})
    return value


def apply_steps(importer: Importer, p, cells: dict[str, str], steps, errors: list) -> None:
    """Run (column key, fn(parsed, text)) steps on a row; each failure becomes that column's error.

    BusinessError covers the services' own validators (national ID, phone), whose messages are
    the reasons a clerk reads.
    """
    from jiayi.core.errors import BusinessError

    for key, fn in steps:
        try:
            fn(p, cells.get(key, ""))
        except CellError as exc:
            p.ok = False
            errors.append(importer.error(p.row, key, exc.reason))
        except BusinessError as exc:
            p.ok = False
            errors.append(importer.error(p.row, key, str(exc.message)))
