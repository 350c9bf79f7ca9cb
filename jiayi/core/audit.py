"""Audit and access events. Services call these inside their transaction."""

import contextvars
import datetime as dt
import decimal
import uuid

from django.db import models

from .models import AccessEvent, AuditEvent

_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("jiayi_request_ip", default=None)


def set_request_ip(ip: str | None):
    return _request_ip.set(ip)


def reset_request_ip(token) -> None:
    _request_ip.reset(token)


def _jsonable(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


# Ciphertexts and blind indexes are never copied into the audit trail.
_SECRET_SUFFIXES = ("_cipher", "_index")


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """A JSON-ready dict of a model's concrete fields (foreign keys by id), minus secrets."""
    out = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        if f.name.endswith(_SECRET_SUFFIXES):
            continue
        out[f.attname] = _jsonable(getattr(obj, f.attname))
    return out


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys that changed, so an update's event says what changed."""
    if not before or not after:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _actor_fields(actor) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": getattr(actor, "username", "") or "system"}
    return {"actor": actor, "actor_name": str(actor)[:150]}


def record_write(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    county_code: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
        county_code = county_code or getattr(obj, "county_code", "") or ""
    before, after = diff(_jsonable(before), _jsonable(after))
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        object_repr=object_repr[:200],
        county_code=county_code,
        before=before,
        after=after,
        ip=_request_ip.get(),
    )


def record_access(*, actor, obj: models.Model, field: str) -> AccessEvent:
    return AccessEvent.objects.create(
        **_actor_fields(actor),
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        field=field,
        county_code=getattr(obj, "county_code", "") or "",
        ip=_request_ip.get(),
    )
