"""``manage.py score``: JSON out and exit 0, or one line per error on stderr and exit 1; never the database.

No test here asks for the ``db`` fixture, so pytest-django would fail any database access.
"""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "data" / "score_seed003.json"


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("score", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, content: str) -> str:
    path = tmp_path / "doc.json"
    path.write_text(content, encoding="utf-8")
    return str(path)


def leaf_doc(**leaf_changes) -> str:
    leaf = {"name": "甲", "weight": 100, "rule": {"kind": "ratio"}, "inputs": {"actual": 1, "target": 1}}
    leaf.update(leaf_changes)
    return json.dumps({"format": "perf-eval/1", "indicators": [{"name": "决策", "children": [leaf]}]})


def test_json_output_shape_for_the_seed():
    code, out, err = run(str(SEED), "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert set(data) == {"total", "grade", "sections", "indicators", "problems"}
    assert (data["total"], data["grade"]) == (97.75, "优")
    assert data["sections"][2] == {"name": "项目产出", "weight": 35, "score": 34.75}
    row = data["indicators"][0]
    assert set(row) == {"path", "weight", "score", "computed", "explanation"}
    assert row["path"] == ["项目决策", "项目立项", "立项依据充分性"]
    assert data["problems"] == []
    assert "优" in out and "\\u" not in out  # ensure_ascii=False


def test_problems_still_exit_zero(tmp_path):
    code, out, _ = run(write(tmp_path, leaf_doc(weight=90)), "--json")
    assert code == 0
    assert json.loads(out)["problems"] == [{"where": "一级指标", "message": "一级指标权重合计 90 分，应为 100 分"}]


def test_readable_table_without_json():
    code, out, _ = run(str(SEED))
    assert code == 0
    assert "项目产出 / 产出数量 / 慰问低保边缘家庭数量" in out
    assert "总分：97.75 分" in out and "评价等级：优" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{oops", "文件不是有效的 JSON：第 1 行第 2 列"),
        (leaf_doc(rule={"kind": "magic"}), "决策 / 甲：未知的评分规则类型 kind “magic”"),
        (leaf_doc(inputs={"actual": "很多", "target": 1}), "决策 / 甲：输入 actual（实际值）必须是数字"),
        (leaf_doc(inputs={"actual": 1, "target": 0}), "决策 / 甲：输入 target（目标值）为 0"),
    ],
)
def test_unscorable_document_exits_1_with_error_lines(tmp_path, content, expected):
    code, out, err = run(write(tmp_path, content), "--json")
    assert code == 1
    assert out == ""
    assert err.startswith(expected)
    assert "Traceback" not in err


def test_missing_file_exits_1():
    code, _, err = run("/nonexistent/doc.json")
    assert code == 1
    assert err.strip() == "找不到文件：/nonexistent/doc.json"


def test_every_error_gets_its_own_line(tmp_path):
    doc = json.loads(leaf_doc(weight="x"))
    doc["indicators"][0]["children"].append({"name": "乙", "weight": 1, "rule": {"kind": "nope"}, "inputs": {}})
    code, _, err = run(write(tmp_path, json.dumps(doc)))
    assert code == 1
    assert err.splitlines() == [
        "决策 / 甲：权重 weight 必须是数字，现为 “x”",
        "决策 / 乙：未知的评分规则类型 kind “nope”（可选：ratio、inverse_ratio、threshold_deduct、bands、"
        "checklist、binary、rate_penalty、per_count、change_rate、threshold_else_rate、grade_map、satisfaction、"
        "manual、graded、either_of、coefficient）",
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "找不到文件"),
        ("{oops", "不是有效的 JSON"),
        (leaf_doc(rule={"kind": "magic"}), "未知的评分规则类型"),
        (leaf_doc(inputs={"actual": [], "target": 1}), "必须是数字"),
        (b"\xff\xfe not utf-8", "不是 UTF-8"),
    ],
)
def test_real_process_exits_1_without_traceback(tmp_path, content, expected):
    path = tmp_path / "doc.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    proc = subprocess.run(
        [sys.executable, "manage.py", "score", str(path), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.slow
def test_real_process_prints_json_and_exits_0():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    proc = subprocess.run(
        [sys.executable, "manage.py", "score", str(SEED), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] == 97.75
