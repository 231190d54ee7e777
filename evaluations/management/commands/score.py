"""``python manage.py score FILE [--json]``: score a perf-eval/1 document without touching the database."""

from __future__ import annotations

import logging
import unicodedata
from typing import Any, NoReturn

from django.core.management.base import BaseCommand

from evaluations.interchange.scoring import score_document
from rubrics.document import DocumentError, dumps, parse_json, read_document_file

logger = logging.getLogger(__name__)


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(width - _width(text), 0)
    return fill + text if right else text + fill


def _num(value: Any) -> str:
    return "" if value is None else format(value, "f")


def _score(item: dict) -> str:
    """A row's score; 不适用 for a leaf or section left out of the total."""
    return "不适用" if item.get("not_applicable") and item.get("score") is None else _num(item["score"])


def _table(result: dict) -> list[str]:
    rows = [
        (" / ".join(item["path"]), _num(item["weight"]), _score(item), item["explanation"])
        for item in result["indicators"]
    ]
    header = ("指标", "权重", "得分", "说明")
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = []
    for path, weight, score, explanation in [header, *rows]:
        lines.append(
            f"{_pad(path, widths[0])}  {_pad(weight, widths[1], right=True)}  "
            f"{_pad(score, widths[2], right=True)}  {explanation}"
        )
    lines.append("")
    for section in result["sections"]:
        lines.append(f"{section['name']}：权重 {_num(section['weight'])} 分，得分 {_score(section)} 分")
    lines.append(f"总分：{_num(result['total'])} 分    评价等级：{result['grade']}")
    if result["problems"]:
        lines.append(f"发现 {len(result['problems'])} 个问题：")
        lines += [f"  - {problem['where']}：{problem['message']}" for problem in result["problems"]]
    else:
        lines.append("未发现问题。")
    return lines


class Command(BaseCommand):
    help = "按 perf-eval/1 交换文档计算各指标得分、总分和等级（不读写数据库）。"
    requires_system_checks: list[str] = []  # must run with no database and whatever state the models are in

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", metavar="FILE", help="perf-eval/1 JSON 文档路径")
        parser.add_argument("--json", action="store_true", dest="as_json", help="输出 JSON 结果")

    def handle(self, *args: Any, file: str, as_json: bool, **options: Any) -> None:
        try:
            result = score_document(parse_json(read_document_file(file)))
        except DocumentError as exc:
            self._fail(exc.errors)
        except Exception as exc:  # the contract: one line per error, never a traceback; the log keeps it
            logger.exception("score %s failed", file)
            self._fail([f"无法评分：程序内部错误（{type(exc).__name__}：{exc}）"])
        if as_json:
            self.stdout.write(dumps(result))
        else:
            self.stdout.write("\n".join(_table(result)))

    def _fail(self, errors: list[str]) -> NoReturn:
        # Not CommandError: Django would prefix "CommandError: " to the first line only.
        for line in errors:
            self.stderr.write(line)
        raise SystemExit(1)
