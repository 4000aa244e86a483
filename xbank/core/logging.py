"""Logging that never writes a resident ID number or a mobile number in clear (invariant 11).

``MaskPIIFilter`` is attached to every handler in ``settings.LOGGING`` (so it sees records
propagated from any logger, Django's request and development-server access logs included) and,
through ``GunicornLogger``, to gunicorn's error and access logs (``gunicorn.conf.py``). It
formats the record's message with its arguments, masks anything shaped like an ID or mobile
number (``xbank.core.pii.mask_text``), and keeps the masked text as the message: whatever
formatter runs next sees only masked text. Tracebacks are masked the same way.
"""

from __future__ import annotations

import logging

from .pii import mask_text


class MaskPIIFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: mask what there is rather than drop it
            message = f"{record.msg} {record.args!r}"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def _add_filter(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, MaskPIIFilter) for f in target.filters):
        target.addFilter(MaskPIIFilter())


try:
    from gunicorn.glogging import Logger as _GunicornBase
except ImportError:  # pragma: no cover - gunicorn is a dependency, but not of every tool
    _GunicornBase = None

if _GunicornBase is not None:

    class GunicornLogger(_GunicornBase):
        """Gunicorn's logger with ``MaskPIIFilter`` on its error and access logs: the access
        line holds the query string, which may hold an ID number."""

        def setup(self, cfg) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                _add_filter(log)
                for handler in log.handlers:
                    _add_filter(handler)
