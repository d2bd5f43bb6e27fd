"""Exact numbers for the engine: figures read as decimals, derived as fractions, shown rounded.

A company that plans its R&D to land exactly on a line (581.6 ÷ 11,632 = 5 %) must be told
it meets it. Binary floating point cannot promise that: 174.48 + 191.93 + 215.19 is a hair
below 581.6 as floats. So every number the engine reads from a profile passes through
:func:`exact`: a whole number stays an ``int``, any other number becomes the decimal it was
written as (174.48 via ``Decimal("174.48")``), held as an exact fraction (:class:`Ratio`).
Sums, quotients and comparisons with a threshold are then exact. A ``Ratio`` is a
``Fraction``, so it also mixes with floats and ``pytest.approx`` the way a float did.

Rounding happens only for display (:func:`fixed`), and a shown figure never looks like a
line it has not reached: 4.99996 % is shown as 「4.99996%」, never as 「5.00%」.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

Number = int | Fraction
"""An exact number: whole counts stay ``int``, everything else is a :class:`Ratio`."""

_FLOAT_DIGITS = 15  # DBL_DIG: every decimal of up to 15 significant digits survives a float
_MAX_PLACES = 12  # a display never needs more decimals than this to leave a line
_SQRT_DIGITS = 60


class Ratio(Fraction):
    """An exact quotient that formats like a float (``f"{r:.2f}"``), so code that shows a
    figure keeps working while comparisons stay exact."""

    def __format__(self, spec: str) -> str:
        return format(to_decimal(self), spec)

    def __repr__(self) -> str:
        return f"Ratio({self.numerator}, {self.denominator})"


# The hot paths test the exact type first: ``isinstance`` against ``Fraction`` (an
# abstract-base-class subclass) is several times slower than a type lookup, and the engine
# calls these helpers hundreds of thousands of times in a batch screening.
_NUMBER_TYPES = frozenset({int, float, Decimal, Fraction, Ratio})


def is_number(value: Any) -> bool:
    """Whether ``value`` is a number (not a truth value).

    >>> is_number(1), is_number(1.5), is_number(Decimal("2")), is_number(True), is_number("3")
    (True, True, True, False, False)
    """
    if type(value) in _NUMBER_TYPES:
        return True
    return isinstance(value, int | float | Decimal | Fraction) and not isinstance(value, bool)


def exact(value: Any) -> Any:
    """A profile value as the engine reads it: an ``int`` is kept, a float, ``Decimal`` or
    ``Fraction`` becomes an exact :class:`Ratio`; anything else is unchanged.

    A float is read as the shortest decimal of at most 15 significant digits it stands for:
    every figure typed with up to 15 digits (174.48) is read back exactly, and the binary
    noise of float arithmetic done before the engine (0.1 + 0.2) is dropped.

    >>> exact(174.48) == Decimal("174.48"), exact(0.1 + 0.2) == Fraction(3, 10)
    (True, True)
    >>> exact(120), exact(True), exact("2025-01-01"), exact(Decimal("2.50"))
    (120, True, '2025-01-01', Ratio(5, 2))
    """
    kind = type(value)
    if kind is int or kind is Ratio:
        return value
    if kind is float:
        return _float_ratio(value)
    if isinstance(value, int | Ratio):  # bool is an int: a truth value is kept as it is
        return value
    if isinstance(value, float):
        return _float_ratio(float(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return _decimal_ratio(value)
    if isinstance(value, Fraction):
        return Ratio(value)
    return value


@lru_cache(maxsize=1 << 16)
def _float_ratio(value: float) -> Ratio:
    """A float as the decimal it stands for. Cached: the gap search reads the same profile
    figures thousands of times, and the decimal round trip is the costly part of a read
    (a Ratio is immutable, so sharing one is safe)."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    text = repr(value)
    if len(Decimal(text).as_tuple().digits) > _FLOAT_DIGITS:
        text = format(value, f".{_FLOAT_DIGITS}g")
    return Ratio(Decimal(text))


@lru_cache(maxsize=1 << 12)
def _decimal_ratio(value: Decimal) -> Ratio:
    """A finite decimal as a fraction. Cached: the gap search moves figures by the same
    few steps (1, 2, 4 ... 万元) for every condition of every company."""
    return Ratio(value)


def dec(value: Any) -> Decimal:
    """A number as a ``Decimal`` (for display); a fraction is converted with 60 digits.

    >>> dec(3), dec(2.5), dec(Fraction(1, 4))
    (Decimal('3'), Decimal('2.5'), Decimal('0.25'))
    """
    value = exact(value)
    if isinstance(value, Fraction):
        return to_decimal(value)
    return Decimal(value)


def amount(value: Any) -> Ratio:
    """A number as an exact :class:`Ratio` (sums and amounts that are not whole counts)."""
    if type(value) is Ratio:
        return value
    number = frac(value)
    # From the (already lowest) terms: the constructor's fast path for two ints, where
    # ``Ratio(fraction)`` goes through the slower abstract-number checks.
    return Ratio(number.numerator, number.denominator)


