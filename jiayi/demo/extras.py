"""Demo rows for the optional apps (surveys, referrals), added only when they are installed.

Both are idempotent: a county that already has survey answers (or referrals) gets nothing more.
"""

import datetime as dt


def survey_responses(*, seed_value: int, today: dt.date) -> int:
    from .surveying import build_surveys

    return build_surveys(seed_value=seed_value, today=today)


def referrals(*, seed_value: int, today: dt.date) -> int:
    from .referring import build_referrals

    return build_referrals(seed_value=seed_value, today=today)
