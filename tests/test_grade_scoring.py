"""The scoring rule and grades.csv: equal shares, the zeroing kinds, exact and stable numbers."""

from __future__ import annotations

from fractions import Fraction

from nnkit.course import catalog
from nnkit.grade import scoring
from nnkit.grade.output import reports

MSE = "05_losses.mse"  # 2 points
BCE = "05_losses.bce"  # 4 points


def outcome(exercise: str, status: str = "passed", kind: str = "", prop: bool = False) -> dict:
    return {"exercise": exercise, "status": status, "kind": kind, "property": prop, "test": "t"}


def test_an_exercises_points_are_split_equally_over_its_tests():
    result = scoring.score([outcome(BCE), outcome(BCE, "failed", "failed"), outcome(BCE), outcome(BCE)])
    assert result.exercises[BCE].earned == 3
    assert result.test_points[1] == (0, 1)


def test_points_stay_exact_until_printed():
    result = scoring.score([outcome(MSE), outcome(MSE), outcome(MSE, "failed", "failed")])
    assert result.exercises[MSE].earned == Fraction(4, 3)
    assert scoring.number(result.exercises[MSE].earned) == 1.33
    assert scoring.text(scoring.number(Fraction(4, 3))) == "1.33"
    assert scoring.text(scoring.number(Fraction(6, 3))) == "2"


def test_a_forbidden_call_or_a_stub_or_a_broken_file_zeroes_the_whole_exercise():
    for kind in scoring.ZEROING_KINDS:
        result = scoring.score([outcome(BCE), outcome(BCE), outcome(BCE, "failed", kind)])
        assert result.exercises[BCE].earned == 0
        assert result.exercises[BCE].zeroed_by == kind


def test_property_checks_earn_nothing_without_a_passing_value_check():
    wrong = scoring.score([outcome(MSE, "failed", "failed"), outcome(MSE, prop=True),
                           outcome(MSE, prop=True)])
    assert wrong.exercises[MSE].earned == 0
    assert wrong.exercises[MSE].zeroed_by == scoring.NO_VALUE
    partly = scoring.score([outcome(MSE), outcome(MSE, "failed", "failed"), outcome(MSE, prop=True)])
    assert partly.exercises[MSE].earned == Fraction(4, 3)


def test_the_maximum_is_the_sum_of_the_catalogs_points():
    assert scoring.score([]).max_total == sum(e.points for e in catalog.exercises())


def test_grades_csv_has_one_column_per_exercise_in_contract_order_and_sorted_rows():
    records = [reports.student_record(name, name, [], {"tests": [outcome(MSE)]}) for name in ("zed", "amy")]
    lines = reports.grades_csv(records).splitlines()
    assert lines[0].split(",") == ["student", *(e.id for e in catalog.exercises()), "total", "max_total"]
    assert [line.split(",")[0] for line in lines[1:]] == ["amy", "zed"]
    assert lines[1].split(",")[-2:] == ["2", "100"]
    assert reports.grades_csv(list(reversed(records))) == reports.grades_csv(records)


def test_the_gradebooks_points_per_file_are_the_exact_sums_rounded_once():
    """A third of every exercise: summing rounded exercise points would print 4.34 for 4.33."""
    from rich.console import Console

    from nnkit.grade import points, scoring
    from nnkit.grade.output import reports, terminal

    tests = [{"exercise": e.id, "file": "test_x.py", "test": f"test_{k}",
              "status": "passed" if k == 0 else "failed", "kind": "" if k == 0 else "failed",
              "message": "", "output": "", "detail": ""}
             for e in catalog.exercises() for k in range(3)]
    record = reports.student_record("ann", "ann", [], {"tests": tests})
    console = Console(record=True, width=300, color_system=None)
    terminal.gradebook(console, [record])
    row = next(line for line in console.export_text().splitlines() if "ann" in line)
    cells = [cell.strip() for cell in row.split("│")[2:2 + len(catalog.files())]]
    exact = points.by_file(record["tests"])
    assert cells == [scoring.text(scoring.number(exact[stem])) for stem in catalog.files()]
    assert any(value.denominator != 1 for value in exact.values()), "the case must hold fractions"
