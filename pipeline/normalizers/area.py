"""The ``area`` normalizer: an AREA mention to square metres.

The rule (``rules/area.yaml``) names the ``unit`` group; its factor to m² comes from the rule file's ``units``
(falling back to the built-in area.yaml): ㎡ 1, 평 400/121 (the legal pyeong, 3.3058 m²), ha 10⁴, ㎢ 10⁶.
The rest of the span is the quantity (``3만``, ``약 500``, ``1만 2천``). ``value_m2`` is rounded to 2 decimals;
``unit`` is the unit as written. A range keeps its lower end, like money.

>>> from pipeline.normalizers.base import NormContext
>>> normalize_area(NormContext(text="500평", start=0, end=4, groups={"unit": (3, 4)}))
{'value_m2': 1652.89, 'unit': '평', 'approx': False}
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pipeline.normalizers.base import NormContext, register
from pipeline.normalizers.money import quantity_text, table
from pipeline.normalizers.numbers import lookup, multiplier, parse_quantity, to_number

UNIT_GROUP = "unit"


@register("area", primary="value_m2")
def normalize_area(ctx: NormContext) -> dict[str, Any] | None:
    """Square metres, the unit as written and approx of an AREA mention; ``None`` when it does not parse."""
    unit = ctx.group(UNIT_GROUP)
    if unit is None:
        return None
    factor = lookup(table(ctx, "units", "area.yaml"), unit)
    q = parse_quantity(quantity_text(ctx, (UNIT_GROUP,)))
    if factor is None or q is None:
        return None
    m2 = (Decimal(str(q.value)) * multiplier(factor)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"value_m2": to_number(m2), "unit": unit, "approx": q.approx}
