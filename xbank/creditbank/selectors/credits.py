"""A learner's credits in one curriculum (earned, exempted, converted within the cap), computed
for many accounts at once: the graduation audit and the transcript both read them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from xbank.catalog.models import Curriculum, CurriculumCourse

from .. import engine
from ..models import CreditEntry
from ..rules import TENTH, ZERO


@dataclass
class CreditSummary:
    """A learner's credits in one curriculum, each course counted once."""

    required: Decimal
    cap: Decimal
    earned: Decimal = ZERO  # courses passed (course results), within each course's credits
    exempted: Decimal = ZERO  # exempted courses not also passed
    converted_credits: Decimal = ZERO  # conversion credits (转换学分) in credit categories

    @property
    def converted(self) -> Decimal:
        return self.exempted + self.converted_credits

    @property
    def converted_counted(self) -> Decimal:
        return min(self.converted, self.cap)

    @property
    def total(self) -> Decimal:
        return self.earned + self.converted_counted

    @property
    def credits_ok(self) -> bool:
        return self.total >= self.required


def _credit_summaries(
    account_ids: list[int], curriculum: Curriculum, rows: dict[int, CurriculumCourse]
) -> dict[int, CreditSummary]:
    """Summaries for many accounts in one curriculum: two grouped queries per chunk."""
    share = engine.policy_shares([curriculum.major.institution_id])[curriculum.major.institution_id]
    required = Decimal(curriculum.total_credits)
    cap = (required * share).quantize(TENTH)
    earned: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    exempted: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    credits: dict[int, Decimal] = defaultdict(Decimal)
    for chunk in engine.chunks(account_ids):
        for row in (
            CreditEntry.objects.filter(engine.earned_q(), account_id__in=chunk)
            .filter(course_id__in=list(rows))
            .values("account_id", "course_id")
            .annotate(total=Sum("credits"))
            .order_by()
        ):
            earned[(row["account_id"], row["course_id"])] += row["total"]
        for row in (
            CreditEntry.objects.filter(engine.converted_q(), account_id__in=chunk)
            .filter(curriculum=curriculum)
            .values("account_id", "course_id")
            .annotate(total=Sum("credits"))
            .order_by()
        ):
            if row["course_id"] is None:
                credits[row["account_id"]] += row["total"]
            else:
                exempted[(row["account_id"], row["course_id"])] += row["total"]
    summaries = {}
    for account_id in account_ids:
        summary = CreditSummary(required=required, cap=cap)
        for course_id, row in rows.items():
            passed = min(max(earned.get((account_id, course_id), ZERO), ZERO), row.credits)
            excused = min(
                max(exempted.get((account_id, course_id), ZERO), ZERO), row.credits - passed
            )
            summary.earned += passed
            summary.exempted += excused
        summary.converted_credits = max(credits.get(account_id, ZERO), ZERO)
        summaries[account_id] = summary
    return summaries
