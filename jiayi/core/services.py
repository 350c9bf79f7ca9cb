"""Writes of the core app: users, log-in failures and lock-out."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .audit import record_write, snapshot
from .models import User


def user_login_failed_register(*, username: str) -> User | None:
    """Count a failed log-in; lock the account for a while after too many in a row (R-SEC-3)."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            return None
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.JIAYI_LOCKOUT_ATTEMPTS:
            user.locked_until = timezone.now() + dt.timedelta(minutes=settings.JIAYI_LOCKOUT_MINUTES)
            user.failed_logins = 0
            user.save(update_fields=["locked_until", "failed_logins"])
            record_write(actor=None, action="lock", obj=user, after={"locked_until": user.locked_until})
        return user


def user_login_succeeded(*, user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


def user_is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > timezone.now())


def user_unlock(*, actor, user: User) -> None:
    with transaction.atomic():
        before = snapshot(user, ["locked_until", "failed_logins"])
        user.locked_until = None
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])
        record_write(
            actor=actor,
            action="unlock",
            obj=user,
            before=before,
            after=snapshot(user, ["locked_until", "failed_logins"]),
        )
