"""The rate limiter that processes and hosts share through Postgres.

``core`` holds :class:`Limiter`; ``_slots`` its records (scopes, slots, what responses
announce), ``_combine`` the in-process queues that share one transaction between waiting
threads, ``_pool`` its connections and ``_sql`` the statements. The rules that need the shared
state (counting, the slot check, completions) are database functions: ``riotjobs/db/sql``.
"""

from riotjobs.riot.limiter._slots import (
    DEFAULT_APP_LIMITS,
    DEFAULT_METHOD_LIMITS,
    Announced,
    Scope,
    Slot,
)
from riotjobs.riot.limiter.core import DEFAULT_MARGIN, REJECT_HOLD, Limiter

__all__ = [
    "DEFAULT_APP_LIMITS",
    "DEFAULT_MARGIN",
    "DEFAULT_METHOD_LIMITS",
    "REJECT_HOLD",
    "Announced",
    "Limiter",
    "Scope",
    "Slot",
]
