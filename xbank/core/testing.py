"""Synthetic test and demo data helpers (Faker zh_CN; never real people)."""

from __future__ import annotations

import datetime
import random

from xbank.core.identity import check_digit

# Real province + county codes that python-stdnum's table knows (so no area warning).
AREA_CODES = ["440106", "440104", "440303", "441802", "440305", "445102", "110101", "310104"]


def make_id_number(
    rng: random.Random | None = None,
    *,
    area: str | None = None,
    birth: datetime.date | None = None,
    female: bool | None = None,
) -> str:
    """A resident ID number with a correct check digit and a real birth date."""
    rng = rng or random.Random()
    area = area or rng.choice(AREA_CODES)
    if birth is None:
        birth = datetime.date(1995, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 12))
    seq = rng.randrange(0, 999)
    if female is not None and (seq % 2 == 1) == female:
        seq = (seq + 1) % 1000
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)
