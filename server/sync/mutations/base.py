"""What every mutation handler shares: its context, its outcome, and applying an update made
at a stale ``base_version`` (on top of the current version when the fields it sets did not
change meanwhile, else a conflict)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from server.changes import service as changes
from server.core.errors import PreconditionFailed
from server.identity.service import Principal

Json = dict[str, Any]


@dataclass
class Context:
    session: AsyncSession
    principal: Principal
    client_id: str
    mutation_id: str


@dataclass
class Outcome:
    status: Literal["applied", "conflict"]
    entity: Json | None = None
    current: Json | None = None
    merged: bool = False
    code: str | None = None
    reason: str | None = None
    extra: Json = field(default_factory=dict)


def _norm(value: Any) -> Any:
    # Translations come in with every language (None for missing ones), state without them.
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v is not None}
    return value


def conflict(current: Json, code: str, reason: str, **extra: Any) -> Outcome:
    return Outcome("conflict", current=current, code=code, reason=reason, extra=extra)


async def update_with_merge(
    ctx: Context,
    base_version: int | None,
    attempt: Callable[[int | None], Awaitable[Json]],
    *,
    entity: str,
    scope_of: Callable[[Json], str],
    touched: Json,
    watch: tuple[str, ...] = (),
    by_id: bool = True,
    match: Callable[[Json], bool] | None = None,
) -> Outcome:
    """Apply at ``base_version``; if the entity moved on, apply on top of the current version
    when none of ``touched`` (and ``watch``: fields whose change blocks a delete) was changed on
    the server since ``base_version``, else answer ``conflict``."""
    try:
        async with changes.savepoint(ctx.session):
            return Outcome("applied", entity=await attempt(base_version))
    except PreconditionFailed as error:
        current: Json = error.extra.get("current") or {}
    version = current.get("version")
    if not isinstance(version, int) or base_version is None or base_version > version:
        return conflict(current, "stale_base", f"The entity is at version {version}.")
    base = await changes.state_at(
        ctx.session,
        scope_of(current),
        entity,
        base_version,
        entity_id=current.get("id") if by_id else None,
        match=match,
    )
    if base is None:
        return conflict(
            current, "base_unknown", f"Version {base_version} of this {entity} is not known."
        )
    clashing = [
        name
        for name, new in touched.items()
        if _norm(base.get(name)) != _norm(current.get(name))
        and _norm(current.get(name)) != _norm(new)
    ] + [name for name in watch if _norm(base.get(name)) != _norm(current.get(name))]
    if clashing:
        return conflict(
            current,
            "edit_conflict",
            f"Changed on the server since version {base_version}: {', '.join(clashing)}.",
            fields=clashing,
        )
    async with changes.savepoint(ctx.session):
        return Outcome("applied", entity=await attempt(version), merged=True)


def set_fields(args: BaseModel, *exclude: str) -> Json:
    """The fields the client actually sent (the ones a merge must respect), as JSON."""
    return args.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude=set(exclude))


def rest_body(model: type[Any], args: BaseModel, *exclude: str) -> Any:
    """The REST body model from mutation args (unset fields stay unset)."""
    return model.model_validate(
        args.model_dump(by_alias=True, exclude_unset=True, exclude=set(exclude))
    )


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def dump(model: BaseModel) -> Json:
    return model.model_dump(mode="json")
