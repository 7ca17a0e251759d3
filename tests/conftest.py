"""Session-wide fixtures: the heavy objects (Kiwi, the Extractor) are built once."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def segmenter():
    from pipeline.stages.segment import Segmenter

    return Segmenter()


@pytest.fixture(scope="session")
def extractor():
    from pipeline import Extractor

    return Extractor()


@pytest.fixture(scope="session")
def extractor_rules_only():
    from pipeline import Extractor

    return Extractor(ner=False)
