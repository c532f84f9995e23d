"""The runs tests share the runner tests' jobs file and environment."""

from tests.runner.conftest import env, jobs_env

__all__ = ["env", "jobs_env"]
