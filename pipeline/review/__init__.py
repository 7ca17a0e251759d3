"""Reviewing an output folder: HTML report (``report``), annotation export/import (``export``, ``importer``),
span scores (``evaluate``) and DuckDB summaries (``inspect``); ``tables`` loads the folder for all of them."""
