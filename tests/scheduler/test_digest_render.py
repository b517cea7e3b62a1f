"""The digest in words, as a chart and as a workbook: privacy, Japanese dates, fonts, sheets."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
from fontTools.ttLib import TTFont
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from locales.i18n import format_long_date, use_language
from models import Area, AreaLevel, Council, Meeting, MeetingKind, MeetingStatus, clock
from models.db import session_factory
from models.outbox import visible_length
from scheduler.digests import chart
from scheduler.digests.aggregate import Digest, Figures, Scope, build_digest, week_bounds
from scheduler.digests.chart import chart_texts, font_path, participants_chart
from scheduler.digests.render import COORDINATOR, COUNCIL, digest_text
from scheduler.digests.workbook import digest_workbook
from tests.auxil.digest import EPISODE, TOKYO, WEEK, jst, seed_history


@pytest.fixture(autouse=True)
def _on_the_digest_s_monday() -> None:
    """The digests here are read on the Monday after their week, in 2026 (dates of this
    year carry no year)."""
    clock.travel(datetime.combine(WEEK + timedelta(days=7), time(8), tzinfo=TOKYO))

EAST_TEXT = """<b>東地区 協議体 週間レポート</b>
令和8年11月16日〜令和8年11月22日（2026-W47）

<b>今週の主な数字</b>（矢印は先週とくらべて）
・活動の開催（回）: 3 ↑（先週 2・4週平均 1）
・参加した人（のべ人数）: 30 ↑（先週 16・4週平均 8）
・声かけに答えた・人数を報告した人: 5 ↑（先週 3・4週平均 1.2）
・声かけへの回答（件）: 5 ↑（先週 3・4週平均 0.8）
・新しい困りごと: 3件未満（先週 3件未満・4週平均 －）

<b>活動</b>
開催 3回・中止 1回・参加 のべ30人
種類別: サロン 1回 12人、体操・介護予防 1回 8人、食事会 1回 10人
意味づけ別（のべ参加）: 見守り 22人、栄養改善 10人、孤立防止 12人、介護予防 8人
人数の報告がない活動 1・新しい活動 1・休止 1・終了 0

<b>人</b>
新しい住民 2人・新しい担い手 1人・声かけに答えた・人数を報告した人 5人

<b>声かけ</b>
送った声かけ 6件・回答 5件（回答率 83%）
回答の内訳: 元気です 2、まあまあ 1、少し困っている 1、話を聞いてほしい 1

<b>困りごと</b>
新しく 3件未満・対応開始 3件未満・つないだ 3件未満・解決 3件未満
分野別: 件数が少ないため、内訳はのせていません
週末の時点で対応中 3件以上

<b>見守り</b>
見守りの知らせ 3件未満・対応済み 3件未満

<b>会議・ワークショップ</b>
開催 1回・申込 3名・参加 4名
・ご近所ケア会議 1回
これから2週間の予定: 1件
・11月25日(水) 14:00 支え合いワークショップ

<b>エピソード</b>
・サロンで、久しぶりに来た方を皆で迎えました。

