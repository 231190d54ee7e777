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

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rubrics.engine import RULE_KINDS, compute_score, validate_rule

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


def deduct(w, gap, per_point, rounding):
    if gap <= 0:
        return w
    return w - per_point * (math.ceil(gap) if rounding == "ceil" else gap)


@st.composite
def ratio_case(draw, w):
    a_raw, a = draw(number(0, 10**4, places=4))
    t_raw, t = draw(number(0, 10**4, places=4).filter(lambda pair: pair[1] > 0))
    params, cap = {}, F(1)
    if draw(st.booleans()):
        cap_raw, cap = draw(number(D("0.01"), 3).filter(lambda pair: pair[1] > 0))
        params["cap"] = cap_raw
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
    rounding = draw(st.sampled_from(["exact", "ceil", None]))
    a_raw, a = draw(number(-50, 150, places=4))
    params = {"threshold": thr_raw, "per_point": per_raw, "direction": direction}
    if rounding:
        params["rounding"] = rounding
    gap = thr - a if direction == "below" else a - thr
    return params, {"actual": a_raw}, deduct(w, gap, per, rounding)


@st.composite
def bands_case(draw, w):
    count = draw(st.integers(1, 6))
    lowers = draw(st.lists(number(-50, 150), min_size=count, max_size=count, unique_by=lambda pair: pair[1]))
    bands = []
    for lower_raw, lower in lowers:
        points_raw, points = draw(number(0, w) if w > 0 else st.just((0, F(0))))
        bands.append((lower_raw, lower, points_raw, points))
    a_raw, a = draw(number(-60, 160, places=3))
    reached = [b for b in sorted(bands, key=lambda b: b[1], reverse=True) if a >= b[1]]
    value = reached[0][3] if reached else F(0)
    return {"bands": [[b[0], b[2]] for b in bands]}, {"actual": a_raw}, value


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
    if gate is not None and gate not in met:
        value = F(0)
    else:
        parts = sum((points[k] * share for k, (_, share) in partial.items()), F(0))
        value = sum((points[k] for k in met), F(0)) + parts
    inputs = {"met": met, "partial": {str(k): raw for k, (raw, _) in partial.items()}}
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
    rounding = draw(st.sampled_from(["exact", "ceil", None]))
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
