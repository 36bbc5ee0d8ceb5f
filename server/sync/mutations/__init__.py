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

Modules: :mod:`.base` (the context, the outcome, and the merge of an update at a stale base),
one module of handlers per domain (:mod:`.discussion`, :mod:`.meetings`), and here the
registry: each name with its scope, its args and its handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from server.sync.mutations.base import Context, Outcome
from server.sync.mutations.discussion import (
    MessageCreateArgs,
    MessageDeleteArgs,
    MessageEditArgs,
    ReactionArgs,
    message_create,
    message_delete,
    message_edit,
    reaction_set,
)
from server.sync.mutations.meetings import (
    ActionCreateArgs,
    ActionUpdateArgs,
    AgendaCreateArgs,
    AgendaDeleteArgs,
    AgendaReorderArgs,
    AgendaUpdateArgs,
    AttendanceArgs,
    DecisionArgs,
    MeetingUpdateArgs,
    ResolveConflictArgs,
    SectionArgs,
    action_item_create,
    action_item_update,
    agenda_create,
    agenda_delete,
    agenda_reorder,
    agenda_update,
    attendance_set,
    decision_create,
    meeting_update,
    minutes_resolve_conflict,
    minutes_update_section,
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
