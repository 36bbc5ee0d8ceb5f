"""Mutations of meetings: the meeting itself, its agenda, minutes sections and conflict
copies, decisions, action items and attendance."""

from __future__ import annotations

from typing import Any

from pydantic import Field as PydanticField

from server.changes import service as changes
from server.core.errors import InvalidInput, PreconditionFailed
from server.core.i18n import Language
from server.core.types import Id, NulFreeStr
from server.meetings import actions, agenda, conflict_copies, minutes, participants
from server.meetings import service as meetings
from server.meetings.schemas import (
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
from server.sync.mutations.base import (
    Context,
    Json,
    Outcome,
    Strict,
    conflict,
    dump,
    rest_body,
    set_fields,
    update_with_merge,
)

# ---- args -------------------------------------------------------------------------------


class MeetingUpdateArgs(MeetingUpdate):
    meeting_id: Id


class AgendaCreateArgs(AgendaCreate):
    meeting_id: Id


class AgendaUpdateArgs(AgendaUpdate):
    agenda_item_id: Id


class AgendaReorderArgs(AgendaReorder):
    meeting_id: Id


class AgendaDeleteArgs(Strict):
    agenda_item_id: Id


class SectionArgs(Strict):
    meeting_id: Id
    agenda_item_id: Id | None = None
    notes: NulFreeStr = PydanticField(max_length=MAX_NOTES_CHARS)
    notes_lang: Language | None = None
    translations: SectionTranslations | None = None


class ResolveConflictArgs(Strict):
    section_id: Id
    copy_id: Id


class DecisionArgs(DecisionCreate):
    meeting_id: Id


class ActionCreateArgs(ActionItemCreate):
    meeting_id: Id


class ActionUpdateArgs(ActionItemUpdate):
    action_item_id: Id


class AttendanceArgs(Strict):
    meeting_id: Id
    user_id: Id
    attendance: Attendance | None = None
    role: ParticipantRole | None = None


# ---- handlers ---------------------------------------------------------------------------


def _meeting_of(state: Json) -> str:
    return meetings.meeting_scope(int(state["meeting_id"]))


async def meeting_update(ctx: Context, a: MeetingUpdateArgs, base: int | None) -> Outcome:
    data = rest_body(MeetingUpdate, a, "meeting_id")

    async def attempt(version: int | None) -> Json:
        return dump(
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

    return await update_with_merge(
        ctx,
        base,
        attempt,
        entity="meeting",
        scope_of=lambda s: meetings.meeting_scope(int(s["id"])),
        touched=set_fields(a, "meeting_id"),
    )


async def agenda_create(ctx: Context, a: AgendaCreateArgs, base: int | None) -> Outcome:
    # Appending overwrites nothing: a newer agenda is no reason to refuse it.
    read = await agenda.create_agenda_item(
        ctx.session,
        ctx.principal,
        a.meeting_id,
        rest_body(AgendaCreate, a, "meeting_id"),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=dump(read))


async def agenda_update(ctx: Context, a: AgendaUpdateArgs, base: int | None) -> Outcome:
    data = rest_body(AgendaUpdate, a, "agenda_item_id")

    async def attempt(version: int | None) -> Json:
        return dump(
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

    return await update_with_merge(
        ctx,
        base,
        attempt,
        entity="agenda_item",
        scope_of=_meeting_of,
        touched=set_fields(a, "agenda_item_id"),
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
        return {"meeting_id": a.meeting_id, "items": [dump(i) for i in items]}

    try:
        async with changes.savepoint(ctx.session):
            return Outcome("applied", entity=await attempt(base))
    except PreconditionFailed as error:
        current: Json = error.extra.get("current") or {}
    if current.get("item_ids") == a.item_ids:
        return Outcome("applied", entity={"meeting_id": a.meeting_id, **current}, merged=True)
    return conflict(
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

    return await update_with_merge(
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
            return {"meeting_id": meeting_id, **dump(section)}
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
    current_json = {"meeting_id": a.meeting_id, **dump(current)}
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
    kept = await conflict_copies.add_conflict_copy(
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
    return conflict(
        {"meeting_id": a.meeting_id, **dump(kept)},
        "minutes_conflict",
        "The section was changed on the server in the same place; your text is kept as a "
        "conflict copy on the section.",
        conflict_copy_id=kept.conflict_copies[-1].id,
    )


async def minutes_resolve_conflict(
    ctx: Context, a: ResolveConflictArgs, base: int | None
) -> Outcome:
    read = await conflict_copies.resolve_conflict_copy(
        ctx.session,
        ctx.principal,
        a.section_id,
        a.copy_id,
        base,
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=dump(read))


async def decision_create(ctx: Context, a: DecisionArgs, base: int | None) -> Outcome:
    decision, _ = await minutes.create_decision(
        ctx.session,
        ctx.principal,
        a.meeting_id,
        rest_body(DecisionCreate, a, "meeting_id"),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=dump(decision))


async def action_item_create(ctx: Context, a: ActionCreateArgs, base: int | None) -> Outcome:
    read = await actions.create_action_item(
        ctx.session,
        ctx.principal,
        a.meeting_id,
        rest_body(ActionItemCreate, a, "meeting_id"),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=dump(read))


async def action_item_update(ctx: Context, a: ActionUpdateArgs, base: int | None) -> Outcome:
    data = rest_body(ActionItemUpdate, a, "action_item_id")

    async def attempt(version: int | None) -> Json:
        return dump(
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

    touched = set_fields(a, "action_item_id")
    touched.pop("overdue", None)
    return await update_with_merge(
        ctx, base, attempt, entity="action_item", scope_of=_meeting_of, touched=touched
    )


async def attendance_set(ctx: Context, a: AttendanceArgs, base: int | None) -> Outcome:
    async def attempt(version: int | None) -> Json:
        read = await participants.set_attendance(
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
        return {"meeting_id": a.meeting_id, **dump(read)}

    return await update_with_merge(
        ctx,
        base,
        attempt,
        entity="meeting_participant",
        scope_of=lambda _state: meetings.meeting_scope(a.meeting_id),
        touched=set_fields(a, "meeting_id", "user_id"),
        by_id=False,
        match=lambda data: data.get("user_id") == a.user_id,
    )
