"""Which importer serves which kind. The kinds live in their own apps; core only names them."""

from django.utils.module_loading import import_string

from jiayi.core.errors import ValidationFailed
from jiayi.core.models import ImportKind

from .base import Importer

KINDS = {
    ImportKind.RESIDENTS: "jiayi.registry.importers.ResidentImporter",
    ImportKind.HOUSEHOLDS: "jiayi.registry.importers.HouseholdImporter",
    ImportKind.KEY_POPULATIONS: "jiayi.registry.importers.KeyPopulationImporter",
    ImportKind.BASELINES: "jiayi.registry.importers.BaselineImporter",
    ImportKind.VISITS: "jiayi.evaluation.importers.VisitImporter",
}


def importer_class(kind: str) -> type[Importer]:
    try:
        return import_string(KINDS[ImportKind(kind)])
    except (KeyError, ValueError):
        raise ValidationFailed(details={"field": "kind", "kind": kind}) from None
