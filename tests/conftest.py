"""Shared fixtures. Compatibility tests carry exactly one evidence marker (V, D or P): a hook refuses others."""

from __future__ import annotations

import pytest

EVIDENCE = {"V", "D", "P"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marks = {m.name for m in item.iter_markers()} & EVIDENCE
        if len(marks) > 1:
            raise pytest.UsageError(f"{item.nodeid} carries more than one evidence marker: {sorted(marks)}")