def frac(value: Any) -> Fraction:
    """A number as a ``Fraction`` (exact; a float is first read as its decimal)."""
    kind = type(value)
    if kind is Ratio or kind is Fraction:
        return value  # type: ignore[no-any-return]
    if isinstance(value, Fraction):
        return value
    value = exact(value)
    return value if isinstance(value, Fraction) else Fraction(value)


def ratio(numerator: Any, denominator: Any, times: int = 1) -> Ratio:
    """The exact quotient ``numerator ÷ denominator`` (× ``times``, e.g. 100 for percent).

    >>> ratio(Decimal("581.6"), Decimal("11632")) * 100 == 5, ratio(30, 120, 100)
    (True, Ratio(25, 1))
    """
    a, b = frac(numerator), frac(denominator)
    if not b:
        raise ZeroDivisionError(f"{numerator} ÷ 0")
    return Ratio(a.numerator * b.denominator * times, a.denominator * b.numerator)


def total(values: Iterable[Any]) -> Ratio:
    """The exact sum, over a common denominator (one fraction built, not one per term).

    >>> total([174.48, 191.93, 215.19]), total([])
    (Ratio(2908, 5), Ratio(0, 1))
    """
    terms = [frac(v) for v in values]
    common = math.lcm(*(t.denominator for t in terms))
    return Ratio(sum(t.numerator * (common // t.denominator) for t in terms), common)


def to_decimal(value: Fraction) -> Decimal:
    """A fraction as a decimal with 60 significant digits (exact when it terminates)."""
    ctx = Context(prec=_SQRT_DIGITS)
    return ctx.divide(Decimal(value.numerator), Decimal(value.denominator))


def sqrt(value: Fraction) -> Ratio:
    """The square root: exact when it is rational, else to 60 significant digits, which
    decides a comparison with any threshold the rules can hold.

    >>> sqrt(Fraction(441, 400)), sqrt(Fraction(2)) > Decimal("1.41421356")
    (Ratio(21, 20), True)
    """
    num, den = value.numerator, value.denominator
    if num >= 0 and math.isqrt(num) ** 2 == num and math.isqrt(den) ** 2 == den:
        return Ratio(math.isqrt(num), math.isqrt(den))
    return Ratio(to_decimal(value).sqrt(Context(prec=_SQRT_DIGITS)))


def compare(op: str, actual: Any, expected: Any) -> bool:
    """``actual op expected`` for numbers, decided on exact fractions.

    >>> compare(">=", Decimal("174.48") + Decimal("191.93") + Decimal("215.19"), 581.6)
    True
    """
    a, b = _rational(actual), _rational(expected)
    # Cross-multiplied in whole numbers (denominators are positive): the same order as
    # the fractions', without building any.
    return bool(_OPERATORS[op](a.numerator * b.denominator, b.numerator * a.denominator))


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


def _rational(value: Any) -> int | Fraction:
    """``int`` and ``Fraction`` compare exactly as they are; anything else is converted."""
    kind = type(value)
    if kind is int or kind is Ratio or kind is Fraction:
        return value  # type: ignore[no-any-return]
    return value if isinstance(value, int | Fraction) else frac(value)


def fixed(value: Any, places: int = 2, *, strip: bool = False, grouping: bool = True) -> str:
    """A number for display, rounded half up to ``places`` decimals (thousands commas
    unless ``grouping`` is false).

    A rounded figure never looks like a whole number it is not: when rounding changed the
    value and only zeros are left after the point, another decimal is shown (up to 12), so
    4.99996 is never shown as 5.00 next to a line of 5 (the rules' lines are whole numbers;
    a comparison's own display checks against its threshold too). ``strip`` drops trailing
    zeros (5.40 -> 5.4).

    >>> fixed(Fraction(5447154, 1000000)), fixed(5), fixed(Ratio(499996, 100000))
    ('5.45', '5.00', '4.99996')
    >>> fixed(Decimal("4764.4"), strip=True), fixed(12, strip=True)
    ('4,764.4', '12')
    >>> fixed(Decimal("60.004"), strip=True), fixed(Fraction(-381020, 10000), strip=True)
    ('60.004', '-38.1')
    """
    comma = "," if grouping else ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:{comma}}" if strip else f"{value:{comma}.{places}f}"
    number = frac(value)
    decimal = dec(value)
    text = ""
    for shown in range(places, max(places, _MAX_PLACES) + 1):
        ctx = Context(prec=max(_SQRT_DIGITS, decimal.adjusted() + shown + 2))
        rounded = decimal.quantize(Decimal(1).scaleb(-shown), ROUND_HALF_UP, ctx)
        text = f"{rounded:{comma}.{shown}f}"
        if rounded == number or rounded != rounded.to_integral_value():
            break
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
