"""Settings of the server under the registration burst: XBank's own, production-like (no DEBUG),
with the per-address limit of public registrations lifted — every client of the benchmark comes
from the one loopback address."""

from xbank.settings import *  # noqa: F403

DEBUG = False
XBANK_TRAINING_REGISTER_RATE = None
# No collectstatic in the benchmark: plain static storage instead of the hashed manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
