"""Settings for bench/sign_bench.py only: the product's settings, DEBUG off, plus a bare view."""

from jiayi.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.sign_bench_urls"
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"handlers": [], "level": "CRITICAL"}}
