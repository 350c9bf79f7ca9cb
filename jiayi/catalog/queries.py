"""Reads of the catalogue. `packages_available` is what the contracts app offers at signing."""

import datetime as dt

from django.db.models import Count, Prefetch, Q

from .models import PackageItem, PackageStatus, ServiceItem, ServicePackage


def item_list(user, filters=None):
    qs = ServiceItem.objects.all()
    return filters.filter(qs) if filters is not None else qs


def item_get(user, pk) -> ServiceItem:
    from jiayi.core.errors import NotFound

    try:
        return ServiceItem.objects.get(pk=pk)
    except (ServiceItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _with_items(qs):
    return qs.select_related("region").prefetch_related(
        Prefetch("items", queryset=PackageItem.objects.select_related("item"))
    )


def package_list(user, filters=None):
    qs = ServicePackage.objects.visible_to(user).select_related("region").annotate(item_count=Count("items"))
    if filters is not None:
        qs = filters.filter(qs)
    return qs.order_by("code", "-version")


def package_get(user, pk) -> ServicePackage:
    return _with_items(ServicePackage.objects.all()).get_visible(user, pk=pk)


def package_versions(package: ServicePackage) -> list[ServicePackage]:
    """Every version of the package's code, newest first."""
    return list(ServicePackage.objects.filter(code=package.code).order_by("-version"))


def packages_available(region, on_date: dt.date, *, population: str | None = None, tier: str | None = None):
    """Active packages a resident of `region` can sign on `on_date`: general ones and those of the
    region or any ancestor, valid on that date; optionally for one population token or tier."""
    ids = [] if region is None else [region.pk, *[r.pk for r in region.ancestors()]]
    qs = ServicePackage.objects.filter(
        Q(region__isnull=True) | Q(region_id__in=ids),
        status=PackageStatus.ACTIVE,
        valid_from__lte=on_date,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))
    if population:
        qs = qs.filter(Q(populations__icontains=f'"{population}"') | Q(populations__icontains='"all"'))
    if tier:
        qs = qs.filter(tier=tier)
    return _with_items(qs).order_by("tier", "code")
