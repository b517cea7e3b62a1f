"""Coordinators invite people to roles by one-time links, see and revoke roles, link groups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import ensure_person_of, group_of, person_of
from bot.sandbox import SandboxClient
from models import AuditAction, Invite, Role
from models.audit import entries
from models.db import session_factory
from models.roles import create_invite, roles_of
from tests.auxil.delivery import until_settled
from tests.auxil.town import EAST, Town, add_person, make_town, new_group, settle

labels = SandboxClient.labels

pytestmark = pytest.mark.usefixtures("bot")

MIKA, HANAKO, ICHIRO, JIRO, KEN = 3001, 3002, 3003, 3004, 3005


@pytest.fixture
async def town(engine: AsyncEngine, sb: SandboxClient) -> Town:
    """テスト市 with 田中美香, coordinator of 東地区, and 佐藤花子, a resident there."""
    town = await make_town(engine)
    for telegram_id, name in ((MIKA, "美香"), (HANAKO, "花子"), (ICHIRO, "一郎"), (JIRO, "次郎")):
        await sb.create_user(first_name=name, user_id=telegram_id)
    await add_person(engine, MIKA, "田中 美香", town.east,
                     roles=((Role.DISTRICT_COORDINATOR, town.east),))
    await add_person(engine, HANAKO, "佐藤 花子", town.east)
    return town


async def _roles(engine: AsyncEngine, telegram_id: int) -> list[tuple[Role, int | None]]:
    async with session_factory(engine)() as session:
        person = await person_of(session, telegram_id)
        assert person is not None
        return [(g.role, g.area_id) for g in await roles_of(session, person.id)]


async def _make_invite_link(sb: SandboxClient, role_label: str) -> str:
    sent = await sb.send_text(MIKA, "/invite")
    question = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert question["text"] == "どの役割で招待しますか？"
    await sb.press(MIKA, question, text=role_label)
    created = await sb.wait_for_edit(MIKA, question["message_id"])
    assert created["text"].startswith("招待リンクをつくりました。")
    assert f"地域: {EAST}" in created["text"]
    assert "1回だけ使えます。" in created["text"]
    return created["text"].rsplit("\n", 1)[-1]


async def test_coordinator_invites_a_supporter_who_signs_up_through_the_link(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    sent = await sb.send_text(MIKA, "/invite")
    question = await sb.wait_for_message(MIKA, after=sent["message_id"])
    # At or below her own role, and only for her district.
    assert labels(question) == ["担い手（ボランティア）", "協議体メンバー",
                                 "地区の生活支援コーディネーター"]
    link = await _make_invite_link(sb, "担い手（ボランティア）")
    assert link.startswith("https://t.me/otagai_sandbox_bot?start=i")

    opened = await sb.open_link(ICHIRO, link)
    notice, question = await sb.wait_for_messages(ICHIRO, after=opened["message_id"], count=2)
    assert notice["text"].startswith("「担い手（ボランティア）」への招待です。")
    assert labels(question)[0] == f"★ {EAST}（招待の地区）"
    await sb.press(ICHIRO, question, text=f"★ {EAST}（招待の地区）")
    consent = await sb.wait_for_edit(ICHIRO, question["message_id"])
    await sb.press(ICHIRO, consent, text="同意する")
    welcome = await sb.wait_for_message(ICHIRO, after=question["message_id"])
    assert welcome["text"].startswith(f"「担い手（ボランティア）」（{EAST}）として登録しました。")
    await settle(sb)
    # 美香 hears that her invite was used, and by whom.
    await until_settled(engine)
    told = [m["text"] for m in await sb.messages(MIKA) if m["text"].startswith("一郎さんが")]
    assert told == [
        f"一郎さんが、あなたの招待で「担い手（ボランティア）」（{EAST}）になりました。"]
    assert set(await _roles(engine, ICHIRO)) == {(Role.SUPPORTER, town.east.id),
                                                 (Role.RESIDENT, town.east.id)}

    # The same link a second time, by someone else: refused, nothing granted.
    opened = await sb.open_link(JIRO, link)
    refusal = await sb.wait_for_message(JIRO, after=opened["message_id"])
    assert refusal["text"].startswith("この招待リンクは、すでに使われています。")
    async with session_factory(engine)() as session:
        assert await person_of(session, JIRO) is None or not await roles_of(
            session, (await ensure_person_of(session, JIRO)).id)


async def test_a_pasted_invite_link_works_as_if_it_were_opened(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    # Forwarded by LINE or mail, the link is pasted as text, with words around it.
    link = await _make_invite_link(sb, "担い手（ボランティア）")
    notice, question = await _say_many(sb, ICHIRO, f"美香さんからの招待です\n{link}\nよろしく", 2)
    assert notice["text"].startswith("「担い手（ボランティア）」への招待です。")
    assert EAST in labels(question)[0]
    # Without the scheme too; a link to another bot is only text.
    link = await _make_invite_link(sb, "協議体メンバー")
    other = link.replace("otagai_sandbox_bot", "someone_else_bot")
    [unknown] = await _say_many(sb, HANAKO, other, 1)
    assert unknown["text"].startswith("メッセージありがとうございます。")
    [welcome] = await _say_many(sb, HANAKO, link.removeprefix("https://"), 1)
    assert welcome["text"].startswith(f"「協議体メンバー」（{EAST}）として登録しました。")
    await settle(sb)
    assert (Role.COUNCIL_MEMBER, town.east.id) in await _roles(engine, HANAKO)


async def _say_many(sb: SandboxClient, user: int, text: str, count: int) -> list[dict]:
    sent = await sb.send_text(user, text)
    return await sb.wait_for_messages(user, after=sent["message_id"], count=count)

async def test_a_registered_person_gets_the_role_at_once(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    link = await _make_invite_link(sb, "協議体メンバー")
    opened = await sb.open_link(HANAKO, link)
    welcome = await sb.wait_for_message(HANAKO, after=opened["message_id"])
    assert welcome["text"].startswith(f"「協議体メンバー」（{EAST}）として登録しました。")
    await settle(sb)
    assert (Role.COUNCIL_MEMBER, town.east.id) in await _roles(engine, HANAKO)
    # Her menu now follows her roles.
    menus = [r for r in await sb.requests(method="setMyCommands")
             if str(HANAKO) in str(r["params"].get("scope", ""))]
    assert menus


async def test_an_invite_stops_working_when_its_author_loses_her_role(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    await sb.create_user(first_name="健", user_id=KEN)
    await add_person(engine, KEN, "山本 健", town.east,
                     roles=((Role.MUNICIPAL_COORDINATOR, town.city),))
    kept, waiting, late = [await _make_invite_link(sb, "地区の生活支援コーディネーター")
                           for _ in range(3)]
    # Control: while 美香 is a coordinator, her link works.
    opened = await sb.open_link(HANAKO, kept)
    welcome = await sb.wait_for_message(HANAKO, after=opened["message_id"])
    assert welcome["text"].startswith(f"「地区の生活支援コーディネーター」（{EAST}）として登録")
    # 一郎 opens another link while it is still good, and starts registering.
    opened = await sb.open_link(ICHIRO, waiting)
    _notice, question = await sb.wait_for_messages(ICHIRO, after=opened["message_id"], count=2)

    # 健 (the city's coordinator) revokes 美香's role.
    sent = await sb.send_text(KEN, "/roles")
    listing = await sb.wait_for_message(KEN, after=sent["message_id"])
    revoke = "取り消す: 田中 美香さん（地区の生活支援コーディネーター）"
    await sb.press(KEN, listing, text=revoke)
    confirm = await sb.wait_for_edit(KEN, listing["message_id"])
    await sb.press(KEN, confirm, text="はい、取り消します")
    done = await sb.wait_for_edit(KEN, listing["message_id"])
    assert done["text"].endswith("を取り消しました。")

    no_longer = ("この招待は、もう有効ではありません。\n"
                 "担当のコーディネーターに、新しい招待をお願いしてください。")
    opened = await sb.open_link(JIRO, late)
    refusal = await sb.wait_for_message(JIRO, after=opened["message_id"])
    assert refusal["text"] == no_longer
    # 一郎 finishes registering: he becomes a resident, not a coordinator.
    await sb.press(ICHIRO, question, text=f"★ {EAST}（招待の地区）")
    consent = await sb.wait_for_edit(ICHIRO, question["message_id"])
    await sb.press(ICHIRO, consent, text="同意する")
    refusal = await sb.wait_for_message(ICHIRO, after=question["message_id"])
    assert refusal["text"] == no_longer
    await settle(sb)

    assert (Role.DISTRICT_COORDINATOR, town.east.id) in await _roles(engine, HANAKO)
    assert await _roles(engine, ICHIRO) == [(Role.RESIDENT, town.east.id)]
    assert (Role.DISTRICT_COORDINATOR, town.east.id) not in await _roles(engine, MIKA)
    async with session_factory(engine)() as session:
        jiro = await person_of(session, JIRO)
        assert jiro is None or await roles_of(session, jiro.id) == []
        invites = list(await session.scalars(select(Invite).order_by(Invite.id)))
        assert [i.used_at is not None for i in invites] == [True, False, False]
        mika = await person_of(session, MIKA)
        assert mika is not None
        by_her = [e.detail for e in await entries(session, AuditAction.ROLE_GRANTED)
                  if e.actor_id == mika.id]
        assert by_her == [{"role": "district_coordinator"}]  # 花子's, and nothing after


async def test_a_resident_cannot_invite(sb: SandboxClient, town: Town) -> None:
    sent = await sb.send_text(HANAKO, "/invite")
    reply = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert reply["text"] == "招待リンクは、生活支援コーディネーターと管理者だけがつくれます。"


async def test_expired_and_forged_invites_are_refused_politely(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    async with session_factory(engine)() as session, session.begin():
        mika = await person_of(session, MIKA)
        assert mika is not None
        old = await create_invite(session, Role.SUPPORTER, town.east.id, mika,
                                  lifetime=timedelta(seconds=-1))
    for payload, expected in ((f"i{old.token}", "この招待リンクは期限が切れています。"),
                              ("iNotARealToken123", "この招待リンクは使えません。"),
                              ("i", "この招待リンクは使えません。")):
        sent = await sb.send_text(ICHIRO, f"/start {payload}")
        reply = await sb.wait_for_message(ICHIRO, after=sent["message_id"])
        assert reply["text"].startswith(expected)
    await settle(sb)
    async with session_factory(engine)() as session:
        person = await person_of(session, ICHIRO)
        assert person is None or await roles_of(session, person.id) == []


async def test_forged_invite_buttons_outside_the_scope_are_refused(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    sent = await sb.send_text(MIKA, "/invite")
    question = await sb.wait_for_message(MIKA, after=sent["message_id"])
    for data in (f"inv:a:supporter:{town.west.id}", f"inv:r:{Role.ADMIN}",
                 f"inv:a:municipal_coordinator:{town.city.id}"):
        query = await sb.press(MIKA, question, data=data, forge=True)
        answer = await sb.wait_for_callback_answer(query)
        assert answer["show_alert"] is True
    await settle(sb)
    async with session_factory(engine)() as session:
        assert await entries(session, AuditAction.INVITE_CREATED) == []


async def test_roles_shows_own_and_lets_a_coordinator_revoke(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    await add_person(engine, ICHIRO, "鈴木 一郎", town.east, roles=((Role.SUPPORTER, town.east),))
    await add_person(engine, JIRO, "山田 次郎", town.west, roles=((Role.SUPPORTER, town.west),))
    sent = await sb.send_text(ICHIRO, "/roles")
    mine = await sb.wait_for_message(ICHIRO, after=sent["message_id"])
    assert f"・担い手（ボランティア）（{EAST}）" in mine["text"]
    assert "担当地域の方の役割" not in mine["text"]

    sent = await sb.send_text(MIKA, "/roles")
    listing = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert f"・鈴木 一郎さん: 担い手（ボランティア）（{EAST}）" in listing["text"]
    assert "山田" not in listing["text"]  # another district's people are not hers to see
    assert labels(listing) == ["取り消す: 鈴木 一郎さん（担い手（ボランティア））"]
    await sb.press(MIKA, listing, text="取り消す: 鈴木 一郎さん（担い手（ボランティア））")
    confirm = await sb.wait_for_edit(MIKA, listing["message_id"])
    assert confirm["text"] == (
        f"鈴木 一郎さんの「担い手（ボランティア）」（{EAST}）を取り消しますか？")
    await sb.press(MIKA, confirm, text="はい、取り消します")
    done = await sb.wait_for_edit(MIKA, listing["message_id"])
    assert done["text"].endswith("を取り消しました。")
    told = await sb.wait_for_message(ICHIRO, after=mine["message_id"])
    assert told["text"] == (f"{EAST}の「担い手（ボランティア）」の役割は、田中 美香さんが"
                            "取り消しました。ご不明な点は、田中 美香さんにおたずねください。")
    await settle(sb)
    assert await _roles(engine, ICHIRO) == [(Role.RESIDENT, town.east.id)]
    async with session_factory(engine)() as session:
        [revoked] = await entries(session, AuditAction.ROLE_REVOKED)
        assert revoked.detail == {"role": "supporter"}


async def test_roles_and_invite_are_not_for_group_chats(sb: SandboxClient, town: Town) -> None:
    group = await new_group(sb, "東地区", {MIKA: "creator"})
    sent = await sb.send_text(MIKA, "/invite", chat_id=group["id"])
    reply = await sb.wait_for_message(group["id"], after=sent["message_id"])
    assert reply["text"].startswith("この操作は、ボットとの個別のチャットでお使いください。")


async def test_link_and_unlink_a_group(sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    group = await new_group(sb, "東地区 ご近所ネット",
                            {MIKA: "administrator", HANAKO: "member"})
    sent = await sb.send_text(MIKA, "/link", chat_id=group["id"])
    reply = await sb.wait_for_message(group["id"], after=sent["message_id"])
    assert reply["text"] == f"このグループを「{EAST}」につなぎました。"
    await settle(sb)
    async with session_factory(engine)() as session:
        linked = await group_of(session, group["id"])
        assert linked is not None
        assert linked.district_id == town.east.id

    sent = await sb.send_text(MIKA, "/unlink", chat_id=group["id"])
    reply = await sb.wait_for_message(group["id"], after=sent["message_id"])
    assert reply["text"] == "このグループと地区のつながりをはずしました。"
    await settle(sb)
    async with session_factory(engine)() as session:
        linked = await group_of(session, group["id"])
        assert linked is not None
        assert linked.district_id is None
        actions = [e.action for e in await entries(session)]
        assert AuditAction.GROUP_LINKED in actions
        assert AuditAction.GROUP_UNLINKED in actions


async def test_link_is_refused_to_residents_and_to_coordinators_who_are_not_group_admins(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    group = await new_group(sb, "東地区", {HANAKO: "creator", MIKA: "member"})
    sent = await sb.send_text(HANAKO, "/link", chat_id=group["id"])
    reply = await sb.wait_for_message(group["id"], after=sent["message_id"])
    assert reply["text"] == (
        "グループを地区につなげるのは、地区の生活支援コーディネーターだけです。")
    sent = await sb.send_text(MIKA, "/link", chat_id=group["id"])
    reply = await sb.wait_for_message(group["id"], after=sent["message_id"])
    assert reply["text"] == (
        "グループを地区につなぐには、このグループの管理者である必要があります。")
    await settle(sb)
    async with session_factory(engine)() as session:
        assert await entries(session, AuditAction.GROUP_LINKED) == []


async def test_help_follows_roles(sb: SandboxClient, town: Town) -> None:
    sent = await sb.send_text(MIKA, "/help")
    coordinator_help = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert "/invite — 役割の招待リンクをつくる" in coordinator_help["text"]
    assert "/areas — 地区と協議体の一覧" in coordinator_help["text"]
    assert "/addarea" not in coordinator_help["text"]  # admins only
    sent = await sb.send_text(HANAKO, "/help")
    resident_help = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert "/invite" not in resident_help["text"]


async def test_a_person_who_blocked_the_bot_changes_nothing_and_leaves_no_traceback(
    sb: SandboxClient, engine: AsyncEngine, town: Town, caplog: pytest.LogCaptureFixture
) -> None:
    await sb.add_fault("sendMessage", 403, description="Forbidden: bot was blocked by the user",
                       times=1)
    sent = await sb.send_text(MIKA, "/invite")
    await settle(sb)
    assert not await sb.messages(MIKA, after=sent["message_id"])
    assert "Traceback" not in caplog.text
    async with session_factory(engine)() as session:
        assert await entries(session, AuditAction.INVITE_CREATED) == []
