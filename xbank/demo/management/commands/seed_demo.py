"""``manage.py seed_demo``: load the demo data set and print the demo logins."""

from __future__ import annotations

import os
import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xbank.accounts.models import Role
from xbank.demo import data
from xbank.demo.seed import seed_demo


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(pad(c, w) for c, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(pad(c, w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


class Command(BaseCommand):
    help = "载入演示数据（可重复运行，不会产生重复记录），并列出演示账号。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT", "8000")),
            help="the port shown in the demo URL (default: $PORT or 8000)",
        )

    def handle(self, *args, port: int, **options):
        if getattr(settings, "PRODUCTION", False):
            # The demo users' password is public: never create them on a real server.
            raise CommandError(
                "生产环境（XBANK_ENV=production）不能载入演示数据：演示账号的密码是公开的。"
            )
        started = time.monotonic()
        result = seed_demo()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"演示数据已就绪（{elapsed:.1f} 秒）：新增学习者 {result.created_learners} 人，"
            f"新增学习成果 {result.created_outcomes} 条。"
        )
        labels = dict(Role.choices)
        rows = []
        for spec, user in result.users:
            label = str(labels[spec.role])
            if spec.role == Role.SCHOOL_STAFF:
                label += "·护理学院"
            if spec.institution == data.PARTNER:
                label = "合作院校" + label
            rows.append([label, user.username, data.DEMO_PASSWORD, spec.try_this])
        self.stdout.write("")
        self.stdout.write(table(["角色", "用户名", "密码", "可以试试"], rows))
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                f"以上密码仅供演示，公开可见，切勿用于生产环境。"
                f"DEMO PASSWORD {data.DEMO_PASSWORD!r} IS PUBLIC: NEVER USE IT IN PRODUCTION."
            )
        )
        self.stdout.write(f"打开 http://127.0.0.1:{port}/ 登录。")
