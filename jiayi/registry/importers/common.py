"""Rules the import kinds share: reference checks and their reasons, in one place for both paths."""

from django.utils.translation import gettext as _


class ReferenceErrors:
    """The checks against stored rows, fed with what the ORM lookups or the SQL joins found."""

    def __init__(self, importer):
        self.importer = importer
        self.errors = []

    def _add(self, p, key: str, reason: str) -> None:
        p.ok = False
        self.errors.append(self.importer.error(p.row, key, reason))

    def check(
        self,
        p,
        *,
        region_found: bool,
        institution_id: int | None,
        existing_institution_id: int | None = None,
        household_institution_id: int | None = None,
        household_key: str = "household_code",
    ) -> None:
        may = self.importer.may_import_into
        if p.village_code and not region_found:
            self._add(p, "village_code", village_unknown(p.village_code))
        if p.institution_code:
            if institution_id is None:
                self._add(p, "institution_code", _("机构编码不存在：%(v)s") % {"v": p.institution_code})
            elif not may(institution_id):
                self._add(p, "institution_code", outside_scope(p.institution_code))
        if existing_institution_id is not None and not may(existing_institution_id):
            self._add(p, "national_id", _("该居民由其他机构管理，无权修改"))
        if household_institution_id is not None and not may(household_institution_id):
            code = getattr(p, household_key)
            self._add(p, household_key, _("户编号已被其他机构使用：%(v)s") % {"v": code})


def village_unknown(code: str) -> str:
    return _("村/社区代码不存在（应为12位村级统计用区划代码）：%(v)s") % {"v": code}


def outside_scope(code: str) -> str:
    return _("机构不在您的管辖范围内：%(v)s") % {"v": code}
