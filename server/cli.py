"""The ``gyoryu`` command: serve, migrate, create-admin, demo, prune-blobs."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config

from server.core.config import Settings, get_settings
from server.core.db import Database, ensure_sqlite_directory
from server.core.files import prune_blobs
from server.core.security import password_problem
from server.core.types import utcnow

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def migrate(settings: Settings, revision: str = "heads") -> None:
    ensure_sqlite_directory(settings.database_url)
    command.upgrade(alembic_config(settings.database_url), revision)


def _serve(settings: Settings) -> None:
    import uvicorn

    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
        ws="websockets-sansio",
        ws_max_size=1024 * 1024,
        # No permessage-deflate: its zlib state per connection doubled the memory of an idle
        # WebSocket (about 90 KiB instead of under 50), and compressing each change for each
        # connection would undo serializing it once for all of them.
        ws_per_message_deflate=False,
        ws_ping_interval=settings.ws_heartbeat_seconds,
        ws_ping_timeout=settings.ws_heartbeat_seconds,
    )


async def _create_admin(settings: Settings, username: str, password: str) -> int:
    from server.identity import service as identity
    from server.identity.models import UserCreate

    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            user = await identity.create_user(
                session,
                None,
                UserCreate(
                    username=username, display_name=username, password=password, role="admin"
                ),
                ip=None,
            )
            assert user.id is not None
            return user.id
    finally:
        await db.dispose()


async def _demo(settings: Settings, if_empty: bool) -> int:
    from server.demo import load_demo_if_empty

    db = Database(settings.database_url)
    try:
        logins = await load_demo_if_empty(db)
    finally:
        await db.dispose()
    if logins is None:
        print("The database already has users; demo data not loaded.")
        return 0 if if_empty else 1
    print("Loaded DEMO data. Demo logins (for trying Gyoryu only):")
    for login in logins:
        print(f"  {login.username:<14} {login.password:<20} {login.who}")
    return 0


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


async def _remove_unsent(settings: Settings, age: timedelta) -> int:
    from server.discussion import attachments

    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            return await attachments.remove_unsent(session, utcnow() - age)
    finally:
        await db.dispose()


async def _referenced_blobs(settings: Settings) -> set[str]:
    """Every digest a row holds: the ``sha256`` columns of all tables (attachments, minutes
    uploads, ...), so that a table added later is covered without being named here."""
    from sqlalchemy import select
    from sqlmodel import SQLModel

    from server.domains import import_models

    import_models()
    db = Database(settings.database_url)
    try:
        async with db.session(write=False) as session:
            digests: set[str] = set()
            for table in SQLModel.metadata.tables.values():
                if "sha256" in table.c:
                    rows = await session.execute(select(table.c.sha256).distinct())
                    digests.update(str(d) for d in rows.scalars())
            return digests
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gyoryu", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the API and web client (GYORYU_HOST, GYORYU_PORT)")
    sub.add_parser("migrate", help="apply database migrations")
    admin = sub.add_parser("create-admin", help="create an administrator")
    admin.add_argument("username")
    admin.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input",
    )
    demo = sub.add_parser("demo", help="load demo data into an empty database")
    demo.add_argument(
        "--if-empty", action="store_true", help="succeed quietly when the database already has data"
    )
    prune = sub.add_parser(
        "prune-blobs",
        help="remove attachments left unsent for long, then stored files no row refers to",
    )
    prune.add_argument(
        "--older-than-hours",
        type=float,
        default=24,
        help="keep files stored within this many hours (default 24)",
    )
    prune.add_argument(
        "--unsent-older-than-days",
        type=_positive,
        default=30,
        help="remove attachments no message carries, uploaded this many days ago (default 30)",
    )
    args = parser.parse_args(argv)
    settings = get_settings()

    if args.command == "serve":
        _serve(settings)
        return 0
    if args.command == "migrate":
        migrate(settings)
        print(f"Database is at the latest schema: {settings.database_url}")
        return 0
    if args.command == "create-admin":
        password = sys.stdin.readline().rstrip("\r\n")
        weakness = password_problem(password, args.username)
        if weakness:
            print(f"Refused: {weakness}", file=sys.stderr)
            return 2
        try:
            user_id = asyncio.run(_create_admin(settings, args.username, password))
        except Exception as exc:  # a clear line, not a traceback, for the operator
            print(f"Refused: {getattr(exc, 'detail', exc)}", file=sys.stderr)
            return 2
        print(f"Created administrator {args.username} (id {user_id}).")
        return 0
    if args.command == "prune-blobs":
        unsent = asyncio.run(_remove_unsent(settings, timedelta(days=args.unsent_older_than_days)))
        print(
            f"Removed {unsent} attachment(s) left unsent for {args.unsent_older_than_days:g} days."
        )
        referenced = asyncio.run(_referenced_blobs(settings))
        removed = prune_blobs(settings.data_dir, referenced, args.older_than_hours * 3600)
        print(f"Removed {len(removed)} stored file(s) no row refers to.")
        return 0
    if args.command == "demo":
        if not settings.demo:
            print("GYORYU_DEMO=0: demo data not loaded.")
            return 0
        return asyncio.run(_demo(settings, args.if_empty))
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
