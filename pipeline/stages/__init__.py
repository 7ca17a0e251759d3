"""Stages: small named processors, each with one job, composed in one place (``pipeline.stages.compose``).

A stage is any object with a ``name`` and ``__call__(analysis: Analysis) -> None`` that reads and extends the
``Analysis`` of one article. Order: segment → rules → ner → resolve → normalize → link → tables.
"""
from __future__ import annotations

from typing import Protocol

from pipeline.article import Analysis


class Stage(Protocol):
    name: str

    def __call__(self, analysis: Analysis) -> None: ...
