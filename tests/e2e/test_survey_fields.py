"""The 通いの場 survey's fields of an activity: the category asked when proposing where the
kind does not say it, and every field set from the card by the organiser or a coordinator."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import person_of
from bot.sandbox import SandboxClient, SandboxServer
from models import Activity, ActivityKind, ActivityStatus, Role
from models.db import session_factory
from models.kayoinoba import Operator, SurveyCategory, Venue
from models.schedule import Frequency, Schedule
from tests.auxil.schedules import type_schedule
from tests.auxil.town import Town, add_person, make_town, settle

pytestmark = pytest.mark.usefixtures("bot")

MIKA, HANAKO, ICHIRO, WEST_COORDINATOR = 8101, 8102, 8103, 8104
NOT_ALLOWED_PREFIX = "この活動を変えられるのは"
labels = SandboxClient.labels


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    """東地区 with coordinator 美香 and residents 花子 and 一郎; 次郎 coordinates 西地区."""
    town = await make_town(engine)
    for telegram_id, name, district, roles in (
            (MIKA, "田中 美香", town.east, ((Role.DISTRICT_COORDINATOR, town.east),)),
            (HANAKO, "佐藤 花子", town.east, ()), (ICHIRO, "鈴木 一郎", town.east, ()),
            (WEST_COORDINATOR, "山田 次郎", town.west,
             ((Role.DISTRICT_COORDINATOR, town.west),))):
        sandbox.ensure_user(telegram_id, name.split()[1], name.split()[0], started=True)
        await add_person(engine, telegram_id, name, district, roles=roles)
    return town


async def _say(sb: SandboxClient, user: int, text: str) -> dict:
    sent = await sb.send_text(user, text)
    return await sb.wait_for_message(user, after=sent["message_id"])


async def _activity(engine: AsyncEngine) -> Activity:
    async with session_factory(engine)() as session:
        return (await session.scalars(select(Activity))).one()


def data_of(message: dict, label: str) -> str:
    return next(b["callback_data"] for row in SandboxClient.buttons(message) for b in row
                if b["text"] == label)


async def test_a_gathering_s_organiser_is_asked_what_it_mainly_does(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    await _say(sb, HANAKO, "/newactivity")
    kinds = await _say(sb, HANAKO, "みんなの居場所")
    await sb.press(HANAKO, kinds, text="通いの場")
    category = await sb.wait_for_edit(HANAKO, kinds["message_id"])
    assert category["text"].startswith("「みんなの居場所」で、主にすることはどれですか？")
    assert labels(category) == ["体操（運動）", "趣味活動", "茶話会", "認知症予防", "会食",
                                "農作業", "生涯学習", "ボランティア活動", "多世代交流",
                                "就労的活動", "その他", "わからない"]
    await sb.press(HANAKO, category, text="認知症予防")
    meanings = await sb.wait_for_edit(HANAKO, kinds["message_id"])
    assert meanings["text"].startswith("「みんなの居場所」には、どんな意味がありますか？")
    await settle(sb)
    draft = await _activity(engine)
    assert (draft.kind, draft.survey_category) == (ActivityKind.GATHERING,
                                                   SurveyCategory.DEMENTIA)


async def test_a_typed_category_and_a_clear_kind_asks_nothing(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    await _say(sb, HANAKO, "/newactivity")
    kinds = await _say(sb, HANAKO, "朝の体操")
    await sb.press(HANAKO, kinds, text="体操・介護予防")
    meanings = await sb.wait_for_edit(HANAKO, kinds["message_id"])
    assert "次へ" in labels(meanings)  # straight on: the kind says 体操（運動）
    await settle(sb)
    assert (await _activity(engine)).survey_category is SurveyCategory.EXERCISE

    await _say(sb, HANAKO, "/newactivity")  # a new draft replaces the unfinished one
    kinds = await _say(sb, HANAKO, "よろず会")
    await sb.press(HANAKO, kinds, text="その他")
    await sb.wait_for_edit(HANAKO, kinds["message_id"])
    await _say(sb, HANAKO, "わからない")  # the button's words, typed
    await settle(sb)
    draft = await _activity(engine)
    assert (draft.name, draft.survey_category) == ("よろず会", None)


async def test_the_fields_are_set_from_the_card_by_the_organiser_or_a_coordinator_only(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    async with session_factory(engine)() as session, session.begin():
        hanako = await person_of(session, HANAKO)
        assert hanako is not None
        schedule = Schedule(frequency=Frequency.MONTHLY, weekdays=(2,), nth=(2,),
                            start=time(10), end=time(12))
        session.add(Activity(name="水曜サロン", kind=ActivityKind.SALON, district_id=town.east.id,
                             place="集会所", schedule=schedule.to_json(), organiser_id=hanako.id,
                             status=ActivityStatus.ACTIVE, meanings=[],
                             survey_category=SurveyCategory.TEA,
                             created_at=datetime(2026, 10, 1, tzinfo=UTC)))
    listing = await _say(sb, MIKA, "/activities")
    await sb.press(MIKA, listing, text="水曜サロン")
    card = await sb.wait_for_message(MIKA, after=listing["message_id"])
    await sb.press(MIKA, card, text="通いの場の調査の項目")
    menu = await sb.wait_for_message(MIKA, after=card["message_id"])
    assert "主な活動内容：茶話会" in menu["text"]
    assert "運営主体：未記入" in menu["text"]
    assert "開催頻度：月1回以上2回未満" in menu["text"]
    assert "通いの場として数える：活動の種類と日程で決める（いまは「有」）" in menu["text"]
    for field, value in (("運営主体", "住民団体"), ("開催場所", "公民館・自治会館・集会所"),
                         ("参加費", "参加費あり"), ("専門職の関与", "専門職は関わっていない")):
        await sb.press(MIKA, menu, text=field)
        choices = await sb.wait_for_edit(MIKA, menu["message_id"])
        await sb.press(MIKA, choices, text=value)
        menu = await sb.wait_for_edit(MIKA, menu["message_id"])
    assert "運営主体：住民団体" in menu["text"]
    assert "参加費：参加費あり" in menu["text"]
    await settle(sb)
    activity = await _activity(engine)
    assert (activity.operator, activity.venue, activity.has_fee, activity.professionals) == (
        Operator.RESIDENTS_GROUP, Venue.HALL, True, False)

    # 「わからない」 empties a field again.
    await sb.press(MIKA, menu, text="運営主体")
    choices = await sb.wait_for_edit(MIKA, menu["message_id"])
    assert "✅ 住民団体" in labels(choices)
    forged_operator = data_of(choices, "NPO法人")
    await sb.press(MIKA, choices, text="わからない")
    menu = await sb.wait_for_edit(MIKA, menu["message_id"])
    await settle(sb)
    assert (await _activity(engine)).operator is None

    # A neighbour and another district's coordinator are refused, whatever they send.
    for user in (ICHIRO, WEST_COORDINATOR):
        for data in (forged_operator, data_of(menu, "通いの場として数える")):
            query = await sb.press(user, menu, data=data, forge=True)
            answer = await sb.wait_for_callback_answer(query)
            assert answer["show_alert"] is True, user
            assert answer["text"].startswith(NOT_ALLOWED_PREFIX), answer["text"]
    await settle(sb)
    assert (await _activity(engine)).operator is None

    # The organiser says it is not a 通いの場 after all.
    listing = await _say(sb, HANAKO, "/activities")
    await sb.press(HANAKO, listing, text="水曜サロン")
    card = await sb.wait_for_message(HANAKO, after=listing["message_id"])
    await sb.press(HANAKO, card, text="通いの場の調査の項目")
    menu = await sb.wait_for_message(HANAKO, after=card["message_id"])
    await sb.press(HANAKO, menu, text="通いの場として数える")
    choices = await sb.wait_for_edit(HANAKO, menu["message_id"])
    await sb.press(HANAKO, choices, text="数えない")
    menu = await sb.wait_for_edit(HANAKO, menu["message_id"])
    assert "通いの場として数える：数えない（いまは「無」）" in menu["text"]
    await settle(sb)
    assert (await _activity(engine)).kayoinoba is False


async def test_the_coordinator_is_asked_the_category_the_proposer_did_not_know(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    await _say(sb, HANAKO, "/newactivity")
    kinds = await _say(sb, HANAKO, "みんなの居場所")
    await sb.press(HANAKO, kinds, text="通いの場")
    category = await sb.wait_for_edit(HANAKO, kinds["message_id"])
    await sb.press(HANAKO, category, text="わからない")
    meanings = await sb.wait_for_edit(HANAKO, kinds["message_id"])
    await sb.press(HANAKO, meanings, text="次へ")
    await sb.wait_for_edit(HANAKO, kinds["message_id"])
    await _say(sb, HANAKO, "集会所")
    capacity = await type_schedule(sb, HANAKO, "毎週火曜 10時から11時")
    await sb.press(HANAKO, capacity, text="とばす")
    contact = await sb.wait_for_message(HANAKO, after=capacity["message_id"])
    await sb.press(HANAKO, contact, text="とばす")
    description = await sb.wait_for_message(HANAKO, after=contact["message_id"])
    await sb.press(HANAKO, description, text="とばす")
    summary = await sb.wait_for_message(HANAKO, after=description["message_id"])
    await sb.press(HANAKO, summary, text="この内容で登録する")
    await sb.wait_for_edit(HANAKO, summary["message_id"])
    request = await sb.wait_for_message(MIKA, after=0, timeout=20)
    await sb.press(MIKA, request, text="承認する")
    approved = await sb.wait_for_edit(MIKA, request["message_id"])
    assert approved["text"] == (
        "「みんなの居場所」を承認しました。\n\nこの活動で主にすることが、まだ決まっていません。"
        "国の「通いの場」の調査のため、よろしければえらんでください。")
    assert labels(approved) == ["主な活動内容をえらぶ", "通いの場の調査の項目"]
    await sb.press(MIKA, approved, text="主な活動内容をえらぶ")
    choices = await sb.wait_for_edit(MIKA, request["message_id"])
    await sb.press(MIKA, choices, text="趣味活動")
    menu = await sb.wait_for_edit(MIKA, request["message_id"])
    assert "主な活動内容：趣味活動" in menu["text"]
    await settle(sb)
    activity = await _activity(engine)
    assert (activity.status, activity.survey_category) == (ActivityStatus.ACTIVE,
                                                           SurveyCategory.HOBBY)
