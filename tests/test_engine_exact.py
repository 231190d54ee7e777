"""Exact arithmetic of the scoring engine (DESIGN §4 "Arithmetic is exact").

Every rule kind is checked against an independent oracle written here with ``fractions.Fraction`` (it does not
call the engine's internals): random weights with 2 decimals, random inputs and parameters given as Decimal,
numeric text, float or fraction text ("125/6"); the engine's score must be the oracle's value clamped to
0..weight and rounded once, half-up. The formula printed in an explanation must reproduce the printed result.
"""

import math
import re
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rubrics.engine import RULE_KINDS, compute_score, validate_rule
from rubrics.numbers import exact_text as numbers_text
from rubrics.tree import IndicatorTree

D = Decimal
F = Fraction


def half_up(value: Fraction) -> Decimal:
    """The oracle's rounding: half-up (ties away from zero) to 2 decimals, exactly."""
    scaled = abs(value) * 100
    whole = math.floor(scaled + F(1, 2))
    return (Decimal(-whole if value < 0 else whole) / 100).quantize(Decimal("0.01")) + 0


def clamp(value: Fraction, weight: Fraction) -> Fraction:
    return min(max(value, F(0)), weight)


# --- the hand examples ---------------------------------------------------------------------------------


def test_ratio_three_times_five_over_twenty_four_is_0_63():
    result = compute_score("ratio", {}, {"actual": 5, "target": 24}, 3)
    assert result.exact == F(5, 8)  # 0.625 exactly, not 3 × 0.2083 = 0.6249
    assert result.score == D("0.63")
    assert result.explanation == "实际 5，目标 24，完成率 20.83%，按完成比例计分：3 × 5 ÷ 24 = 0.63 分"


def test_checklist_equal_split_of_twelve_items():
    params = {"items": [{"text": f"要点{k}"} for k in range(12)]}
    result = compute_score("checklist", params, {"met": [0, 1, 2]}, D("2.5"))
    assert result.exact == F(5, 8)
    assert result.score == D("0.63")
    assert "各占 1/12 权重分" in result.explanation
    assert result.explanation.endswith("：2.5 × 3 ÷ 12 = 0.63 分")
    result = compute_score("checklist", params, {"met": list(range(9))}, "2.5")
    assert result.exact == F(15, 8)
    assert result.score == D("1.88")  # not 9 × 0.21 = 1.89
    assert result.explanation.endswith("：2.5 × 9 ÷ 12 = 1.88 分")


@pytest.mark.parametrize("actual", ["125/6", " 125 / 6 ", F(125, 6)])
def test_bound_fraction_inputs_are_exact(actual):
    # a bound rate of 20.8333…%: 3 × 20.8333…% = 0.625 → 0.63, while 3 × 20.83% would be 0.62
    result = compute_score("threshold_else_rate", {"threshold": 50}, {"actual": actual}, 3)
    assert result.exact == F(5, 8)
    assert result.score == D("0.63")
    assert "实际比率 20.83%" in result.explanation
    assert result.explanation.endswith("：3 × (125/6)% = 0.63 分")


def test_inputs_of_every_numeric_type_give_the_same_score():
    for actual, target in [(5, 24), (D("5"), D("24")), ("5", "24"), (5.0, 24.0), ("10/2", "48/2")]:
        assert compute_score("ratio", {}, {"actual": actual, "target": target}, "3").score == D("0.63")


def test_half_up_at_every_tie():
    assert compute_score("ratio", {}, {"actual": 1, "target": 8}, 5).score == D("0.63")  # 0.625
    assert compute_score("ratio", {}, {"actual": 3, "target": 8}, 1).score == D("0.38")  # 0.375
    assert compute_score("per_count", {"per": "0.005"}, {"count": 1}, 1).score == D("1.00")  # 0.995
    assert compute_score("rate_penalty", {}, {"rate": D("0.5")}, 1).score == D("1.00")  # 0.995


def test_score_never_exceeds_the_weight_after_rounding():
    # 1.995 would round to 2.00 above a weight of 1.99: the weight has 2 decimals, the clamp comes first
    result = compute_score("checklist", {"items": [{"points": D("1.995")}, {"points": 1}]}, {"met": [0, 1]}, "1.99")
    assert result.score == D("1.99")
    assert validate_rule("ratio", {}, "1.995") == ["权重最多保留 2 位小数，现为 1.995"]


