from django.core.management.base import BaseCommand, CommandError

from evaluations.models import Evaluation
from evaluations.queries.consistency import ERROR, check_evaluation


class Command(BaseCommand):
    help = "对一项评价做一致性检查（体检），逐条列出问题；有“错误”级问题时退出码为 1。"

    def add_arguments(self, parser):
        parser.add_argument("evaluation_id", type=int)

    def handle(self, *args, evaluation_id: int, **options):
        try:
            evaluation = Evaluation.objects.get(pk=evaluation_id)
        except Evaluation.DoesNotExist:
            raise CommandError(f"没有 ID 为 {evaluation_id} 的评价。") from None
        problems = check_evaluation(evaluation)
        for problem in problems:
            level = "错误" if problem.severity == ERROR else "提示"
            self.stdout.write(f"[{level}] {problem.where}：{problem.message}")
        errors = sum(problem.severity == ERROR for problem in problems)
        self.stdout.write(f"共 {len(problems)} 条，其中错误 {errors} 条。")
        if errors:
            raise SystemExit(1)
