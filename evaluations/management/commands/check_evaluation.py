from django.core.management.base import BaseCommand, CommandError

from evaluations.models import Evaluation
from evaluations.queries.consistency import check


class Command(BaseCommand):
    help = (
        "对一项评价做一致性检查（体检），逐条列出待填事项、错误和提示；有“错误”时退出码为 1。"
        "加 --submission 按提交时的标准检查：待填事项也算错误。"
    )

    def add_arguments(self, parser):
        parser.add_argument("evaluation_id", type=int)
        parser.add_argument("--submission", action="store_true", help="按提交财政局审核时的标准检查（待填即错误）")

    def handle(self, *args, evaluation_id: int, submission: bool = False, **options):
        try:
            evaluation = Evaluation.objects.get(pk=evaluation_id)
        except Evaluation.DoesNotExist:
            raise CommandError(f"没有 ID 为 {evaluation_id} 的评价。") from None
        result = check(evaluation, submitting=True if submission else None)
        if result.progress.total:
            done = "应填写的各项均已完成" if not result.progress.remaining else str(result.progress)
            self.stdout.write(f"待填：{done}")
        for problem in [*result.todos, *result.errors, *result.warnings]:
            self.stdout.write(f"[{problem.label}] {problem.where}：{problem.message}")
        self.stdout.write(
            f"共 {len(result.problems)} 条：待填 {len(result.todos)} 条，错误 {len(result.errors)} 条，"
            f"提示 {len(result.warnings)} 条。"
        )
        if result.errors:
            raise SystemExit(1)
