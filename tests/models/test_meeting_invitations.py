"""Meetings by invitation: who may be invited, who sees the meeting, one-time links."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import CHANNEL
from models import Meeting, MeetingInvitation, MeetingKind, MeetingStatus, Person
from models.db import session_factory
from models.disclosure import disclosure
from models.invitations import (
    LinkProblem,
    candidates,
    claim_link,
    invite,
    invited_people,
    new_link,
)
from models.meetings import JoinOutcome, join, may_see, upcoming
from models.people import ensure_person, give_consent
from tests.auxil.town import Town, make_town

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
NAMES = ["佐藤 花子", "佐藤 一郎", "鈴木 次郎", "高橋 三郎", "田中 四郎", "伊藤 五郎", "渡辺 六郎",
         "山本 七郎", "中村 八郎", "小林 九郎"]


async def _setup(engine: AsyncEngine) -> tuple[Town, int, dict[str, int]]:
    """東地区: 美香 (the organiser) and ten residents; 西地区: 次子. A care meeting of 東地区
    by invitation; return the town, the meeting's id and people's ids by name."""
    town = await make_town(engine)
    async with session_factory(engine)() as session, session.begin():
        ids = {}
        for number, (name, district) in enumerate(
                [("田中 美香", town.east), *((n, town.east) for n in NAMES),
                 ("山田 次子", town.west)], start=700):
            person = await ensure_person(session, CHANNEL, number)
            await give_consent(session, person, district_id=district.id, display_name=name)
            ids[name] = person.id
        meeting = Meeting(kind=MeetingKind.CARE_MEETING, title="佐藤花子さん個別ケア会議",
                          area_id=town.east.id, starts_at=NOW + timedelta(days=5),
                          place="公民館 2階", capacity=10, status=MeetingStatus.SCHEDULED,
                          open=False, organiser_id=ids["田中 美香"], lock_version=0,
                          walk_ins=0)
        session.add(meeting)
        await session.flush()
        return town, meeting.id, ids


async def test_only_people_of_the_district_are_invited_by_name_and_then_may_join(
    engine: AsyncEngine
) -> None:
    town, meeting_id, ids = await _setup(engine)
    async with session_factory(engine)() as session, session.begin():
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        organiser = await session.get(Person, ids["田中 美香"])
        hanako = await invite(session, meeting, ids["佐藤 花子"], organiser)
        assert hanako is not None
        assert hanako.display_name == "佐藤 花子"
        assert await invite(session, meeting, ids["佐藤 花子"], organiser) is None  # twice
        assert await invite(session, meeting, ids["山田 次子"], organiser) is None  # 西地区
        assert await invite(session, meeting, ids["田中 美香"], organiser) is None  # herself
        assert await invite(session, meeting, 999_999, organiser) is None  # forged
        assert [p.display_name for p in await invited_people(session, meeting_id)] == [
            "佐藤 花子"]

    async with session_factory(engine)() as session, session.begin():
        assert (await join(session, meeting_id, ids["佐藤 一郎"], NOW)).outcome \
            == JoinOutcome.NOT_INVITED
        assert (await join(session, meeting_id, ids["佐藤 花子"], NOW)).outcome \
            == JoinOutcome.CONFIRMED
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        for name, manages, expected in (("佐藤 花子", False, True), ("佐藤 一郎", False, False),
                                        ("山田 次子", False, False), ("田中 美香", False, True),
                                        ("山田 次子", True, True)):
            person = await session.get(Person, ids[name])
            assert await may_see(session, meeting, person, manages=manages) is expected, name
        assert not await may_see(session, meeting, None, manages=False)
        # /events: the invitee sees it, a neighbour does not.
        east = [town.east.id, town.city.id]
        assert [m.id for m in await upcoming(session, east, NOW, invited=ids["佐藤 花子"])] \
            == [meeting_id]
        assert await upcoming(session, east, NOW, invited=ids["佐藤 一郎"]) == []
        assert await upcoming(session, east, NOW) == []


async def test_the_list_of_names_has_pages_and_part_of_a_name_finds_people(
    engine: AsyncEngine
) -> None:
    _town, meeting_id, ids = await _setup(engine)
    async with session_factory(engine)() as session, session.begin():
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        first = await candidates(session, meeting)
        second = await candidates(session, meeting, page=1)
        assert first.total == second.total == len(NAMES)  # not 美香, not 西地区's 次子
        assert len(first.people) == 8
        assert len(second.people) == 2
        shown = [p.display_name for p in [*first.people, *second.people]]
        assert sorted(shown) == sorted(NAMES)
        await invite(session, meeting, ids["佐藤 花子"], None)
        found = await candidates(session, meeting, search="佐藤")
        assert sorted(p.display_name for p in found.people) == ["佐藤 一郎", "佐藤 花子"]
        assert found.invited == {ids["佐藤 花子"]}
        spaced = await candidates(session, meeting, search="佐藤花子")  # typed without a space
        assert [p.display_name for p in spaced.people] == ["佐藤 花子"]
        assert (await candidates(session, meeting, search="%")).total == 0  # no wildcards
        assert (await candidates(session, meeting, search="山田")).total == 0  # 西地区


async def test_an_invitation_link_invites_the_first_person_who_opens_it(
    engine: AsyncEngine
) -> None:
    _town, meeting_id, ids = await _setup(engine)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        link = await new_link(session, meeting, await session.get(Person, ids["田中 美香"]))
        assert link is not None
        token = link.token
        assert token is not None
        assert len(token) >= 16

    async def one(name: str) -> Meeting | LinkProblem:
        async with factory() as session, session.begin():
            person = await session.get(Person, ids[name])
            assert person is not None
            return await claim_link(session, token, person, NOW)

    # 西地区's 次子 and 一郎 open it at once: one of them is invited, the other told it is used.
    outcomes = await asyncio.gather(one("山田 次子"), one("佐藤 一郎"))
    assert sorted(isinstance(o, Meeting) for o in outcomes) == [False, True]
    assert LinkProblem.USED in outcomes
    winner = "山田 次子" if isinstance(outcomes[0], Meeting) else "佐藤 一郎"
    assert isinstance(await one(winner), Meeting)  # opening it again shows the meeting
    assert isinstance(await one("田中 美香"), Meeting)  # the organiser: the link stays as it is
    async with factory() as session, session.begin():
        assert (await join(session, meeting_id, ids[winner], NOW)).outcome \
            == JoinOutcome.CONFIRMED
        stranger = await session.get(Person, ids["鈴木 次郎"])
        assert stranger is not None
        assert await claim_link(session, "no-such-token", stranger, NOW) == LinkProblem.UNKNOWN
        assert await claim_link(session, token, stranger, NOW + timedelta(days=6)) \
            == LinkProblem.UNKNOWN  # the meeting has started
        rows = list(await session.scalars(select(MeetingInvitation)))
        assert [(r.person_id, r.claimed_at is not None) for r in rows] == [(ids[winner], True)]


async def test_mydata_lists_the_invitation(engine: AsyncEngine) -> None:
    _town, meeting_id, ids = await _setup(engine)
    async with session_factory(engine)() as session, session.begin():
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        await invite(session, meeting, ids["佐藤 花子"], None)
        hanako = await session.get(Person, ids["佐藤 花子"])
        ichiro = await session.get(Person, ids["佐藤 一郎"])
        assert hanako is not None
        assert ichiro is not None
        [held] = (await disclosure(session, hanako))["meeting_invitations"]
        assert held["meeting"] == "佐藤花子さん個別ケア会議"
        assert held["place"] == "公民館 2階"
        assert held["by_link"] is False
        assert (await disclosure(session, ichiro))["meeting_invitations"] == []