# --- formulas reproduce their results --------------------------------------------------------------------

_ENDINGS = r"(，扣完为止，得 0 分|，超过权重，按满分 [\d.]+ 分计| 分)"
_FORMULA = re.compile(r"[：（]([-\d.\s×÷+()/%]+?) = (-?\d+\.\d\d)" + _ENDINGS)
_RESULT = re.compile(r"(?:得|得满分|按满分|酌情评分) (\d+(?:\.\d+)?) 分")


def evaluate(formula: str) -> Fraction:
    """A printed formula computed as a person with a calculator would: × ÷ before + −, % is ÷ 100."""
    code = formula.replace("×", "*").replace("÷", "/").replace("%", "/100")
    code = re.sub(r"\d+(?:\.\d+)?", lambda m: f"F('{m.group()}')", code)
    return eval(code, {"F": Fraction, "__builtins__": {}})  # noqa: S307 - digits, operators and F only


def check_printed_result(explanation: str, score: Decimal, weight: Fraction) -> None:
    formulas = list(_FORMULA.finditer(explanation))
    for match in formulas:
        assert half_up(evaluate(match.group(1))) == D(match.group(2)), explanation
    final = [m for m in formulas if m.group(3) != " 分" or m.end() == len(explanation)]
    if final:
        printed, ending = D(final[-1].group(2)), final[-1].group(3)
        if ending.startswith("，扣完为止"):
            assert printed <= 0 and score == 0, explanation
        elif ending.startswith("，超过权重"):
            assert printed >= weight and score == half_up(weight), explanation
        else:
            assert printed == score, explanation
        return
    results = _RESULT.findall(explanation)
    if results:
        assert D(results[-1]) == score, explanation
    else:
        assert "不得分" in explanation and score == 0, explanation


