"""Every mutation an offline client may push, mapped to the SAME service function its REST call
uses (there is no second write path), with how a stale ``base_version`` is handled:

* creates (``message.create``, ``agenda.create``, ``decision.create``, ``action_item.create``)
  and ``reaction.set`` add something and overwrite nothing: they apply whatever the base.
* updates (``message.edit``, ``meeting.update``, ``agenda.update``, ``action_item.update``,
  ``attendance.set``): when the entity moved on since ``base_version``, the entity's state at
  that version is read back from the change log; if none of the fields the mutation sets was
  changed on the server meanwhile (or it was changed to the same value), the mutation is
  applied on top (``merged``); otherwise the result is ``conflict`` with the current state.
* deletes (``message.delete``, ``agenda.delete``): applied when the content did not change
  since ``base_version``, else ``conflict``.
* ``agenda.reorder``: an order is one value; a stale reorder is a ``conflict`` unless the
  server already has that order.
* ``minutes.update_section``: a three-way merge of the notes (base from the change log);
  overlapping edits are a ``conflict`` and the offline text is kept as a conflict copy on the
  section (``minutes.resolve_conflict`` dismisses one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy.ext.asyncio import AsyncSession

from server.changes import service as changes
from server.core.errors import InvalidInput, PreconditionFailed
from server.core.i18n import Language
from server.core.types import BigId, Id, NulFreeStr
from server.discussion import messages
from server.discussion import service as discussion
from server.discussion.models import MessageCreate, MessageEdit
from server.identity.service import Principal
from server.meetings import actions, agenda, minutes
from server.meetings import service as meetings
from server.meetings.models import (
    MAX_NOTES_CHARS,
    ActionItemCreate,
    ActionItemUpdate,
    AgendaCreate,
    AgendaReorder,
    AgendaUpdate,
    Attendance,
    DecisionCreate,
    MeetingUpdate,
    ParticipantRole,
    SectionPut,
    SectionTranslations,
)
from server.sync.merge import merge_text

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


def _conflict(current: Json, code: str, reason: str, **extra: Any) -> Outcome:
    return Outcome("conflict", current=current, code=code, reason=reason, extra=extra)


async def _update_with_merge(
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
        return _conflict(current, "stale_base", f"The entity is at version {version}.")
    base = await changes.state_at(
        ctx.session,
        scope_of(current),
        entity,
        base_version,
        entity_id=current.get("id") if by_id else None,
        match=match,
    )
    if base is None:
        return _conflict(
            current, "base_unknown", f"Version {base_version} of this {entity} is not known."
        )
    clashing = [
        name
        for name, new in touched.items()
        if _norm(base.get(name)) != _norm(current.get(name))
        and _norm(current.get(name)) != _norm(new)
    ] + [name for name in watch if _norm(base.get(name)) != _norm(current.get(name))]
    if clashing:
        return _conflict(
            current,
            "edit_conflict",
            f"Changed on the server since version {base_version}: {', '.join(clashing)}.",
            fields=clashing,
        )
    async with changes.savepoint(ctx.session):
        return Outcome("applied", entity=await attempt(version), merged=True)


def _set_fields(args: BaseModel, *exclude: str) -> Json:
    """The fields the client actually sent (the ones a merge must respect), as JSON."""
    return args.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude=set(exclude))


def _as(model: type[Any], args: BaseModel, *exclude: str) -> Any:
    """The REST body model from mutation args (unset fields stay unset)."""
    return model.model_validate(
        args.model_dump(by_alias=True, exclude_unset=True, exclude=set(exclude))
    )


# ---- args -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageCreateArgs(MessageCreate):
    thread_id: Id


class MessageEditArgs(MessageEdit):
    message_id: BigId


class MessageDeleteArgs(_Strict):
    message_id: BigId


class ReactionArgs(_Strict):
    message_id: BigId
    emoji: NulFreeStr = PydanticField(min_length=1, max_length=32)
    on: bool = True


class MeetingUpdateArgs(MeetingUpdate):
    meeting_id: Id


class AgendaCreateArgs(AgendaCreate):
    meeting_id: Id


class AgendaUpdateArgs(AgendaUpdate):
    agenda_item_id: Id


class AgendaReorderArgs(AgendaReorder):
    meeting_id: Id


class AgendaDeleteArgs(_Strict):
    agenda_item_id: Id


class SectionArgs(_Strict):
    meeting_id: Id
    agenda_item_id: Id | None = None
    notes: NulFreeStr = PydanticField(max_length=MAX_NOTES_CHARS)
    notes_lang: Language | None = None
    translations: SectionTranslations | None = None


class ResolveConflictArgs(_Strict):
    section_id: Id
    copy_id: Id


class DecisionArgs(DecisionCreate):
    meeting_id: Id


class ActionCreateArgs(ActionItemCreate):
    meeting_id: Id


class ActionUpdateArgs(ActionItemUpdate):
    action_item_id: Id


class AttendanceArgs(_Strict):
    meeting_id: Id
    user_id: Id
    attendance: Attendance | None = None
    role: ParticipantRole | None = None


# ---- handlers ---------------------------------------------------------------------------


def _dump(model: BaseModel) -> Json:
    return model.model_dump(mode="json")


def _channel_of(state: Json) -> str:
    return discussion.channel_scope(int(state["channel_id"]))


def _meeting_of(state: Json) -> str:
    return meetings.meeting_scope(int(state["meeting_id"]))


async def message_create(ctx: Context, a: MessageCreateArgs, base: int | None) -> Outcome:
    read = await messages.post_message(
        ctx.session,
        ctx.principal,
        a.thread_id,
        _as(MessageCreate, a, "thread_id"),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=_dump(read))


async def message_edit(ctx: Context, a: MessageEditArgs, base: int | None) -> Outcome:
    data = _as(MessageEdit, a, "message_id")

    async def attempt(version: int | None) -> Json:
        return _dump(
            await messages.edit_message(
                ctx.session,
                ctx.principal,
                a.message_id,
                data,
                version,
                client_id=ctx.client_id,
                mutation_id=ctx.mutation_id,
            )
        )

    return await _update_with_merge(
        ctx,
        base,
        attempt,
        entity="message",
        scope_of=_channel_of,
        touched=_set_fields(a, "message_id"),
    )


async def message_delete(ctx: Context, a: MessageDeleteArgs, base: int | None) -> Outcome:
    async def attempt(version: int | None) -> Json:
        await messages.delete_message(
            ctx.session,
            ctx.principal,
            a.message_id,
            version,
            client_id=ctx.client_id,
            mutation_id=ctx.mutation_id,
        )
        return _dump(await messages.get_message(ctx.session, ctx.principal, a.message_id))

    return await _update_with_merge(
        ctx, base, attempt, entity="message", scope_of=_channel_of, touched={}, watch=("body",)
    )


async def reaction_set(ctx: Context, a: ReactionArgs, base: int | None) -> Outcome:
    read = await messages.set_reaction(
        ctx.session,
        ctx.principal,
        a.message_id,
        a.emoji,
        a.on,
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=_dump(read))


async def meeting_update(ctx: Context, a: MeetingUpdateArgs, base: int | None) -> Outcome:
    data = _as(MeetingUpdate, a, "meeting_id")

    async def attempt(version: int | None) -> Json:
        return _dump(
            await meetings.update_meeting(
                ctx.session,
                ctx.principal,
                a.meeting_id,
                data,
                version,
                client_id=ctx.client_id,
                mutation_id=ctx.mutation_id,
            )
        )

    return await _update_with_merge(
        ctx,
        base,
        attempt,
        entity="meeting",
        scope_of=lambda s: meetings.meeting_scope(int(s["id"])),
        touched=_set_fields(a, "meeting_id"),
    )


async def agenda_create(ctx: Context, a: AgendaCreateArgs, base: int | None) -> Outcome:
    # Appending overwrites nothing: a newer agenda is no reason to refuse it.
    read = await agenda.create_agenda_item(
        ctx.session,
        ctx.principal,
        a.meeting_id,
        _as(AgendaCreate, a, "meeting_id"),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=_dump(read))


async def agenda_update(ctx: Context, a: AgendaUpdateArgs, base: int | None) -> Outcome:
    data = _as(AgendaUpdate, a, "agenda_item_id")

    async def attempt(version: int | None) -> Json:
        return _dump(
            await agenda.update_agenda_item(
                ctx.session,
                ctx.principal,
                a.agenda_item_id,
                data,
                version,
                client_id=ctx.client_id,
                mutation_id=ctx.mutation_id,
            )
        )

    return await _update_with_merge(
        ctx,
        base,
        attempt,
        entity="agenda_item",
        scope_of=_meeting_of,
        touched=_set_fields(a, "agenda_item_id"),
    )


async def agenda_reorder(ctx: Context, a: AgendaReorderArgs, base: int | None) -> Outcome:
    async def attempt(version: int | None) -> Json:
        items = await agenda.reorder_agenda(
            ctx.session,
            ctx.principal,
            a.meeting_id,
            a.item_ids,
            version,
            client_id=ctx.client_id,
            mutation_id=ctx.mutation_id,
        )
        return {"meeting_id": a.meeting_id, "items": [_dump(i) for i in items]}

    try:
        async with changes.savepoint(ctx.session):
            return Outcome("applied", entity=await attempt(base))
    except PreconditionFailed as error:
        current: Json = error.extra.get("current") or {}
    if current.get("item_ids") == a.item_ids:
        return Outcome("applied", entity={"meeting_id": a.meeting_id, **current}, merged=True)
    return _conflict(
        current,
        "edit_conflict",
        f"The agenda changed since version {base}; reorder it again from the current order.",
        fields=["order"],
    )


AGENDA_CONTENT = ("title", "translations", "presenter_id", "duration_minutes", "attachment_ids")


async def agenda_delete(ctx: Context, a: AgendaDeleteArgs, base: int | None) -> Outcome:
    async def attempt(version: int | None) -> Json:
        await agenda.delete_agenda_item(
            ctx.session,
            ctx.principal,
            a.agenda_item_id,
            version,
            client_id=ctx.client_id,
            mutation_id=ctx.mutation_id,
        )
        return {"id": a.agenda_item_id, "deleted": True}

    return await _update_with_merge(
        ctx,
        base,
        attempt,
        entity="agenda_item",
        scope_of=_meeting_of,
        touched={},
        watch=AGENDA_CONTENT,
    )


def _section_of(result: Any, meeting_id: int, agenda_item_id: int | None) -> Json:
    for section in result.sections:
        if section.agenda_item_id == agenda_item_id:
            return {"meeting_id": meeting_id, **_dump(section)}
    return {"meeting_id": meeting_id, "agenda_item_id": agenda_item_id}


async def minutes_update_section(ctx: Context, a: SectionArgs, base: int | None) -> Outcome:
    session, principal = ctx.session, ctx.principal
    state = await minutes.get_minutes(session, principal, a.meeting_id)
    current = next((s for s in state.sections if s.agenda_item_id == a.agenda_item_id), None)
    version = current.version if current is not None else 0

    def put(notes: str) -> SectionPut:
        # Fields the mutation does not carry keep their current value.
        translations = a.translations
        if translations is None:
            translations = SectionTranslations.model_validate(
                current.translations if current is not None else {}
            )
        lang = a.notes_lang or (current.notes_lang if current is not None else "ko")
        return SectionPut(
            agenda_item_id=a.agenda_item_id, notes=notes, notes_lang=lang, translations=translations
        )

    async def write(notes: str, expected: int | None) -> Json:
        result = await minutes.update_section(
            session,
            principal,
            a.meeting_id,
            put(notes),
            expected,
            client_id=ctx.client_id,
            mutation_id=ctx.mutation_id,
        )
        return _section_of(result, a.meeting_id, a.agenda_item_id)

    if base is None or base == version:
        return Outcome("applied", entity=await write(a.notes, base))
    if current is None:
        raise InvalidInput(
            f"This section has not been written yet (base_version {base} is unknown).",
            code="stale_base",
        )
    current_json = {"meeting_id": a.meeting_id, **_dump(current)}
    base_text: str | None = ""
    if base > version:
        base_text = None
    elif base > 0:
        before = await changes.state_at(
            session,
            meetings.meeting_scope(a.meeting_id),
            "minutes_section",
            base,
            entity_id=current.id,
        )
        base_text = None if before is None else str(before.get("notes", ""))
    merged = None if base_text is None else merge_text(base_text, a.notes, current.notes)
    if merged is not None:
        if merged == current.notes and a.notes_lang in (None, current.notes_lang):
            return Outcome("applied", entity=current_json, merged=True)  # already there
        return Outcome("applied", entity=await write(merged, version), merged=True)
    kept = await minutes.add_conflict_copy(
        session,
        principal,
        a.meeting_id,
        a.agenda_item_id,
        a.notes,
        a.notes_lang or current.notes_lang,
        base,
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return _conflict(
        {"meeting_id": a.meeting_id, **_dump(kept)},
        "minutes_conflict",
        "The section was changed on the server in the same place; your text is kept as a "
        "conflict copy on the section.",
        conflict_copy_id=kept.conflict_copies[-1].id,
    )


async def minutes_resolve_conflict(
    ctx: Context, a: ResolveConflictArgs, base: int | None
) -> Outcome:
    read = await minutes.resolve_conflict_copy(
        ctx.session,
        ctx.principal,
        a.section_id,
        a.copy_id,
        base,
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=_dump(read))


async def decision_create(ctx: Context, a: DecisionArgs, base: int | None) -> Outcome:
    decision, _ = await minutes.create_decision(
        ctx.session,
        ctx.principal,
        a.meeting_id,
        _as(DecisionCreate, a, "meeting_id"),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=_dump(decision))


async def action_item_create(ctx: Context, a: ActionCreateArgs, base: int | None) -> Outcome:
    read = await actions.create_action_item(
        ctx.session,
        ctx.principal,
        a.meeting_id,
        _as(ActionItemCreate, a, "meeting_id"),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=_dump(read))


async def action_item_update(ctx: Context, a: ActionUpdateArgs, base: int | None) -> Outcome:
    data = _as(ActionItemUpdate, a, "action_item_id")

    async def attempt(version: int | None) -> Json:
        return _dump(
            await actions.update_action_item(
                ctx.session,
                ctx.principal,
                a.action_item_id,
                data,
                version,
                client_id=ctx.client_id,
                mutation_id=ctx.mutation_id,
            )
        )

    touched = _set_fields(a, "action_item_id")
    touched.pop("overdue", None)
    return await _update_with_merge(
        ctx, base, attempt, entity="action_item", scope_of=_meeting_of, touched=touched
    )


async def attendance_set(ctx: Context, a: AttendanceArgs, base: int | None) -> Outcome:
    async def attempt(version: int | None) -> Json:
        read = await meetings.set_attendance(
            ctx.session,
            ctx.principal,
            a.meeting_id,
            a.user_id,
            a.attendance,
            version,
            role=a.role,
            client_id=ctx.client_id,
            mutation_id=ctx.mutation_id,
        )
        return {"meeting_id": a.meeting_id, **_dump(read)}

    return await _update_with_merge(
        ctx,
        base,
        attempt,
        entity="meeting_participant",
        scope_of=lambda _state: meetings.meeting_scope(a.meeting_id),
        touched=_set_fields(a, "meeting_id", "user_id"),
        by_id=False,
        match=lambda data: data.get("user_id") == a.user_id,
    )


# ---- the registry -----------------------------------------------------------------------

Handler = Callable[[Context, Any, int | None], Awaitable[Outcome]]


@dataclass(frozen=True)
class MutationSpec:
    name: str
    scope: str  # the token scope a bot needs (people's sessions have every scope)
    args: type[BaseModel]
    handler: Handler


MUTATIONS: dict[str, MutationSpec] = {
    spec.name: spec
    for spec in (
        MutationSpec("message.create", "messages:write", MessageCreateArgs, message_create),
        MutationSpec("message.edit", "messages:write", MessageEditArgs, message_edit),
        MutationSpec("message.delete", "messages:write", MessageDeleteArgs, message_delete),
        MutationSpec("reaction.set", "messages:write", ReactionArgs, reaction_set),
        MutationSpec("meeting.update", "minutes:write", MeetingUpdateArgs, meeting_update),
        MutationSpec("agenda.create", "minutes:write", AgendaCreateArgs, agenda_create),
        MutationSpec("agenda.update", "minutes:write", AgendaUpdateArgs, agenda_update),
        MutationSpec("agenda.reorder", "minutes:write", AgendaReorderArgs, agenda_reorder),
        MutationSpec("agenda.delete", "minutes:write", AgendaDeleteArgs, agenda_delete),
        MutationSpec(
            "minutes.update_section", "minutes:write", SectionArgs, minutes_update_section
        ),
        MutationSpec(
            "minutes.resolve_conflict",
            "minutes:write",
            ResolveConflictArgs,
            minutes_resolve_conflict,
        ),
        MutationSpec("decision.create", "minutes:write", DecisionArgs, decision_create),
        MutationSpec(
            "action_item.create", "action_items:write", ActionCreateArgs, action_item_create
        ),
        MutationSpec(
            "action_item.update", "action_items:write", ActionUpdateArgs, action_item_update
        ),
        MutationSpec("attendance.set", "meetings:read", AttendanceArgs, attendance_set),
    )
}
