"""Imports every built-in normalizer module so that their ``@register`` decorators run."""
from pipeline.normalizers import numbers, money, area, dates, people, orgs  # noqa: F401