@pytest.mark.parametrize(
    ("kind", "params", "inputs", "weight", "formula"),
    [
        ("ratio", {}, {"actual": 333, "target": 344}, 3, "3 × 96.80% = 2.90 分"),
        ("ratio", {}, {"actual": 5, "target": 24}, 3, "3 × 5 ÷ 24 = 0.63 分"),
        ("ratio", {}, {"actual": "125/6", "target": 24}, 3, "3 × 86.81% = 2.60 分"),  # 2.604 either way
        ("ratio", {}, {"actual": "125/6", "target": 100}, 3, "3 × 125/6 ÷ 100 = 0.63 分"),
        ("inverse_ratio", {}, {"actual": "125/6", "target": 20}, 3, "3 × 20 ÷ (125/6) = 2.88 分"),
        ("rate_penalty", {}, {"rate": 2}, 3, "3 × (1 - 2.00%) = 2.94 分"),
        ("ratio", {"cap": 0.8}, {"actual": 9, "target": 10}, 2, "2 × 80% = 1.60 分"),
        ("ratio", {"cap": "1/3"}, {"actual": 9, "target": 10}, 2, "2 × (100/3)% = 0.67 分"),
        (
            "checklist",
            {"items": [{"points": 1.5}, {"points": 1.5}]},
            {"met": [0], "partial": {"1": "1/3"}},
            3,
            "1.50 + 0.50 = 2.00 分",
        ),
        (
            "checklist",
            {"items": [{"points": 1}, {"points": 1}, {"points": 1}]},
            {"met": [], "partial": {"0": "1/8", "1": "1/8", "2": "1/8"}},
            3,
            "1 × 0.125 + 1 × 0.125 + 1 × 0.125 = 0.38 分",  # 0.13 + 0.13 + 0.13 would give 0.39
        ),
        ("checklist", {"items": ["a", "b", "c"]}, {"met": [0], "partial": {"1": "1/2"}}, 1, "0.33 + 0.17 = 0.50 分"),
        ("threshold_deduct", {"threshold": 98, "per_point": 0.1}, {"actual": 96.5}, 5, "5 - 0.1 × 1.50 = 4.85 分"),
        (
            "threshold_deduct",
            {"threshold": 98, "per_point": 0.1, "rounding": "ceil"},
            {"actual": 96.5},
            5,
            "5 - 0.1 × 2 = 4.80 分",
        ),
        (
            "threshold_deduct",
            {"threshold": 98, "per_point": 1},
            {"actual": "97.005"},
            5,
            "5 - 1 × (98 - 97.005) = 4.01 分",  # the gap 0.995 printed as 1.00 would give 4.00
        ),
        (
            "threshold_deduct",
            {"threshold": -5, "per_point": 3, "direction": "above"},
            {"actual": "-7/3"},
            5,
            "5 - 3 × (-7/3 - (-5)) = -3.00，扣完为止，得 0 分",
        ),
        ("threshold_deduct", {"threshold": 98, "per_point": 1}, {"actual": 10}, 5, "5 - 1 × 88.00 = -83.00"),
        ("satisfaction", {}, {"survey": True, "satisfaction": 92}, 5, "5 - 5 × 3% × 3.00 = 4.55 分"),
        ("satisfaction", {}, {"survey": False, "complaint_rate": 7}, 5, "5 - 1 - 5 × 3% × 2.00 = 3.70 分"),
        (
            "satisfaction",
            {"per_point_share": 5},
            {"survey": True, "satisfaction": "244/3"},
            "7.5",
            "7.5 - 7.5 × 5% × (95 - 244/3) = 2.38 分",  # the gap 13.67 would give 2.37
        ),
        ("satisfaction", {}, {"survey": False, "complaint_rate": 1}, 5, "5 - 1 = 4.00 分"),
        # DESIGN §4.1
        (
            "threshold_deduct",
            {"threshold": 100, "per_point": 2, "step": 5, "rounding": "ceil"},
            {"actual": 93},
            5,
            "5 - 2 × 2 = 1.00 分",
        ),
        (
            "threshold_deduct",
            {"threshold": 100, "per_point": 2, "step": 5},
            {"actual": "698/7"},
            5,
            "5 - 2 × (100 - 698/7) ÷ 5 = 4.89 分",  # the gap printed as 0.29 would give 4.88
        ),
        (
            "threshold_deduct",
            {"threshold": 100, "per_point": 1, "step": 3, "rounding": "floor"},
            {"actual": "93.5"},
            4,
            "4 - 1 × 2 = 2.00 分",
        ),
        ("graded", {}, {"level": "好", "share": 85}, 10, "10 × 85% = 8.50 分"),
        ("graded", {}, {"level": "中", "share": "200/3"}, 3, "3 × (200/3)% = 2.00 分"),
        ("coefficient", {}, {"coefficient": "62.5"}, 3, "3 × 62.5% = 1.88 分"),
        (
            "checklist",
            {"items": [{"points": 3, "max_faults": 3}, {"points": 2}]},
            {"met": [1], "faults": {"0": 1}},
            5,
            "2.00 + 2.00 = 4.00 分",
        ),
        (
            "checklist",
            {"items": [{"points": 1, "max_faults": 3}] * 3},
            {"faults": {"0": 1, "1": 1, "2": 1}},
            "1.5",
            "1 × (1 - 1 ÷ 3) + 1 × (1 - 1 ÷ 3) + 1 × (1 - 1 ÷ 3) = 2.00，超过权重，按满分 1.5 分计",
        ),
        (
            "either_of",
            {"options": [{"label": "甲", "rule": {"kind": "ratio"}}, {"label": "乙", "rule": {"kind": "coefficient"}}]},
            {"option": 0, "inputs": {"actual": 5, "target": 24}},
            3,
            "3 × 5 ÷ 24 = 0.63 分",
        ),
    ],
)
def test_formula_reproduces_the_result(kind, params, inputs, weight, formula):
    result = compute_score(kind, params, inputs, weight)
    if formula is not None:
        assert f"：{formula}" in result.explanation, result.explanation
    check_printed_result(result.explanation, result.score, F(str(weight)))


