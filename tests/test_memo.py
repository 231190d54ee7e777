"""Remembered answers (rubrics.memo): the engine and the quote check keep their answers by value, so a page
that shows the same evaluation again does not compute them again — and a changed value is never answered
from memory."""

from decimal import Decimal
from fractions import Fraction

import pytest

from rubrics import engine
from rubrics.engine import InputError, RuleError, compute_score
from rubrics.memo import Memo, NotMemoizable, value_key

BANDS = {"bands": [[90, 5], [0, 0]]}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (1, 1.0),
        (1, True),
        (1, "1"),
        (Decimal("1.5"), Decimal("1.50")),  # equal, but written differently
        (Fraction(1, 2), Decimal("0.5")),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # a rule may read its entries in order
        ([1, 2], (1, 2)),
        ({"1": 2}, {1: 2}),
        (None, "None"),
    ],
)
def test_value_key_tells_apart_what_reads_differently(one, other):
    assert value_key(one) != value_key(other)
    assert value_key(one) == value_key(one)


def test_value_key_refuses_objects_it_cannot_hold():
    with pytest.raises(NotMemoizable):
        value_key({"inputs": object()})


def test_memo_answers_from_memory_and_empties_when_full():
    calls = []
    memo = Memo(2)

    def answer(value):
        calls.append(value)
        return value * 2

    assert memo("a", lambda: answer(1), ()) == 2
    assert memo("a", lambda: answer(99), ()) == 2  # remembered: not computed again
    assert calls == [1]
    memo("b", lambda: answer(2), ())
    memo("c", lambda: answer(3), ())  # full: emptied, then kept
    assert memo("a", lambda: answer(4), ()) == 8
    assert calls == [1, 2, 3, 4]


def test_memo_remembers_the_error_and_raises_it_again():
    memo, calls = Memo(8), []

    def fails():
        calls.append(1)
        raise ValueError("坏")

    for _ in range(3):
        with pytest.raises(ValueError, match="坏"):
            memo("k", fails, (ValueError,))
    assert calls == [1]
    with pytest.raises(KeyError):  # an error it was not told to keep is raised, and not kept
        memo("other", lambda: {}["x"], (ValueError,))


def test_compute_score_remembers_and_a_changed_input_is_scored_anew(monkeypatch):
    engine._SCORES.clear()
    computed = []
    original = engine._compute_score

    def counting(*args):
        computed.append(args)
        return original(*args)

    monkeypatch.setattr(engine, "_compute_score", counting)
    first = compute_score("bands", BANDS, {"actual": 95}, "5")
    again = compute_score("bands", BANDS, {"actual": 95}, "5")
    assert again is first and len(computed) == 1
    lower = compute_score("bands", BANDS, {"actual": 80}, "5")
    assert (first.score, lower.score) == (Decimal("5.00"), Decimal("0.00")) and len(computed) == 2
    # the same number written another way is another key, with the same score
    assert compute_score("bands", BANDS, {"actual": 95.0}, "5").score == first.score and len(computed) == 3


def test_compute_score_raises_a_remembered_error_each_time():
    engine._SCORES.clear()
    for _ in range(2):
        with pytest.raises(InputError):
            compute_score("bands", BANDS, {"actual": "九十"}, "5")
        with pytest.raises(RuleError):
            compute_score("bands", {"bands": []}, {"actual": 95}, "5")
        with pytest.raises(ValueError):
            compute_score("bands", BANDS, {"actual": 95}, "5", na_policy="没有这种")


def test_a_remembered_error_is_raised_fresh_without_the_first_callers_frames():
    memo = Memo(8)

    def fails():
        secret = {"post": "第一个请求的数据"}  # noqa: F841 - a local the first raise's frames would hold
        raise ValueError("坏")

    raised = []
    for _ in range(2):
        try:
            memo("k", fails, (ValueError,))
        except ValueError as error:
            raised.append(error)
    first, second = raised
    assert first is not second and str(second) == "坏"
    stored = memo._answers["k"][1]
    assert stored.__traceback__ is None and stored.__context__ is None
    frames = []
    tb = second.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert "fails" not in frames  # the second raise did not pass through the first computation


def test_engine_errors_keep_their_fields_when_raised_again():
    engine._SCORES.clear()
    messages = []
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            compute_score("bands", BANDS, {"actual": "九十"}, "5")
        messages.append((caught.value.field, caught.value.message))
    assert messages[0] == messages[1] and messages[0][0] == "actual"
