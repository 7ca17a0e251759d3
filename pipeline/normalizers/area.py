"""The ``area`` normalizer: an AREA mention to square metres.

The rule (``rules/area.yaml``) names the ``unit`` group; its factor to m² comes from the rule file's ``units``
(falling back to the built-in area.yaml): ㎡ 1, 평 400/121 (the legal pyeong, 3.3058 m²), ha 10⁴, ㎢ 10⁶.
The rest of the span is the quantity (``3만``, ``약 500``, ``1만 2천``, ``32평~62평``). ``unit`` is the unit as
written. A range keeps its lower end, like money.

``value_m2`` is the exact conversion, not rounded: the product is computed as a fraction (1평 = 400/121 m² has no
finite decimal) and stored as the nearest float64, an ``int`` when whole. A float64 keeps 15-16 significant digits,
so ``value_m2 * 121 / 400`` gives back the pyeong as written (500.0, not 499.9985 as 1,652.89 m² would), and the
column stays a number for sums and joins (``Float64`` in ``pipeline/io/schema.py``).

>>> from pipeline.normalizers.base import NormContext
>>> normalize_area(NormContext(text="500평", start=0, end=4, groups={"unit": (3, 4)}))
{'value_m2': 1652.892561983471, 'unit': '평', 'approx': False}
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from pipeline.normalizers.base import NormContext, register
from pipeline.normalizers.money import quantity_text, table
from pipeline.normalizers.numbers import lookup, parse_quantity

UNIT_GROUP = "unit"
UNIT_FROM_GROUP = "unit_from"  # the unit repeated on the left end of a range (32평~62평)


def exact_factor(x: Any) -> Fraction:
    """A unit factor of a rule file (int, float, decimal or ``"400/121"`` string) as an exact fraction."""
    return Fraction(str(x).replace(" ", "")) if isinstance(x, str) else Fraction(str(x))


@register("area", primary="value_m2")
def normalize_area(ctx: NormContext) -> dict[str, Any] | None:
    """Square metres, the unit as written and approx of an AREA mention; ``None`` when it does not parse."""
    unit = ctx.group(UNIT_GROUP)
    if unit is None:
        return None
    factor = lookup(table(ctx, "units", "area.yaml"), unit)
    q = parse_quantity(quantity_text(ctx, (UNIT_GROUP, UNIT_FROM_GROUP)))
    if factor is None or q is None:
        return None
    m2 = Fraction(str(q.value)) * exact_factor(factor)
    return {"value_m2": int(m2) if m2.denominator == 1 else float(m2), "unit": unit, "approx": q.approx}
