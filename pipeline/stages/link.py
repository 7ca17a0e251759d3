"""Link stage: attaches titles and organizations to people and aliases to organizations (filled in by issue 4)."""
from __future__ import annotations

from pipeline.article import Analysis


class LinkStage:
    name = "link"

    def __call__(self, analysis: Analysis) -> None:
        return None
