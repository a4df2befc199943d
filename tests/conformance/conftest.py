"""Unpack the integration-test corpus once, before xdist workers start reading it."""

from __future__ import annotations

import pytest

from tests.corpus import corpus_dir


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        corpus_dir()