def test_rounded_intermediates_are_kept_only_where_they_reproduce_the_result():
    # 20.8333…% shown as 20.83%: 3 × 20.83% = 0.6249 would print 0.62, so the exact operands are shown
    result = compute_score("rate_penalty", {}, {"rate": "125/6"}, 3)
    assert result.score == D("2.38")  # 3 × (1 − 125/600) = 2.375
    check_printed_result(result.explanation, result.score, F(3))
    # satisfaction gap 74.1666… shown as 74.17 would be off; the exact operands are shown
    result = compute_score("satisfaction", {"per_point_share": 1}, {"survey": True, "satisfaction": "125/6"}, 5)
    check_printed_result(result.explanation, result.score, F(5))


# --- the oracle ------------------------------------------------------------------------------------------


def given_as(value: Decimal, how: str):
    """One exact value handed to the engine as Decimal, numeric text or float (repr keeps ≤ 15 digits)."""
    return {"decimal": value, "text": str(value), "float": float(value)}[how]


ways = st.sampled_from(["decimal", "text", "float"])


@st.composite
def number(draw, low, high, places=2):
    """(what the engine gets, the exact value): a decimal in any form, or a fraction text such as "125/6"."""
    if isinstance(high, Fraction):  # a weight: 2 decimals, so exactly a Decimal
        high = Decimal(high.numerator) / Decimal(high.denominator)
    if draw(st.integers(0, 3)) == 0:
        q = draw(st.integers(1, 97))
        p = draw(st.integers(math.ceil(low * q), math.floor(high * q)))
        return f"{p}/{q}", F(p, q)
    value = draw(st.decimals(min_value=low, max_value=high, places=places))
    return given_as(value, draw(ways)), F(value)


@st.composite
def weight(draw):
    value = draw(st.decimals(min_value=0, max_value=100, places=2))
    return given_as(value, draw(ways)), F(value)


def deduct(w, gap, per_point, rounding, step=1):
    """DESIGN §4.1: units = gap ÷ step, rounded up (ceil), down (floor) or not at all; w − per_point × units."""
    if gap <= 0:
        return w
    units = gap / step
    if rounding == "ceil":
        units = math.ceil(units)
    elif rounding == "floor":
        units = math.floor(units)
    return w - per_point * units


@st.composite
def ratio_case(draw, w):
    a_raw, a = draw(number(0, 10**4, places=4))
    t_raw, t = draw(number(0, 10**4, places=4).filter(lambda pair: pair[1] > 0))
    params, cap = {}, F(1)
    if draw(st.booleans()):
        cap_raw, cap = draw(number(D("0.01"), 3).filter(lambda pair: pair[1] > 0))
        params["cap"] = cap_raw
    if draw(st.booleans()):  # over_limit never changes the score
        params["over_limit"], _ = draw(number(100, 300))
    return params, {"actual": a_raw, "target": t_raw}, w * min(a / t, cap)


@st.composite
def inverse_ratio_case(draw, w):
    a_raw, a = draw(number(0, 1000))
    t_raw, t = draw(number(0, 1000))
    return {}, {"actual": a_raw, "target": t_raw}, w if a <= t else w * t / a


@st.composite
def threshold_deduct_case(draw, w):
    thr_raw, thr = draw(number(-50, 150))
    per_raw, per = draw(number(0, 5, places=3))
    direction = draw(st.sampled_from(["below", "above"]))
    rounding = draw(st.sampled_from(["exact", "ceil", "floor", None]))
    a_raw, a = draw(number(-50, 150, places=4))
    params = {"threshold": thr_raw, "per_point": per_raw, "direction": direction}
    if rounding:
        params["rounding"] = rounding
    step = F(1)
    if draw(st.booleans()):
        params["step"], step = draw(number(D("0.01"), 25).filter(lambda pair: pair[1] > 0))
    zero_at = None
    if draw(st.booleans()):
        _, distance = draw(number(D("0.01"), 60).filter(lambda pair: pair[1] > 0))
        zero_at = thr - distance if direction == "below" else thr + distance
        params["zero_at"] = numbers_text(zero_at)
    gap = thr - a if direction == "below" else a - thr
    if zero_at is not None and (a <= zero_at if direction == "below" else a >= zero_at):
        return params, {"actual": a_raw}, F(0)
    return params, {"actual": a_raw}, deduct(w, gap, per, rounding, step)


