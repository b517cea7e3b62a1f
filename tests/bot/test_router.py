"""The button router (``handlers.router``): every route of the real application fits Telegram's
64 bytes, duplicates and over-long shapes are refused when registered, and data that does not
have its route's shape finds no route."""

from __future__ import annotations

import pytest

from bot.app import build_application
from bot.settings import load_settings
from handlers.router import (
    ID,
    MAX_DATA,
    Choice,
    Int,
    OneOf,
    Press,
    Route,
    Router,
    Text,
    router_of,
)


async def _nothing(press: Press) -> None:
    del press


def _application_routes() -> Router:
    settings = load_settings(_env_file=None, database_url="sqlite+aiosqlite://")
    return router_of(build_application(settings, "123456:TEST"))


def _longest_data(route: Route) -> str:
    """The longest data the route's shape allows, written out (ids as 19 nines)."""
    words = [route.prefix, *([route.step] if route.step else [])]
    for value in route.shape:
        shapes = value.shapes if isinstance(value, OneOf) else (value,)
        longest = max(shapes, key=lambda s: s.longest)
        if isinstance(longest, Int):
            words.append("9" * longest.digits)
        elif isinstance(longest, Choice):
            words.append(max(longest.options, key=lambda o: len(o.encode())))
        else:
            words.append("x" * longest.max_bytes)
    return ":".join(words)


def test_every_route_of_the_application_fits_telegrams_64_bytes() -> None:
    router = _application_routes()
    routes = router.all_routes()
    assert len(routes) > 60  # every capability's buttons registered here
    for route in routes:
        data = _longest_data(route)
        assert len(data.encode()) == route.longest <= MAX_DATA, data
        assert router.knows(data), data  # the longest data is still understood


def test_buttons_the_bot_sends_are_routed() -> None:
    router = _application_routes()
    for data in ("ci:12:fine", "nq:3:shopping", "nq:3:next", "mt:k:5:workshop", "mt:s:5:1",
                 "mt:yy:5:0", "mt:wn:5", "mo:ip:4:2", "mo:ia:4:9:s", "mo:e:4:place",
                 "ma:w:4:+", "aa:p:2:0:", "aa:p:2:5:other", "aa:ek:7", "ob:d:3:",
                 "ob:y:3:abcdefghijklmnop", "lang", "lang:ja", "help", "wa:5:ok",
                 "pc:8:ask", "pc:8:12", "nd:4:to:shakyo", "nd:4:ask:77", "wt:on:48"):
        assert router.knows(data), data


@pytest.mark.parametrize("data", [
    "ci:12:great",        # not one of the answers
    "ci:x:fine",          # not an id
    "ci:12",              # a value missing
    "ci:12:fine:more",    # a value too many
    "ci:-3:fine",         # ids are not negative
    "ci:12345678901234567890:fine",  # longer than a BigInteger
    "mt:zz:5",            # an unknown step
    "mt",                 # no step
    "nobody:1",           # an unknown prefix
    "mt:s:5:1" + "0" * 60,  # longer than Telegram sends
])
def test_garbled_data_finds_no_route(data: str) -> None:
    assert not _application_routes().knows(data)


def test_a_duplicate_prefix_or_step_is_refused() -> None:
    router = Router()
    router.route("xx", _nothing, ID)
    with pytest.raises(ValueError, match="twice"):
        router.route("xx", _nothing, ID)
    with pytest.raises(ValueError, match="twice"):
        router.route("xx", _nothing, ID, steps="a")  # a prefix without steps has no steps
    router.route("yy", _nothing, ID, steps=("a", "b"))
    router.route("yy", _nothing, ID, ID, steps="c")  # another step of the same prefix
    with pytest.raises(ValueError, match="twice"):
        router.route("yy", _nothing, steps="b")
    with pytest.raises(ValueError, match="twice"):
        router.route("yy", _nothing, ID)  # the whole prefix again


def test_a_shape_that_could_exceed_64_bytes_is_refused() -> None:
    router = Router()
    router.route("ok", _nothing, ID, ID, ID)  # 2 + 3 × 20 = 62 bytes
    with pytest.raises(ValueError, match="64"):
        router.route("no", _nothing, ID, ID, ID, Choice("ab"))  # 62 + 3
    with pytest.raises(ValueError, match="64"):
        router.route("nt", _nothing, Text(60), steps="long")
    assert "no" not in router.routes or not router.routes["no"]


def test_the_real_application_refuses_a_second_registration() -> None:
    router = _application_routes()
    with pytest.raises(ValueError, match="twice"):
        router.route("ci", _nothing, ID)  # the weekly question's buttons are taken


def test_optional_values_come_last() -> None:
    with pytest.raises(ValueError, match="last"):
        Router().route("op", _nothing, Int(optional=True), ID)
