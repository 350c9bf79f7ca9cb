"""Demo rows for the optional apps (surveys, referrals), added only when they are installed."""

import datetime as dt


def survey_responses(*, seed_value: int, today: dt.date) -> int:
    return 0


def referrals(*, seed_value: int, today: dt.date) -> int:
    return 0
