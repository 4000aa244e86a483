"""Gunicorn reads this file from its working directory (the project root, see docs/operations.md).

Its error and access logs go through ``xbank.core.logging.MaskPIIFilter``: an access line holds
the query string, and no log may hold a resident ID or mobile number in clear (invariant 11).
"""

logger_class = "xbank.core.logging.GunicornLogger"
