from django.core.management.base import BaseCommand, CommandError

from evaluations.demo import ACCOUNTS, DEMO_PASSWORD, DemoError, load_demo


class Command(BaseCommand):
    help = "载入两份参考报告的演示数据（可重复执行，结果相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="从参考报告文档重新导入两项演示评价（覆盖其修改）")

    def handle(self, *args, reset: bool = False, **options):
        try:
            evaluations = load_demo(reset=reset)
        except DemoError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{len(evaluations)} 项评价。"))
        for evaluation in evaluations.values():
            total = (
                f"{evaluation.total_score} 分 {evaluation.grade}" if evaluation.total_score is not None else "未评分"
            )
            self.stdout.write(f"  [{evaluation.pk}] {evaluation.title}：{total}")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(f"  {'admin':<14}系统管理员（Django 管理后台 /admin/）")
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<14}{account.description}")
