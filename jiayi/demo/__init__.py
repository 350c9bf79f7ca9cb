"""The demo district generator (黔江区): `build_district()` for `jiayi demo` and benchmarks,
`iter_resident_rows()` for import files. A plain package, not a Django app."""

from .build import build_district, demo_exists
from .logins import DEMO_PASSWORD
from .people import iter_resident_rows
from .reset import reset_district

__all__ = ["DEMO_PASSWORD", "build_district", "demo_exists", "iter_resident_rows", "reset_district"]