@st.composite
def bands_case(draw, w):
    count = draw(st.integers(1, 6))
    higher = draw(st.booleans())
    bounds = draw(st.lists(number(-50, 150), min_size=count, max_size=count, unique_by=lambda pair: pair[1]))
    bands = []
    for bound_raw, bound in sorted(bounds, key=lambda pair: pair[1], reverse=higher):  # the order §4.1 requires
        points_raw, points = draw(number(0, w) if w > 0 else st.just((0, F(0))))
        bands.append((bound_raw, bound, points_raw, points))
    a_raw, a = draw(number(-60, 160, places=3))
    if higher:  # lower bounds, inclusive: the highest one reached
        reached = [b for b in bands if a >= b[1]]
        value = max(reached, key=lambda b: b[1])[3] if reached else F(0)
    else:  # upper bounds, inclusive: the lowest one not exceeded
        within = [b for b in bands if a <= b[1]]
        value = min(within, key=lambda b: b[1])[3] if within else F(0)
    params = {"bands": [[b[0], b[2]] for b in bands]}
    if not higher or draw(st.booleans()):
        params["direction"] = "higher" if higher else "lower"
    return params, {"actual": a_raw}, value


@st.composite
def checklist_case(draw, w):
    n = draw(st.integers(1, 12))
    equal = draw(st.booleans())
    if equal:
        items, points = [{"text": f"要点{k}"} for k in range(n)], [w / n] * n
    else:
        drawn = [draw(number(0, w) if w > 0 else st.just((0, F(0)))) for _ in range(n)]  # may add up above w
        items, points = [{"text": f"要点{k}", "points": raw} for k, (raw, _) in enumerate(drawn)], [p for _, p in drawn]
    gate = draw(st.none() | st.integers(0, n - 1))
    met = sorted(draw(st.sets(st.integers(0, n - 1))))
    rest = [k for k in range(n) if k not in met]
    partial = draw(st.dictionaries(st.sampled_from(rest), number(0, 1, places=4))) if rest else {}
    others = [k for k in rest if k not in partial]
    faults = draw(st.dictionaries(st.sampled_from(others), st.integers(0, 12))) if others else {}
    limits = {k: draw(st.integers(1, 10)) for k in faults}
    for k, limit in limits.items():
        items[k]["max_faults"] = draw(st.sampled_from([limit, str(limit), D(limit)]))
    if gate is not None and gate not in met and faults.get(gate) != 0:
        value = F(0)
    else:
        parts = sum((points[k] * share for k, (_, share) in partial.items()), F(0))
        faulty = sum((points[k] * max(F(0), 1 - F(f, limits[k])) for k, f in faults.items()), F(0))
        value = sum((points[k] for k in met), F(0)) + parts + faulty
    inputs = {"met": met, "partial": {str(k): raw for k, (raw, _) in partial.items()}}
    if faults:
        inputs["faults"] = {str(k): f for k, f in faults.items()}
        if not met and draw(st.booleans()):
            del inputs["met"]  # met may be left out when faults are given
    return {"items": items, "gate": gate}, inputs, value


@st.composite
def binary_case(draw, w):
    met = draw(st.booleans())
    return {}, {"met": met}, w if met else F(0)


@st.composite
def rate_penalty_case(draw, w):
    r_raw, r = draw(number(0, 300, places=4))
    return {}, {"rate": r_raw}, w * (1 - r / 100)


@st.composite
def per_count_case(draw, w):
    per_raw, per = draw(number(0, 10, places=3))
    count = draw(st.integers(0, 500))
    return {"per": per_raw}, {"count": draw(st.sampled_from([count, str(count), D(count)]))}, w - per * count


@st.composite
def change_rate_case(draw, w):
    per_raw, per = draw(number(0, 5, places=3))
    rounding = draw(st.sampled_from(["exact", "ceil", "floor", None]))
    params = {"per_point": per_raw, **({"rounding": rounding} if rounding else {})}
    if draw(st.booleans()):
        r_raw, rate = draw(number(-100, 300, places=4))
        inputs = {"rate": r_raw}
    else:
        c_raw, current = draw(number(0, 10**6))
        p_raw, previous = draw(number(0, 10**6).filter(lambda pair: pair[1] > 0))
        inputs, rate = {"current": c_raw, "previous": p_raw}, (current - previous) / previous * 100
    return params, inputs, deduct(w, rate, per, rounding)


