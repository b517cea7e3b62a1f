"""The digest's meetings section: held in the week by kind, sign-ups and attendance, and
what is coming in the next two weeks. Counts and titles only: never a participant's name,
and a meeting by invitation (a care meeting about one person) is counted by kind, never
named.

Meetings of a district count for that district; meetings of the whole municipality appear
in the total (and in the workbook's row without a district).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import N_
from models import Meeting, MeetingKind, MeetingSignup, MeetingStatus, SignupStatus
from scheduler.digests.scope import Scope, Section

UPCOMING = timedelta(days=14)
MAX_UPCOMING = 5
KIND_LINES = {
    MeetingKind.CARE_MEETING: N_("digest.meetings.kind.care_meeting"),
    MeetingKind.WORKSHOP: N_("digest.meetings.kind.workshop"),
    MeetingKind.COUNCIL: N_("digest.meetings.kind.council"),
    MeetingKind.STUDY: N_("digest.meetings.kind.study"),
    MeetingKind.REPORT: N_("digest.meetings.kind.report"),
    MeetingKind.OTHER: N_("digest.meetings.kind.other"),
}
PRIVATE_LINES = {
    MeetingKind.CARE_MEETING: N_("digest.meetings.private.care_meeting"),
    MeetingKind.WORKSHOP: N_("digest.meetings.private.workshop"),
    MeetingKind.COUNCIL: N_("digest.meetings.private.council"),
    MeetingKind.STUDY: N_("digest.meetings.private.study"),
    MeetingKind.REPORT: N_("digest.meetings.private.report"),
    MeetingKind.OTHER: N_("digest.meetings.private.other"),
}
COLUMNS = [N_("digest.column.meetings_held"), N_("digest.column.meetings_signups"),
           N_("digest.column.meetings_attended")]


async def meetings_section(session: AsyncSession, scope: Scope, mondays: list[date],
                           bounds: list[datetime]) -> Section:
    """Return the meetings of the digest's week (the last of ``bounds``' weeks)."""
    start, end = bounds[-2], bounds[-1]
    areas = [scope.area.id, *scope.district_ids]
    in_scope = and_(Meeting.area_id.in_(areas), Meeting.status == MeetingStatus.SCHEDULED)
    held = (await session.execute(
        select(Meeting.id, Meeting.area_id, Meeting.kind, Meeting.walk_ins)
        .where(in_scope, Meeting.starts_at >= start, Meeting.starts_at < end))).all()
    # One query even when nothing was held: the number of queries stays fixed.
    rows = await session.execute(
        select(MeetingSignup.meeting_id, func.count(),
               func.sum(case((MeetingSignup.attended.is_(True), 1), else_=0)))
        .where(MeetingSignup.meeting_id.in_([m.id for m in held]),
               or_(MeetingSignup.status == SignupStatus.CONFIRMED,
                   MeetingSignup.attended.is_(True)))
        .group_by(MeetingSignup.meeting_id))
    people = {meeting_id: (int(signed), int(came or 0)) for meeting_id, signed, came in rows}
    # Every meeting of the next two weeks (a handful, a few dozen in a city), in one query:
    # the open ones are named, those by invitation only counted.
    upcoming = (await session.execute(
        select(Meeting.starts_at, Meeting.title, Meeting.kind, Meeting.open)
        .where(in_scope, Meeting.starts_at >= end, Meeting.starts_at < end + UPCOMING)
        .order_by(Meeting.starts_at, Meeting.id))).all()
    private: Counter[MeetingKind] = Counter(m.kind or MeetingKind.OTHER for m in upcoming
                                            if not m.open)

    kinds: Counter[MeetingKind] = Counter(m.kind or MeetingKind.OTHER for m in held)
    signed = sum(people.get(m.id, (0, 0))[0] for m in held)
    attended = sum(people.get(m.id, (0, 0))[1] + (m.walk_ins or 0) for m in held)
    lines: list[tuple[str, dict[str, Any]]] = [
        (N_("digest.meetings.held"), {"count": len(held), "signed": signed,
                                      "attended": attended})]
    lines += [(KIND_LINES[kind], {"count": count}) for kind, count in sorted(
        kinds.items(), key=lambda item: list(MeetingKind).index(item[0]))]
    lines.append((N_("digest.meetings.upcoming"), {"count": len(upcoming)}))
    lines += [(N_("digest.meetings.upcoming_line"), {"when": m.starts_at, "title": m.title or "-"})
              for m in [m for m in upcoming if m.open][:MAX_UPCOMING]]
    lines += [(PRIVATE_LINES[kind], {"count": count}) for kind, count in sorted(
        private.items(), key=lambda item: list(MeetingKind).index(item[0]))]

    def stats(meetings: list[Any]) -> list[Any]:
        return [len(meetings), sum(people.get(m.id, (0, 0))[0] for m in meetings),
                sum(people.get(m.id, (0, 0))[1] + (m.walk_ins or 0) for m in meetings)]

    table: list[tuple[int | None, list[Any]]] = [
        (d, stats([m for m in held if m.area_id == d])) for d in scope.district_ids]
    if scope.municipal:  # the total includes the meetings of the whole municipality
        table.append((None, stats(list(held))))
    return Section(title=N_("digest.section.meetings"), sheet=N_("digest.sheet.meetings"),
                   lines=lines, columns=COLUMNS, rows=table)
