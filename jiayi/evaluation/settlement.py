"""Settlement arithmetic (R-EVA-5), exact to the fen.

Fees due: each contract's frozen yearly package fees (by payer) × its term in years, prorated to
the days of the period the contract was in force: amount = yearly fee × term years × days in force
in the period ÷ days of the whole term. A contract in force for a whole contract year yields
exactly its yearly fee, leap year or not. A terminated contract is in force up to the day before
`terminated_on`.

Rounding: the exact (rational) amounts are summed per team and payer, then rounded half up to the
fen once; the team's total is the sum of the rounded parts, so the parts always add up.
Disbursed = total × score ÷ 100; pay pool = (disbursed − costs when the policy says "after costs")
× the policy's staff share, each rounded half up to the fen. The pay pool is the minimum the
team's staff must receive.
"""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

FEN = Decimal("0.01")
PAYERS = ("fee_public_health", "fee_insurance", "fee_resident")


def round_fraction(value: Fraction) -> Decimal:
    """Round a rational half up to the fen without going through a binary or short decimal."""
    cents = value * 100
    whole = cents.numerator // cents.denominator
    rest = cents - whole
    if rest >= Fraction(1, 2):
        whole += 1
    return (Decimal(whole) / 100).quantize(FEN)


def last_day_in_force(end: dt.date, terminated_on: dt.date | None) -> dt.date:
    if terminated_on is not None:
        return min(end, terminated_on - dt.timedelta(days=1))
    return end


def overlap_days(a0: dt.date, a1: dt.date, b0: dt.date, b1: dt.date) -> int:
    return max((min(a1, b1) - max(a0, b0)).days + 1, 0)


def prorated(fee: Decimal, *, term_years: int, start: dt.date, end: dt.date, days: int) -> Fraction:
    term_days = (end - start).days + 1
    return Fraction(fee) * term_years * days / term_days


def team_fees(rows, period_start: dt.date, period_end: dt.date) -> dict[int, dict]:
    """rows: (team_id, contract_id, start, end, terminated_on, term_years, fee_ph, fee_ins, fee_res)
    → team → {"contracts": n, payer: Decimal rounded}."""
    exact: dict[int, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    contracts: dict[int, set[int]] = defaultdict(set)
    for team_id, cid, start, end, terminated_on, years, *fees in rows:
        days = overlap_days(start, last_day_in_force(end, terminated_on), period_start, period_end)
        if days <= 0:
            continue
        contracts[team_id].add(cid)
        for payer, fee in zip(PAYERS, fees, strict=True):
            exact[team_id][payer] += prorated(fee, term_years=years, start=start, end=end, days=days)
    out = {}
    for team_id, parts in exact.items():
        rounded = {p: round_fraction(parts[p]) for p in PAYERS}
        rounded["fee_total"] = sum(rounded.values(), Decimal("0.00"))
        rounded["contracts"] = len(contracts[team_id])
        out[team_id] = rounded
    return out


def money(total: Decimal, score: Decimal, costs: Decimal, share_percent: Decimal, after_costs: bool):
    """(disbursed, pay pool) for a team."""
    disbursed = (total * score / 100).quantize(FEN, rounding=ROUND_HALF_UP)
    base = disbursed - costs if after_costs else disbursed
    pool = (max(base, Decimal(0)) * share_percent / 100).quantize(FEN, rounding=ROUND_HALF_UP)
    return disbursed, pool
