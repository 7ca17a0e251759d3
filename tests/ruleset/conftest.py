"""Helpers for rule-file tests: write small rule folders in tmp_path, and a stand-in normalizer."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipeline.normalizers import base


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text, folder="user") -> the folder; text is dedented."""

    def _write(name: str, text: str, folder: str = "user") -> Path:
        d = tmp_path / folder
        (d / Path(name).parent).mkdir(parents=True, exist_ok=True)
        (d / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return d

    return _write


@pytest.fixture
def echo_normalizer():
    """A normalizer named ``test_echo`` that returns the mention's groups as text (rejects when told to)."""

    def echo(ctx):
        if ctx.surface.startswith("0"):
            return None
        return {"value": ctx.surface, **{k: ctx.group(k) for k in ctx.groups}, "rule_id": ctx.rule_id,
                "units": dict(ctx.config.get("units", {})), "lexicons": sorted(ctx.lexicons),
                "published": ctx.published}

    base.register("test_echo")(echo)
    yield "test_echo"
    base._REGISTRY.pop("test_echo", None)
