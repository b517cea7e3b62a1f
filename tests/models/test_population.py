"""Population per district: reading the municipality's CSV strictly, and which figures a
period uses."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from models.areas import get_or_create_area
from models.db import session_factory
from models.population import import_population, population_at, read_population

TODAY = date(2026, 11, 30)


async def test_names_numbers_and_dates(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        await get_or_create_area(session, "テスト市", "東地区")
        await get_or_create_area(session, "別市", "東地区")
        data = ("district,aged_65_plus,aged_75_plus,certified,as_of\n"
                "東地区,1,1,1,\n"
                "テスト市/東地区,\"１，２００\",600,180,2026-04-01\n"
                "テスト市/東地区,1200,600,180,2026-04-01\n"
                "テスト市/東地区,1300,600,180,2026-4-1x\n"
                "\n"
                "テスト市/東地区,1300,650,190\n").encode()
        lines, problems = await read_population(session, data, TODAY)
        assert [(p.line, p.key, p.column) for p in problems] == [
            (2, "population.import.ambiguous", "district"),
            (4, "population.import.twice", "district"),
            (5, "population.import.bad_date", "as_of")]
        assert [(x.line, x.aged_65_plus, x.as_of) for x in lines] == [
            (3, 1200, date(2026, 4, 1)), (7, 1300, TODAY)]
        assert (await import_population(session, data, TODAY)).stored == 0  # nothing


async def test_the_latest_figures_on_or_before_the_period_s_end(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        east, _ = await get_or_create_area(session, "テスト市", "東地区")
        west, _ = await get_or_create_area(session, "テスト市", "西地区")
        data = ("district,aged_65_plus,aged_75_plus,certified,as_of\n"
                "東地区,100,50,10,2025-04-01\n東地区,110,55,11,2026-04-01\n"
                "西地区,200,90,20,2026-10-01\n").encode("cp932")
        assert (await import_population(session, data, TODAY)).stored == 3
        again = "district,aged_65_plus,aged_75_plus,certified,as_of\n東地区,120,60,12,2026-04-01\n"
        assert (await import_population(session, again.encode(), TODAY)).stored == 1
        chosen = await population_at(session, [east.id, west.id], date(2026, 6, 30))
        assert (chosen[east.id].aged_65_plus, chosen[west.id].aged_65_plus) == (120, 200)
        chosen = await population_at(session, [east.id], date(2026, 3, 31))
        assert chosen[east.id].aged_65_plus == 100
        assert await population_at(session, [], TODAY) == {}