※ 困りごと・見守りの数が少ないときは、どなたのことか分からないよう「3件未満」と表示しています。\
ほかの数から引き算で分からないよう、いくつかの数は「3件未満」「3件以上」、平均は「－」としています。"""


async def _digest(engine: AsyncEngine, council_id: int) -> Digest:
    async with session_factory(engine)() as session:
        council = await session.get(Council, council_id)
        assert council is not None
        return await build_digest(session, council, WEEK, TOKYO)


def test_japanese_dates_with_the_era() -> None:
    with use_language("ja"):
        assert format_long_date(date(2026, 11, 16)) == "令和8年11月16日"
        assert format_long_date(date(2019, 5, 1)) == "令和元年5月1日"
        assert format_long_date(date(2019, 4, 30)) == "平成31年4月30日"
        assert format_long_date(date(2026, 11, 16), era=False) == "2026年11月16日"
    with use_language("en"):
        assert format_long_date(date(2026, 11, 16)) == "November 16, 2026"


async def test_the_council_reads_every_number_and_no_small_count(engine: AsyncEngine) -> None:
    history = await seed_history(engine)
    digest = await _digest(engine, history.east_council)
    with use_language("ja", TOKYO):
        text = digest_text(digest, COUNCIL)
    assert text == EAST_TEXT
    assert "住民P" not in text
    assert "買い物袋" not in text


async def test_two_needs_are_hidden_from_the_council_but_not_the_coordinator(
    engine: AsyncEngine
) -> None:
    history = await seed_history(engine)
    digest = await _digest(engine, history.city_council)
    with use_language("ja", TOKYO):
        council, coordinator = digest_text(digest, COUNCIL), digest_text(digest, COORDINATOR)
        workbook = load_workbook(io.BytesIO(digest_workbook(digest, COUNCIL)))
        exact = load_workbook(io.BytesIO(digest_workbook(digest, COORDINATOR)))
    assert "・西地区: 開催 1回・参加 5人・声かけ回答 1/3件・困りごと 3件未満" in council
    assert "・西地区: 開催 1回・参加 5人・声かけ回答 1/3件・困りごと 2件" in coordinator
    # Both districts' 2 are hidden, so the total of 4 is too (4 = 2 + 2 would tell them).
    assert "新しく 3件以上・対応開始 3件未満・つないだ 3件未満・解決 3件未満" in council
    assert "・新しい困りごと: 3件以上（先週 3件未満・4週平均 －）" in council
    assert "新しく 4件・対応開始 2件・つないだ 1件・解決 1件" in coordinator
    assert "・東地区: サロンで、久しぶりに来た方を皆で迎えました。" in council
    assert "開催 2回・申込 5名・参加 5名\n・ご近所ケア会議 1回\n・協議体 1回" in council
    assert "これから2週間の予定: 1件\n・11月25日(水) 14:00 支え合いワークショップ" in council
    assert "年末の勉強会" not in council
    assert "住民P" not in council
    needs = [list(r) for r in workbook["困りごと"].iter_rows(values_only=True)]
    assert needs[0][:2] == ["地区", "新しい困りごと"]
    assert [row[0] for row in needs[1:]] == ["東地区", "西地区", "合計"]
    assert needs[2][1] == "3件未満"
    assert [list(r) for r in exact["困りごと"].iter_rows(values_only=True)][2][1] == 2


async def test_the_workbook_has_a_sheet_per_section_and_a_row_per_district(
    engine: AsyncEngine
) -> None:
    history = await seed_history(engine)
    digest = await _digest(engine, history.city_council)
    with use_language("ja", TOKYO):
        workbook = load_workbook(io.BytesIO(digest_workbook(digest, COUNCIL)))
    assert workbook.sheetnames == ["概要", "活動", "活動の種類別", "意味づけ別", "人", "声かけ",
                                   "困りごと", "見守り", "エピソード", "会議"]
    meetings = [list(r) for r in workbook["会議"].iter_rows(values_only=True)]
    assert meetings == [["地区", "会議の開催数", "申込数", "参加数（当日参加を含む）"],
                        ["東地区", 1, 3, 4], ["西地区", 0, 0, 0], ["合計", 2, 5, 5]]
    rows = [list(r) for r in workbook["活動"].iter_rows(values_only=True)]
    assert rows == [
        ["地区", "開催（回）", "中止（回）", "参加（のべ人数）", "人数の報告がない活動",
         "新しい活動", "休止した活動", "終了した活動"],
        ["東地区", 3, 1, 30, 1, 1, 1, 0],
        ["西地区", 1, 0, 5, 0, 0, 0, 0],
        ["合計", 4, 1, 35, 1, 1, 1, 0],
    ]
    checkins = [list(r) for r in workbook["声かけ"].iter_rows(values_only=True)]
    assert checkins[1] == ["東地区", 6, 5, 83.3, 2, 1, 1, 1]
    assert checkins[3] == ["合計", 9, 6, 66.7, 3, 1, 1, 1]
    people = [list(r) for r in workbook["人"].iter_rows(values_only=True)]
    assert people[1:] == [["東地区", 2, 1, 5], ["西地区", 0, 0, 2], ["合計", 2, 1, 7]]
    summary = [list(r) for r in workbook["概要"].iter_rows(values_only=True)]
    assert summary[0][:2] == ["協議体", "テスト市 協議体"]
    assert summary[1][:2] == ["週のはじめ", "令和8年11月16日"]
    assert summary[4] == ["項目", "今週", "先週", "先週とくらべて", "4週平均"]
    assert summary[6] == ["参加した人（のべ人数）", 35, 20, "↑", 9]
    assert summary[9] == ["新しい困りごと", "3件以上", "3件未満", None, "－"]
    assert [list(r) for r in workbook["エピソード"].iter_rows(values_only=True)][1] == [
        "東地区", EPISODE]


async def test_the_chart_is_a_png_drawn_with_a_font_that_has_every_glyph(
    engine: AsyncEngine
) -> None:
    history = await seed_history(engine)
    digest = await _digest(engine, history.city_council)
    for language in ("ja", "en"):
        with use_language(language, TOKYO):
            png = participants_chart(digest)
            texts = chart_texts(digest)
        assert png.startswith(b"\x89PNG")
        cmap = TTFont(font_path()).getBestCmap()
        missing = {c for c in "".join(texts) if not c.isspace() and ord(c) not in cmap}
        assert not missing, missing
    assert "参加した人（のべ人数）" in texts or language == "en"


async def test_the_workbook_keeps_text_as_text_and_bolds_the_headers(
    engine: AsyncEngine
) -> None:
    history = await seed_history(engine)
    digest = await _digest(engine, history.city_council)
    tricks = ["=HYPERLINK(\"http://x\")+1", "+SUM(1,2)", "@SUM(1+1)", "-1+2"]
    digest.episodes += [(digest.scope.districts[0].id, trick) for trick in tricks]
    with use_language("ja", TOKYO):
        workbook = load_workbook(io.BytesIO(digest_workbook(digest, COUNCIL)))
    episodes = workbook["エピソード"]
    assert [(c.value, c.data_type) for c in episodes["B"][-len(tricks):]] == [
        (trick, "s") for trick in tricks]
    assert not [c.coordinate for sheet in workbook for row in sheet.iter_rows() for c in row
                if c.data_type == "f"]
    summary = workbook["概要"]
    assert [(c.value, c.font.b) for c in summary[5]][:2] == [("項目", True), ("今週", True)]
    assert not summary["A6"].font.b
    assert [c.font.b for c in workbook["活動"][1]] == [True] * 8
    assert workbook["活動"].freeze_panes == "B2"


async def test_a_chart_does_not_depend_on_the_ones_drawn_before_it(engine: AsyncEngine) -> None:
    # Every chart of a process is drawn on one figure: nothing may carry over (limits, bars,
    # legend, the no-data note, the language).
    history = await seed_history(engine)
    digest = await _digest(engine, history.city_council)
    empty = Digest(digest.scope, digest.weeks,
                   {d: [Figures() for _ in digest.weeks] for d in digest.by_district}, [])

    def fresh(d: Digest) -> bytes:
        chart._frame.cache_clear()
        return participants_chart(d)

    with use_language("ja", TOKYO):
        alone, blank_alone = fresh(digest), fresh(empty)
        with use_language("en", TOKYO):
            english = participants_chart(digest)
        blank_after = participants_chart(empty)
        after = participants_chart(digest)
    with use_language("en", TOKYO):
        english_alone = fresh(digest)
    assert after == alone
    assert blank_after == blank_alone
    assert english == english_alone
    assert len({alone, blank_alone, english}) == 3


def test_a_city_of_forty_districts_still_fits_one_message() -> None:
    city = Area(id=1, name="大きな市", level=AreaLevel.MUNICIPALITY)
    districts = tuple(Area(id=10 + i, name=f"第{i + 1}地区の長い名前の日常生活圏域", parent_id=1,
                           level=AreaLevel.DISTRICT) for i in range(40))
    council = Council(id=1, name="大きな市 協議体", area_id=1)
    mondays, _bounds = week_bounds(WEEK, TOKYO)
    figures = {d.id: [Figures(sessions_held=9, participants=120) for _ in mondays]
               for d in districts}
    long = "あ" * 200
    digest = Digest(Scope(council, city, districts), mondays, figures,
                    [(districts[0].id, long)] * 8)
    with use_language("ja", TOKYO):
        text = digest_text(digest, COUNCIL)
    assert visible_length(text) <= 4096
    assert "（ほかの地区の数は、表計算ファイルの各シートにあります）" in text
    assert text.endswith("としています。")


async def test_a_meeting_by_invitation_is_counted_and_never_named(engine: AsyncEngine) -> None:
    """A care meeting about one person: the council and the coordinators read that there
    is one, never its title (issue 15, finding 4)."""
    history = await seed_history(engine)
    async with session_factory(engine)() as session, session.begin():
        for day in (18, 26):  # one held in the digest's week, one in the next two weeks
            session.add(Meeting(
                kind=MeetingKind.CARE_MEETING, title=f"佐藤花子さん個別ケア会議{day}",
                area_id=history.town.east.id, starts_at=jst(11, day, 14), place="公民館 2階",
                capacity=10, open=False, status=MeetingStatus.SCHEDULED, lock_version=0,
                walk_ins=0))
    for council in (history.east_council, history.city_council):
        digest = await _digest(engine, council)
        with use_language("ja", TOKYO):
            texts = [digest_text(digest, COUNCIL), digest_text(digest, COORDINATOR)]
        for text in texts:
            assert "佐藤花子" not in text
            assert "公民館 2階" not in text
            assert "・ご近所ケア会議 2回" in text  # held: the open one and the invited one
            assert "これから2週間の予定: 2件\n・11月25日(水) 14:00 支え合いワークショップ\n" \
                "・ご近所ケア会議 1件（招待制のため、内容は非公開）" in text
