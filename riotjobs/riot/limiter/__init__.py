"""The rate limiter that processes and hosts share through Postgres.

``core`` holds :class:`Limiter`; ``_slots`` the rows and the counting rule, ``_combine`` the
in-process queues that share one transaction between waiting threads, ``_pool`` its connections
and ``_sql`` the statements.
"""

from riotjobs.riot.limiter.core import (
    DEFAULT_APP_LIMITS,
    DEFAULT_MARGIN,
    DEFAULT_METHOD_LIMITS,
    Limiter,
    Scope,
    Slot,
    phantoms,
)

__all__ = [
    "DEFAULT_APP_LIMITS",
    "DEFAULT_MARGIN",
    "DEFAULT_METHOD_LIMITS",
    "Limiter",
    "Scope",
    "Slot",
    "phantoms",
]
