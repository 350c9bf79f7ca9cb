"""What every registry service shares: scope checks and the "not given" marker for updates."""

from django.db import models

from jiayi.core.errors import NotFound
from jiayi.core.scope import INSTITUTION, REGION, TEAM

from ..errors import OutOfScope


class _Unset:
    def __repr__(self):
        return "UNSET"

    def __bool__(self):
        return False


# An update argument left at UNSET keeps the stored value (PATCH semantics); None clears it.
UNSET = _Unset()


def given(value) -> bool:
    return value is not UNSET


def locked(actor, obj: models.Model) -> models.Model:
    """Re-read `obj` under a row lock if the actor may see it; NotFound otherwise (no leak)."""
    model = type(obj)
    if obj.pk is None or not model.objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise NotFound()
    return model.objects.select_for_update().get(pk=obj.pk)


def visible(actor, obj: models.Model | None) -> models.Model | None:
    """The same object as the actor sees it, or NotFound; None passes through."""
    if obj is None:
        return None
    return type(obj).objects.get_visible(actor, pk=obj.pk)


def ensure_in_scope(actor, obj: models.Model) -> None:
    """After a create or a move: the object must land inside the actor's scope (rolled back otherwise)."""
    if not type(obj).objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise OutOfScope()


def manages_institution(actor, institution) -> bool:
    """Whether the institution's people-data (residents, baselines...) is within the actor's scope.

    Institutions themselves are visible county-wide as reference data, so this is narrower.
    """
    scope = actor.scope
    if scope.sees_all:
        return True
    if scope.kind == REGION:
        return institution.region_code.startswith(scope.region_prefix)
    if scope.kind in (INSTITUTION, TEAM):
        return institution.pk in scope.institution_ids
    return False


def ensure_manages_institution(actor, institution) -> None:
    if not manages_institution(actor, institution):
        raise OutOfScope()


def ensure_region_writable(actor, region) -> None:
    """Region writes stay inside the actor's own subtree (its ancestors are visible but not theirs)."""
    scope = actor.scope
    if scope.sees_all:
        return
    if scope.kind == REGION and region.code.startswith(scope.region_prefix):
        return
    raise OutOfScope()
