"""``Idempotency-Key`` on creates: a repeat of the same request returns the first answer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.deps import SessionDep
from server.core.errors import Conflict, InvalidInput
from server.identity.models import IdempotencyRecord
from server.identity.service import Principal

HEADER = "Idempotency-Key"


class Idempotency:
    def __init__(self, session: AsyncSession, key: str | None, fingerprint: str) -> None:
        self.session = session
        self.key = key
        self.fingerprint = fingerprint

    async def replay(self, principal: Principal) -> JSONResponse | None:
        """The stored first answer when this key was seen before, else None."""
        if self.key is None:
            return None
        record = (
            await self.session.execute(
                select(IdempotencyRecord).where(
                    col(IdempotencyRecord.user_id) == principal.user_id,
                    col(IdempotencyRecord.key) == self.key,
                )
            )
        ).scalar_one_or_none()
        if record is None:
            return None
        if record.fingerprint != self.fingerprint:
            raise InvalidInput(
                "This Idempotency-Key was used for a different request.",
                code="idempotency_key_reused",
            )
        response = _raw_json(record.body, record.status_code)
        response.headers["Idempotent-Replayed"] = "true"
        return response

    async def remember(
        self,
        principal: Principal,
        status_code: int,
        body: BaseModel,
        *,
        stored: BaseModel | None = None,
    ) -> JSONResponse:
        """Answer ``body``; keep ``stored`` (default: ``body``) for repeats, so that secrets
        shown once, such as a new bot token, are never written down."""
        text = body.model_dump_json()
        if self.key is not None:
            self.session.add(
                IdempotencyRecord(
                    user_id=principal.user_id,
                    key=self.key,
                    fingerprint=self.fingerprint,
                    status_code=status_code,
                    body=text if stored is None else stored.model_dump_json(),
                )
            )
            try:
                await self.session.flush()
            except IntegrityError:
                raise Conflict(
                    "A request with this Idempotency-Key is in progress; retry shortly.",
                    code="idempotency_in_progress",
                ) from None
        return _raw_json(text, status_code)


def _raw_json(text: str, status_code: int) -> JSONResponse:
    response = JSONResponse(content=None, status_code=status_code)
    response.body = text.encode()
    response.headers["content-length"] = str(len(response.body))
    return response


@dataclass(frozen=True)
class IdempotencyKey:
    """A request's ``Idempotency-Key`` (None: not given) and what identifies the request."""

    key: str | None
    fingerprint: str

    def bind(self, session: AsyncSession) -> Idempotency:
        """Replays and records in ``session``, the transaction of the write itself."""
        return Idempotency(session, self.key, self.fingerprint)


async def idempotency_key(request: Request) -> IdempotencyKey:
    key = request.headers.get(HEADER)
    if key is not None and not (1 <= len(key) <= 200):
        raise InvalidInput(
            "Idempotency-Key must be 1 to 200 characters.", code="bad_idempotency_key"
        )
    if key is None:
        return IdempotencyKey(None, "")  # nothing to compare a repeat with
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}\n".encode())
    digest.update(await request.body())
    return IdempotencyKey(key, digest.hexdigest())


IdempotencyKeyDep = Annotated[IdempotencyKey, Depends(idempotency_key)]


async def idempotency(key: IdempotencyKeyDep, session: SessionDep) -> Idempotency:
    return key.bind(session)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
