"""A local Riot API look-alike: a deterministic synthetic league served over HTTP with Riot's
routing, shapes, rate limits and failure modes.

    from riotjobs.sandbox import SandboxConfig, serve_in_thread
    with serve_in_thread(SandboxConfig(seed=7, players=300)) as sb:
        sb.base_url_template  # what RIOTJOBS_RIOT_BASE_URL takes
"""

from riotjobs.sandbox.config import DEFAULT_API_KEY, ENDPOINTS, SandboxConfig
from riotjobs.sandbox.server import SandboxHandle, serve_forever, serve_in_thread

__all__ = [
    "DEFAULT_API_KEY",
    "ENDPOINTS",
    "SandboxConfig",
    "SandboxHandle",
    "serve_forever",
    "serve_in_thread",
]
