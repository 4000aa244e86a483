"""``manage.py check_identities``: re-validate every stored document number (证件号码复核).

Lists each learning account whose number fails today's checks (GB 11643 check digit, birth date,
province, residence-permit prefix, the other documents' formats) or whose lookup hash, birth date
or gender disagree with it, with its account number and the number masked, and exits with status
1; or says that all N accounts passed and exits 0. A deployment made before the check-digit fix
runs it once to find the records it must correct.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from xbank.learners.models import LearningAccount
from xbank.learners.selectors import identity_problems


class Command(BaseCommand):
    help = "复核全部学习账户的证件号码：列出需要更正的账户（证件号已打码），或确认全部有效。"

    def handle(self, *args, **options):
        total = LearningAccount.objects.count()
        found = 0
        for problem in identity_problems():
            found += 1
            self.stdout.write(
                f"账户 {problem.account_no}（id {problem.account_id}）{problem.name} "
                f"{problem.masked}：{problem.reason}"
            )
        if found:
            raise CommandError(
                f"{found} 个账户的证件号码需要更正（共检查 {total} 个账户）。", returncode=1
            )
        self.stdout.write(
            self.style.SUCCESS(f"0 个账户需要更正：{total} 个学习账户的证件号码全部有效。")
        )
