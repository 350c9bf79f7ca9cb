"""What a contract promises for a contract year, what was delivered and what remains (R-SVC-2)."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count

from jiayi.catalog.models import PackageItem
from jiayi.contracts.rules import term_end

from .models import RecordStatus, ServiceRecord


def contract_year(contract, on: dt.date) -> tuple[dt.date, dt.date]:
    """The contract year containing `on`: [start + k years, start + k+1 years), within the contract."""
    k = 0
    while True:
        start = contract.start if k == 0 else term_end(contract.start, k) + dt.timedelta(days=1)
        end = min(term_end(contract.start, k + 1), contract.end)
        if on <= end or end >= contract.end:
            return start, end
        k += 1


@dataclass
class EntitlementLine:
    item_id: int
    item_name: str
    packages: list[str]
    promised: int
    delivered: int

    @property
    def remaining(self) -> int:
        return max(self.promised - self.delivered, 0)

    @property
    def beyond(self) -> int:
        return max(self.delivered - self.promised, 0)


@dataclass
class Entitlement:
    contract_id: int
    period: tuple[dt.date, dt.date]
    lines: list[EntitlementLine]

    @property
    def promised(self) -> int:
        return sum(line.promised for line in self.lines)

    @property
    def delivered_within(self) -> int:
        return sum(min(line.delivered, line.promised) for line in self.lines)

    @property
    def rate(self) -> Decimal | None:
        """Fulfilment rate: delivered within entitlement ÷ promised, as a percentage (2 places)."""
        if not self.promised:
            return None
        return (Decimal(self.delivered_within) * 100 / Decimal(self.promised)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    def line_for(self, item_id: int) -> EntitlementLine | None:
        return next((line for line in self.lines if line.item_id == item_id), None)


def promised_items(contract) -> dict[int, tuple[str, list[str], int]]:
    """item id → (name, package names, yearly quantity); first-contract-only items only on a first contract."""
    out: dict[int, tuple[str, list[str], int]] = {}
    package_ids = list(contract.packages.values_list("package_id", flat=True))
    rows = PackageItem.objects.filter(package_id__in=package_ids).select_related("item", "package")
    for pi in rows:
        if pi.first_contract_only and not contract.is_first:
            continue
        name, pkgs, qty = out.get(pi.item_id, (pi.item.name, [], 0))
        out[pi.item_id] = (name, [*pkgs, pi.package.name], qty + pi.quantity)
    return out


def entitlement(contract, on: dt.date | None = None) -> Entitlement:
    on = on or dt.date.today()
    start, end = contract_year(contract, min(max(on, contract.start), contract.end))
    promised = promised_items(contract)
    delivered = dict(
        ServiceRecord.objects.filter(
            contract=contract, status=RecordStatus.VALID, performed_on__gte=start, performed_on__lte=end
        )
        .values_list("item_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    lines = [
        EntitlementLine(
            item_id=iid, item_name=name, packages=pkgs, promised=qty, delivered=delivered.get(iid, 0)
        )
        for iid, (name, pkgs, qty) in promised.items()
    ]
    for iid, n in delivered.items():  # delivered but not in any package
        if iid not in promised:
            from jiayi.catalog.models import ServiceItem

            lines.append(EntitlementLine(iid, ServiceItem.objects.get(pk=iid).name, [], 0, n))
    lines.sort(key=lambda line: (line.promised == 0, line.item_name))
    return Entitlement(contract_id=contract.pk, period=(start, end), lines=lines)
