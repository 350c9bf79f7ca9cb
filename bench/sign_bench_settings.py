"""Settings for bench/sign_bench.py only: the product's settings, DEBUG off, plus a bare view."""

import os

from jiayi.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.sign_bench_urls"
# Quiet unless BENCH_VERBOSE is set: then server errors go to stderr with their tracebacks.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": True,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
    "root": {"handlers": [], "level": "CRITICAL"},
}
if not os.environ.get("BENCH_VERBOSE"):
    LOGGING["loggers"] = {}
