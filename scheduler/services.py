"""What a periodic job is given: the database, the settings and a way to send sooner.

The jobs decide what is due and queue it in the outbox; they know nothing of the messenger
or of the job queue that runs them (``bot.jobs`` adapts PTB's JobQueue to call them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

if TYPE_CHECKING:
    from bot.settings import Settings


class JobServices(Protocol):
    """The long-lived resources of the process a job runs in (``bot.context.Services``)."""

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession] | None:
        """Sessions on the database; None before the process has opened it."""

    @property
    def settings(self) -> Settings:
        """The process's settings."""

    def wake_dispatcher(self) -> None:
        """Send what was just queued now rather than at the dispatcher's next look."""
