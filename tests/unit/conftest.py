"""The unit tests' tier: a test not marked slow starts no process (tests/tiers.py)."""

from tests.tiers import pytest_runtest_protocol

__all__ = ["pytest_runtest_protocol"]
