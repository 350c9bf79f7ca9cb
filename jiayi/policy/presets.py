"""Policy presets: one TOML file per seed document in `presets/` (TOML so that every value can
carry a comment citing its seed). Loaded by `jiayi load_policy_presets`."""

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from jiayi.core.errors import ValidationFailed
from jiayi.registry.models import Region

from .models import PolicySetting
from .services import SYSTEM, policy_setting_create, policy_setting_update, values_of

PRESET_DIR = Path(__file__).parent / "presets"


@dataclass(frozen=True)
class Preset:
    name: str
    year: int
    title: str
    document: str
    region: dict | None  # {"code", "name", "level"}; None = national
    parents: list[dict]
    values: dict

    @property
    def region_code(self) -> str | None:
        return self.region["code"] if self.region else None


def read_preset(path: Path) -> Preset:
    with path.open("rb") as fh:
        data = tomllib.load(fh, parse_float=Decimal)
    values = dict(data["values"])
    values.setdefault("title", data.get("title", ""))
    values.setdefault("document", data.get("document", ""))
    return Preset(
        name=data["name"],
        year=data["year"],
        title=data.get("title", ""),
        document=data.get("document", ""),
        region=data.get("region"),
        parents=data.get("parents", []),
        values=values,
    )


def all_presets() -> dict[str, Preset]:
    return {p.name: p for p in (read_preset(f) for f in sorted(PRESET_DIR.glob("*.toml")))}


def ensure_region(spec: dict, parents: list[dict]) -> Region:
    """The preset's region, created with its ancestors if absent; existing regions are left as they are."""
    parent = None
    for p in [*parents, spec]:
        region = Region.objects.filter(code=p["code"]).first()
        if region is None:
            region = Region.objects.create(code=p["code"], name=p["name"], level=p["level"], parent=parent)
        parent = region
    return parent


def load_preset(
    preset: Preset, *, region: Region | None = None, reset: bool = False
) -> tuple[PolicySetting, str]:
    """Attach a preset to its region (or `region`). Returns the setting and "created",
    "unchanged", "kept" (exists, edited since; left alone) or "reset" (re-applied on request)."""
    with transaction.atomic():
        if region is None and preset.region is not None:
            region = ensure_region(preset.region, preset.parents)
        existing = PolicySetting.objects.filter(region=region, year=preset.year).first()
        if existing is None:
            setting = policy_setting_create(
                actor=SYSTEM, region=region, year=preset.year, values=preset.values, preset=preset.name
            )
            return setting, "created"
        if _same(existing, preset):
            return existing, "unchanged"
        if not reset:
            return existing, "kept"
        return policy_setting_update(actor=SYSTEM, setting=existing, changes=preset.values), "reset"


def _same(setting: PolicySetting, preset: Preset) -> bool:
    from .schemas import validate_policy_values
    from .services import default_values

    try:
        wanted = validate_policy_values({**default_values(), **preset.values})
    except ValidationFailed:
        return False
    current = values_of(setting)
    return all(_eq(current[k], v) for k, v in wanted.items())


def _eq(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(a) == Decimal(b)
    return a == b
