"""Backups of the database (备份与恢复): SQLite through its online backup API, PostgreSQL through
``pg_dump``/``pg_restore`` in the custom format.

A backup or a restore is worth what its copy can be shown to hold, so both end with the
integrity checks that apps declare on their ``AppConfig`` as ``restore_checks`` (management
command names, e.g. the credit bank's ``verify_ledger``), run against the copy: for SQLite the
backup file itself, opened under a second database alias; after a restore, the restored
database. Core does not import those apps: it finds the checks the way ``manage.py serve`` finds
``daily_tasks``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend

CHECK_ALIAS = "backup_check"


class BackupError(Exception):
    """A backup or restore that could not be made; the message says why, in Chinese."""


def vendor(using: str = "default") -> str:
    return connections[using].vendor


def restore_checks() -> list[str]:
    """The management commands, one per app that declares them, that check a restored copy."""
    return [
        name for config in apps.get_app_configs() for name in getattr(config, "restore_checks", ())
    ]


def run_checks(*, using: str, stdout: Any = None) -> None:
    """Run every app's restore check on the database ``using``; a failing check raises its
    ``CommandError`` (exit status 1), which the caller lets through."""
    for name in restore_checks():
        call_command(name, database=using, stdout=stdout)


@contextmanager
def sqlite_alias(path: Path) -> Iterator[str]:
    """A database alias, for the duration, that opens the SQLite file ``path`` with the default
    database's settings. Made as a connection only, not added to ``DATABASES``."""
    settings_dict = {**connections["default"].settings_dict, "NAME": str(path)}
    copy = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, CHECK_ALIAS)
    connections[CHECK_ALIAS] = copy
    try:
        yield CHECK_ALIAS
    finally:
        copy.close()
        del connections[CHECK_ALIAS]


def _pg_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", settings_dict["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具（postgresql-client）")
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} 失败：{result.stderr.strip()}")


def backup(out: Path, *, using: str = "default") -> Path:
    """Write a consistent copy of the database to ``out`` and return it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(out)
        try:
            connection.connection.backup(target)  # a consistent snapshot, while others write
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_args(connection.settings_dict)
        _run([_program("pg_dump"), "--format=custom", "--file", str(out), *args], env)
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    return out


def restore(source: Path, *, using: str = "default") -> None:
    """Replace the database's contents with the backup ``source``."""
    if not source.is_file():
        raise BackupError(f"备份文件不存在：{source}")
    connection = connections[using]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            origin.backup(connection.connection)
        finally:
            origin.close()
    elif connection.vendor == "postgresql":
        connection.close()  # hold no locks while pg_restore drops and recreates the tables
        args, env = _pg_args(connection.settings_dict)
        command = [
            _program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ]
        _run(command, env)
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")


def check_copy(out: Path, *, stdout: Any = None) -> None:
    """Check a backup just written: a SQLite copy gets every app's restore checks, opened as a
    second database; a PostgreSQL archive must list (its chains are checked on restore)."""
    if vendor() == "sqlite":
        with sqlite_alias(out) as alias:
            run_checks(using=alias, stdout=stdout)
    else:
        _run([_program("pg_restore"), "--list", str(out)], dict(os.environ))
