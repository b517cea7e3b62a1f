"""Per-update state: the database session, the person, and the callback context exposing them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.ext import CallbackContext, ExtBot

from bot.dispatch import DispatchConfig, Dispatcher
from bot.identity import ensure_person_of
from bot.settings import Settings
from models import Person
from models.db import create_engine, session_factory
from models.permissions import Permissions
from models.roles import roles_of

if TYPE_CHECKING:
    from bot.app import OtagaiApplication

# How long a stopping process lets the dispatcher finish the batch it is sending.
DISPATCH_STOP_PATIENCE = 10.0


@dataclass
class UpdateScope:
    """What one update is handled with: its database session and the person, if known."""

    session: AsyncSession
    person: Person | None
    user_id: int | None = None
    settings_admin: bool = False
    failed: bool = False
    _permissions: Permissions | None = field(default=None, repr=False)

    async def permissions(self) -> Permissions:
        """Return what the person may do; read from the database once per update."""
        if self._permissions is None:
            grants = await roles_of(self.session, self.person.id) if self.person else []
            self._permissions = Permissions(tuple(grants), settings_admin=self.settings_admin)
        return self._permissions

    def forget_permissions(self) -> None:
        """Drop the cached permissions after roles changed within this update."""
        self._permissions = None


_scope: ContextVar[UpdateScope | None] = ContextVar("otagai_update_scope", default=None)


@contextmanager
def bind(scope: UpdateScope) -> Iterator[None]:
    """Make ``scope`` the current update's scope inside the block."""
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


@dataclass
class Services:
    """Long-lived resources, opened in ``post_init`` and closed in ``post_shutdown``."""

    settings: Settings
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker[AsyncSession] | None = field(default=None, repr=False)
    dispatcher: Dispatcher | None = None
    _dispatch_task: asyncio.Task[None] | None = field(default=None, repr=False)

    async def open(self) -> None:
        """Open the database engine."""
        self.engine = create_engine(self.settings.database_url)
        self.sessions = session_factory(self.engine)

    def start_dispatcher(self, bot: Bot) -> Dispatcher:
        """Start sending the outbox in the background."""
        assert self.sessions is not None, "open() first"
        self.dispatcher = Dispatcher(bot, self.sessions, self.settings.zone, self.dispatch,
                                     group_language=self.settings.default_language)
        self._dispatch_task = asyncio.create_task(self.dispatcher.run(), name="otagai-dispatch")
        return self.dispatcher

    def wake_dispatcher(self) -> None:
        """Look at the outbox now (a job has just queued something due at once)."""
        if self.dispatcher is not None:
            self.dispatcher.wake()

    async def stop_dispatcher(self, patience: float = DISPATCH_STOP_PATIENCE) -> None:
        """Stop sending: the batch in hand is sent and recorded, for ``patience`` seconds at
        most; what is still being sent after that is left for the next start."""
        task, self._dispatch_task = self._dispatch_task, None
        if task is None:
            return
        assert self.dispatcher is not None  # started together
        self.dispatcher.stop()
        # A task cancelled in the middle of a database call leaves its connection to be
        # reset by the pool, which logs a traceback; a stop between batches does not.
        with suppress(TimeoutError):
            async with asyncio.timeout(patience):
                await asyncio.shield(task)
        if not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        """Close the database engine."""
        if self.engine is not None:
            await self.engine.dispose()
        self.engine = self.sessions = None


class OtagaiContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context, with the update's database session and person at hand."""

    @property
    def scope(self) -> UpdateScope:
        """The current update's scope; only inside a handler."""
        scope = _scope.get()
        if scope is None:
            raise RuntimeError("no update is being processed")
        return scope

    @property
    def session(self) -> AsyncSession:
        """The database session of the update being handled."""
        return self.scope.session

    @property
    def person(self) -> Person | None:
        """The person who sent the update, if they have talked to the bot before."""
        return self.scope.person

    async def ensure_person(self) -> Person:
        """Return the sender's person row, creating it (id and language only) if new."""
        if self.scope.person is None:
            user = self._update_user()
            self.scope.person = await ensure_person_of(self.session, user)
        return self.scope.person

    def _update_user(self) -> int:
        user_id = self.scope.user_id
        if user_id is None:
            raise RuntimeError("this update has no sender")
        return user_id

    async def permissions(self) -> Permissions:
        """What the sender may do (see ``models.permissions``)."""
        return await self.scope.permissions()

    @property
    def services(self) -> Services:
        """The application's long-lived resources."""
        application: OtagaiApplication = self.application  # type: ignore[assignment]  # built so
        return application.services

    @property
    def settings(self) -> Settings:
        """The running settings."""
        return self.services.settings



def mark_failed() -> None:
    """Roll back the current update's changes (called by the error handler)."""
    scope = _scope.get()
    if scope is not None:
        scope.failed = True