@st.composite
def threshold_else_rate_case(draw, w):
    thr_raw, thr = draw(number(-50, 150))
    a_raw, a = draw(number(-50, 150, places=4))
    return {"threshold": thr_raw}, {"actual": a_raw}, w if a >= thr else w * a / 100


@st.composite
def grade_map_case(draw, w):
    names = draw(st.lists(st.sampled_from(["优秀", "良好", "合格", "三等", "不合格"]), min_size=1, unique=True))
    table = {name: draw(number(0, w) if w > 0 else st.just((0, F(0)))) for name in names}
    params = {"map": {name: raw for name, (raw, _) in table.items()}}
    default = None
    if draw(st.booleans()):
        default_raw, default = draw(number(0, w) if w > 0 else st.just((0, F(0))))
        params["default"] = default_raw
    grade = draw(st.sampled_from([*names, "其他", "一般"]))
    value = table[grade][1] if grade in table else (default if default is not None else F(0))
    return params, {"grade": grade}, value


@st.composite
def satisfaction_case(draw, w):
    params, values = {}, {"full_at": F(95), "per_point_share": F(3), "no_survey_deduct": F(1), "complaint_limit": F(5)}
    for name, (low, high) in {
        "full_at": (0, 100),
        "per_point_share": (0, 20),
        "no_survey_deduct": (0, 10),
        "complaint_limit": (0, 100),
    }.items():
        if draw(st.booleans()):
            params[name], values[name] = draw(number(low, high))
    survey = draw(st.booleans())
    s_raw, s = draw(number(0, 100, places=4))
    c_raw, c = draw(number(0, 100, places=4))
    share = values["per_point_share"] / 100
    if survey:
        value = w - max(values["full_at"] - s, F(0)) * share * w
        inputs = {"survey": True, "satisfaction": s_raw}
    else:
        value = w - values["no_survey_deduct"] - max(c - values["complaint_limit"], F(0)) * share * w
        inputs = {"survey": False, "complaint_rate": c_raw}
    return params, inputs, value


@st.composite
def manual_case(draw, w):
    s_raw, s = draw(number(0, w, places=4) if w > 0 else st.just((0, F(0))))
    return {}, {"score": s_raw, "reason": "现场核查"}, s


@st.composite
def graded_case(draw, w):
    levels = [("好", 80, 100), ("中", 60, 80), ("差", 0, 60)]
    params = {}
    if draw(st.booleans()):  # a scale of one's own: 4 levels, in any order
        levels = draw(st.permutations([("优", 90, 100), ("良", 75, 90), ("中", 60, 75), ("差", 0, 60)]))
        params["levels"] = [list(level) for level in levels]
    label, lower, upper = draw(st.sampled_from(levels))
    top = upper == 100  # the top level also holds its upper bound
    share_raw, share = draw(number(lower, upper, places=4).filter(lambda pair: top or pair[1] < upper))
    return params, {"level": label, "share": share_raw}, w * share / 100


@st.composite
def coefficient_case(draw, w):
    c_raw, c = draw(number(0, 100, places=4))
    return {}, {"coefficient": c_raw}, w * c / 100


@st.composite
def either_of_case(draw, w):
    kinds = draw(st.lists(st.sampled_from(sorted(set(ORACLES) - {"either_of"})), min_size=2, max_size=3))
    options = [(kind, *draw(ORACLES[kind](w))) for kind in kinds]
    index = draw(st.integers(0, len(options) - 1))
    params = {"options": [{"label": f"口径{k}", "rule": {"kind": o[0], **o[1]}} for k, o in enumerate(options)]}
    option = draw(st.sampled_from([index, str(index)]))
    return params, {"option": option, "inputs": options[index][2]}, options[index][3]


ORACLES = {
    "ratio": ratio_case,
    "inverse_ratio": inverse_ratio_case,
    "threshold_deduct": threshold_deduct_case,
    "bands": bands_case,
    "checklist": checklist_case,
    "binary": binary_case,
    "rate_penalty": rate_penalty_case,
    "per_count": per_count_case,
    "change_rate": change_rate_case,
    "threshold_else_rate": threshold_else_rate_case,
    "grade_map": grade_map_case,
    "satisfaction": satisfaction_case,
    "manual": manual_case,
    "graded": graded_case,
    "coefficient": coefficient_case,
    "either_of": either_of_case,
}


