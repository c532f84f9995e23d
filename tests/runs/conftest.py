"""The runs tests share the runner tests' jobs file and environment."""

from tests.runner.conftest import env

__all__ = ["env"]
