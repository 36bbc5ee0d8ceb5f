"""Exports: minutes as Markdown and DOCX (translations side by side), the meeting as an
iCalendar file (RFC 5545: VTIMEZONE + TZID, attendees; the UID never changes and SEQUENCE
grows with every update of the meeting)."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import docx
import icalendar
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity import service as identity
from server.meetings import service as meetings
from server.meetings.models import AgendaItem, Meeting
from server.meetings.schemas import MinutesRead

LANGUAGE_NAMES = {"ko": "한국어", "zh-Hans": "中文", "en": "English"}
_ICS_ROLES = {
    "chair": "CHAIR",
    "secretary": "REQ-PARTICIPANT",
    "member": "REQ-PARTICIPANT",
    "interpreter": "OPT-PARTICIPANT",
    "observer": "NON-PARTICIPANT",
}
_ICS_PARTSTAT = {
    "invited": "NEEDS-ACTION",
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "attended": "ACCEPTED",
    "absent": "DECLINED",
}


def _versions(original: str, lang: str, translations: dict[str, str]) -> list[tuple[str, str]]:
    """(language, text) pairs: the original first (marked), then its translations."""
    pairs = [(lang, original)]
    pairs += [(k, v) for k, v in translations.items() if k != lang and v]
    return pairs


def _sections(
    minutes: MinutesRead, items: list[AgendaItem]
) -> list[tuple[str, list[tuple[str, str]], list[str]]]:
    """(heading, [(lang, notes)], [decisions]) in agenda order, general notes first."""
    titles = {i.id: f"{n}. {i.title}" for n, i in enumerate(items, start=1)}
    result = []
    by_item = {s.agenda_item_id: s for s in minutes.sections}
    decisions: dict[int | None, list[str]] = {}
    for d in minutes.decisions:
        decisions.setdefault(d.agenda_item_id, []).append(d.text)
    for key in [None, *titles]:
        section = by_item.get(key)
        if section is None and not decisions.get(key):
            continue
        heading = "General" if key is None else titles[key]
        notes = (
            _versions(section.notes, section.notes_lang, section.translations) if section else []
        )
        result.append((heading, notes, decisions.get(key, [])))
    return result


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def minutes_markdown(meeting: Meeting, minutes: MinutesRead, items: list[AgendaItem]) -> str:
    lines = [f"# {meeting.title}", ""]
    for lang, text in meeting.translations.items():
        lines.append(f"- {LANGUAGE_NAMES.get(lang, lang)}: {text}")
    lines += [
        f"- {meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)).isoformat()}"
        f" ({meeting.timezone})",
        f"- Minutes version {minutes.version}, amendment {minutes.amendment}, {minutes.state}",
        "",
    ]
    for heading, notes, decisions in _sections(minutes, items):
        lines += [f"## {heading}", ""]
        if len(notes) > 1:
            header = [
                LANGUAGE_NAMES.get(lang, lang) + (" (original)" if n == 0 else "")
                for n, (lang, _) in enumerate(notes)
            ]
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + " --- |" * len(notes))
            lines.append("| " + " | ".join(_cell(text) for _, text in notes) + " |")
            lines.append("")
        elif notes:
            lines += [notes[0][1], ""]
        for decision in decisions:
            lines.append(f"- **Decision:** {decision}")
        if decisions:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def minutes_docx(meeting: Meeting, minutes: MinutesRead, items: list[AgendaItem]) -> bytes:
    document = docx.Document()
    document.add_heading(meeting.title, level=0)
    for lang, text in meeting.translations.items():
        document.add_paragraph(f"{LANGUAGE_NAMES.get(lang, lang)}: {text}")
    document.add_paragraph(
        f"Minutes version {minutes.version}, amendment {minutes.amendment}, {minutes.state}"
    )
    for heading, notes, decisions in _sections(minutes, items):
        document.add_heading(heading, level=1)
        if len(notes) > 1:
            table = document.add_table(rows=2, cols=len(notes))
            for n, (lang, text) in enumerate(notes):
                label = LANGUAGE_NAMES.get(lang, lang) + (" (original)" if n == 0 else "")
                table.cell(0, n).text = label
                table.cell(1, n).text = text
        elif notes:
            for paragraph in notes[0][1].split("\n\n"):
                document.add_paragraph(paragraph)
        for decision in decisions:
            document.add_paragraph(f"Decision: {decision}", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


async def meeting_ics(session: AsyncSession, meeting: Meeting, host: str) -> bytes:
    assert meeting.id is not None
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Gyoryu//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if meeting.status == "cancelled" else "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.id}@{host}")
    # The meeting's version starts at 1 and grows with every update.
    event.add("sequence", meeting.version - 1)
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    zone = ZoneInfo(meeting.timezone)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", meeting.title)
    descriptions = [f"{LANGUAGE_NAMES.get(k, k)}: {v}" for k, v in meeting.translations.items()]
    if meeting.online_url:
        descriptions.append(meeting.online_url)
        event.add("url", meeting.online_url)
    if descriptions:
        event.add("description", "\n".join(descriptions))
    if meeting.location:
        event.add("location", meeting.location)
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    people = await meetings.participants(session, meeting.id)
    users = await identity.users_by_ids(session, [p.user_id for p in people])
    for p in people:
        user = users.get(p.user_id)
        if user is None:
            continue
        attendee = icalendar.vCalAddress(f"mailto:{user.username}@users.{host}")
        attendee.params["cn"] = icalendar.vText(user.display_name)
        attendee.params["role"] = icalendar.vText(_ICS_ROLES.get(p.role, "REQ-PARTICIPANT"))
        attendee.params["partstat"] = icalendar.vText(
            _ICS_PARTSTAT.get(p.attendance, "NEEDS-ACTION")
        )
        if p.role == "chair" and "organizer" not in event:
            event.add("organizer", attendee)
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data
