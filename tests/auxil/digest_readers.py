"""Councils with readers for the weekly digest, and what the sandbox shows of its sending
(the digest fault and multi-process tests)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxServer
from models import Council, DigestRun, OutboxMessage, Person, Role
from models.areas import get_or_create_area
from models.db import session_factory
from tests.auxil.people import recipient_chat, telegram_id_column
from tests.auxil.town import MUNICIPALITY, add_person, make_town

DISTRICTS = ("東地区", "西地区", "北地区", "南地区")
MEMBERS = 7  # council members per council, besides its coordinator
FIRST_ID = 830_000
METHODS = {"text": "sendMessage", "chart": "sendPhoto", "xlsx": "sendDocument"}
Send = tuple[str, int, str]  # Bot API method, chat, the text or the file's name


async def digest_councils(sandbox: SandboxServer, engine: AsyncEngine) -> dict[int, set[int]]:
    """Create テスト市 with four districts, a council for each and one for the city, each with
    a coordinator and council members (a third of them reading English); return each
    council's people (Telegram ids)."""
    town = await make_town(engine)
    async with session_factory(engine)() as session, session.begin():
        areas = [town.city]
        for name in DISTRICTS:
            areas.append((await get_or_create_area(session, MUNICIPALITY, name))[0])
        councils = [Council(name=f"{area.name} 協議体", area_id=area.id) for area in areas]
        session.add_all(councils)
        await session.flush()
        ids = [council.id for council in councils]
    people: dict[int, set[int]] = {}
    telegram_id = FIRST_ID
    for council, area in zip(ids, areas, strict=True):
        home = area if area.id != town.city.id else town.east
        coordinator = Role.MUNICIPAL_COORDINATOR if area.id == town.city.id \
            else Role.DISTRICT_COORDINATOR
        people[council] = set()
        for n in range(MEMBERS + 1):
            telegram_id += 1
            sandbox.ensure_user(telegram_id, f"委員{n}", started=True)
            role = coordinator if n == 0 else Role.COUNCIL_MEMBER
            await add_person(engine, telegram_id, f"委員{telegram_id}", home,
                             roles=((role, area),))
            people[council].add(telegram_id)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(update(Person).where(telegram_id_column(Person.id) % 3 == 0)
                              .values(language="en"))
    return people


# A sent row keeps no words (issue 15): a digest's text is known by its chat, not its words.
TEXT = "text"


def sends(requests: list[dict]) -> Counter[Send]:
    """Return the successful sends in the sandbox's request log, counted."""
    sent: Counter[Send] = Counter()
    for request in requests:
        params = request["params"]
        if request["status"] != 200 or request["method"] not in METHODS.values():
            continue
        if request["method"] == "sendMessage":
            what = TEXT
        else:  # "<file digest-3-2026-W47.png 12345 bytes>"
            what = str(params["photo" if request["method"] == "sendPhoto" else "document"]
                       ).split()[1]
        sent[request["method"], int(params["chat_id"]), what] += 1
    return sent


async def queued_digest_sends(engine: AsyncEngine) -> dict[Send, int]:
    """Return what the outbox holds of the digests, as sends, with the council of each."""
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(OutboxMessage.idempotency_key, recipient_chat(),
                   OutboxMessage.attachment_name)
            .where(OutboxMessage.idempotency_key.like("digest:%")))
        expected: dict[Send, int] = {}
        for key, chat_id, name in rows:
            _digest, council, _week, _person, part = key.split(":")
            send = (METHODS[part], chat_id, TEXT if part == "text" else name)
            assert send not in expected
            expected[send] = int(council)
    return expected


async def digest_runs(engine: AsyncEngine) -> list[tuple[int, int]]:
    async with session_factory(engine)() as session:
        return [(council, recipients) for council, recipients in await session.execute(
            select(DigestRun.council_id, DigestRun.recipients).order_by(DigestRun.council_id))]


def check_everyone_got_their_digests(expected: dict[Send, int], received: Counter[Send],
                                      people: dict[int, set[int]]) -> None:
    assert set(received) == set(expected)  # nothing lost, nothing else
    for council, members in people.items():
        sends = [send for send, of in expected.items() if of == council]
        assert {chat for _method, chat, _what in sends} == members
        assert Counter(method for method, _chat, _what in sends) == {
            method: len(members) for method in METHODS.values()}
