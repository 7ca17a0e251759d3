"""krnews: Korean news information extraction (organizations, people, money, areas, dates) into tables."""
__version__ = "0.1.0"

__all__ = ["Extractor", "Result", "__version__"]


def __getattr__(name):  # lazy, so `import pipeline.io.readers` does not load Kiwi and spaCy
    if name in ("Extractor", "Result"):
        from pipeline import extractor

        return getattr(extractor, name)
    raise AttributeError(name)
