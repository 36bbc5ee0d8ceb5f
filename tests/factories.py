"""Small factories that make what a test needs through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI

from server.core.db import Database
from server.core.i18n import Translations
from server.identity import authentication, organizations
from server.identity import bots as identity_bots
from server.identity import service as identity
from server.identity.models import (
    BotCreate,
    Organization,
    OrganizationCreate,
    User,
    UserCreate,
)
from server.identity.service import Principal

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


@dataclass
class Person:
    user: User
    token: str

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _db(app: FastAPI) -> Database:
    db: Database = app.state.db
    return db


async def make_org(app: FastAPI, *, country: str = "KR", name: str | None = None) -> Organization:
    n = next(_counter)
    async with _db(app).transaction() as session:
        return await organizations.create_organization_unchecked(
            session,
            OrganizationCreate(
                name=name or f"Org {n}",
                name_lang="en",
                translations=Translations(ko=f"기관 {n}", **{"zh-Hans": f"机构 {n}"}),
                country=country,  # type: ignore[arg-type]
                city="Seoul" if country == "KR" else "Beijing",
            ),
        )


async def make_user(
    app: FastAPI,
    *,
    role: str = "member",
    org: Organization | None = None,
    username: str | None = None,
    locale: str = "ko",
    timezone: str = "Asia/Seoul",
) -> Person:
    username = username or f"user{next(_counter)}"
    async with _db(app).transaction() as session:
        user = await identity.create_user(
            session,
            None,
            UserCreate(
                username=username,
                display_name=username.title(),
                password=PASSWORD,
                role=role,  # type: ignore[arg-type]
                organization_id=org.id if org else None,
                locale=locale,  # type: ignore[arg-type]
                timezone=timezone,
            ),
            ip=None,
        )
        assert user.id is not None
        token, _ = await authentication.issue_session(session, user.id, timedelta(hours=1))
    return Person(user, token)


async def make_bot(
    app: FastAPI, admin: Person, *, scopes: list[str], channel_ids: list[int] | None = None
) -> Person:
    principal = Principal(
        user_id=admin.id,
        username=admin.user.username,
        role="admin",
        organization_id=None,
        is_bot=False,
        token_id=0,
        scopes=None,
        channel_ids=None,
    )
    async with _db(app).transaction() as session:
        user, token, _ = await identity_bots.create_bot(
            session,
            principal,
            BotCreate(name=f"bot {next(_counter)}", scopes=scopes, channel_ids=channel_ids),
            ip=None,
        )
    return Person(user, token)