def test_every_kind_has_an_oracle():
    assert set(ORACLES) == set(RULE_KINDS)


@st.composite
def cases(draw, kind):
    w_raw, w = draw(weight())
    params, inputs, value = draw(ORACLES[kind](w))
    return kind, params, inputs, w_raw, w, value


@pytest.mark.parametrize("kind", sorted(ORACLES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_score_equals_the_exact_oracle_rounded_once(kind, data):
    kind, params, inputs, w_raw, w, value = data.draw(cases(kind))
    assert validate_rule(kind, params, w_raw) == []
    result = compute_score(kind, params, inputs, w_raw)
    expected = clamp(value, w)
    assert result.exact == expected
    assert result.score == half_up(expected)
    assert 0 <= result.score <= w
    assert result.score.as_tuple().exponent == -2
    check_printed_result(result.explanation, result.score, w)


# --- not applicable, over-achievement and the rescaled total (DESIGN §4.1) ----------------------------------


@pytest.mark.parametrize("kind", sorted(ORACLES))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_not_applicable_scores_the_weight_or_nothing_whatever_the_rule(kind, data):
    kind, params, _, w_raw, w, _ = data.draw(cases(kind))
    full = compute_score(kind, params, {"not_applicable": True}, w_raw, na_policy="full")
    assert (full.exact, full.score, full.applicable) == (w, half_up(w), True)
    check_printed_result(full.explanation, full.score, w)
    left_out = compute_score(kind, params, {"not_applicable": True}, w_raw)
    assert (left_out.exact, left_out.score, left_out.applicable) == (0, D("0.00"), False)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_over_limit_is_reported_exactly_when_the_completion_exceeds_it(data):
    _, w = data.draw(weight())
    a_raw, a = data.draw(number(0, 10**3, places=4))
    t_raw, t = data.draw(number(0, 10**3, places=4).filter(lambda pair: pair[1] > 0))
    limit_raw, limit = data.draw(number(100, 300))
    result = compute_score("ratio", {"over_limit": limit_raw}, {"actual": a_raw, "target": t_raw}, w)
    assert result.exact == clamp(w * min(a / t, F(1)), w)  # the score does not change
    assert bool(result.problems) == (a / t * 100 > limit)


@st.composite
def applicable_leaves(draw):
    """Leaves (weight, exact score, applicable) under two sections; at least one applicable, one not."""
    leaves = []
    for _ in range(draw(st.integers(2, 8))):
        _, w = draw(weight())
        s = draw(number(0, w, places=4)) if w > 0 else (0, F(0))
        leaves.append((w, s[1], draw(st.booleans())))
    leaves[0] = (*leaves[0][:2], True)
    leaves[1] = (*leaves[1][:2], False)
    return leaves


@settings(max_examples=100, deadline=None)
@given(applicable_leaves())
def test_rescaled_total_is_the_applicable_rounded_scores_over_their_weights(leaves):
    rows = [SimpleNamespace(pk="a", parent_id=None, name="一", weight=None, score=None, on=True, order=0)]
    rows.append(SimpleNamespace(pk="b", parent_id=None, name="二", weight=None, score=None, on=True, order=1))
    for k, (w, s, on) in enumerate(leaves):
        parent = "ab"[k % 2]
        rows.append(
            SimpleNamespace(
                pk=f"l{k}",
                parent_id=parent,
                name=str(k),
                weight=D(w.numerator) / D(w.denominator),
                score=s,
                on=on,
                order=k,
            )
        )
    tree = IndicatorTree(rows, applicable=lambda row: row.on)
    counted = [(w, half_up(s)) for w, s, on in leaves if on]
    weights = sum((w for w, _ in counted), F(0))
    expected = half_up(sum((F(s) for _, s in counted), F(0)) * 100 / weights) if weights else None
    assert tree.total == expected
    for root in tree.roots:  # sections: plain sums of the applicable rounded leaves
        below = [half_up(s) for k, (_, s, on) in enumerate(leaves) if on and "ab"[k % 2] == root.key]
        assert root.score == (sum(below, D(0)) if below else None)
        assert root.applicable == bool(below)
