from django.core.management.base import BaseCommand, CommandError

from evaluations.demo import ACCOUNTS, DEMO_PASSWORD, DemoError, load_demo
from evaluations.demo_life import build_demo_life


class Command(BaseCommand):
    help = (
        "载入演示数据：两份参考报告（草稿，保留其错误）以及处于各流程阶段的评价（可重复执行，结果相同）。"
        "报告在后台生成：请同时运行 manage.py run_worker（scripts/demo.sh 会启动它）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="从参考报告文档重新导入两项演示评价，并重建各流程阶段的演示评价"
        )

    def handle(self, *args, reset: bool = False, **options):
        try:
            seeds = load_demo(reset=reset)
            lives = build_demo_life(reset=reset)
        except DemoError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{len(seeds) + len(lives.evaluations)} 项评价。"))
        self.stdout.write("参考报告（草稿，一致性检查列出其错误）：")
        for evaluation in seeds.values():
            self.stdout.write(f"  [{evaluation.pk}] {evaluation.title}：{_total(evaluation)}")
        self.stdout.write("各流程阶段（参考报告的其他年度副本，已按检查结果修改）：")
        for life, evaluation in lives.evaluations:
            state = evaluation.get_state_display()
            moved = "" if evaluation.state == life.state else f"（现为“{state}”：已有人继续办理）"
            self.stdout.write(f"  [{evaluation.pk}] {evaluation.title}：{_total(evaluation)}；{life.shows}{moved}")
        if lives.commission is not None:
            commission = lives.commission
            self.stdout.write(
                f"评价任务：[{commission.pk}] {commission}（{commission.bureau} → {commission.firm}，"
                f"{commission.get_state_display()}）"
            )
        if lives.kept:
            names = "、".join(f"「{evaluation.title}」" for evaluation in lives.kept)
            self.stdout.write(
                self.style.WARNING(
                    f"{names}已批准并冻结，不能删除，--reset 保留原样。需要全新的演示数据时，请删除数据库"
                    "（默认 var/db.sqlite3）后重新运行 scripts/demo.sh。"
                )
            )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(f"  {'admin':<14}系统管理员（Django 管理后台 /admin/）")
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<14}{account.description}")


def _total(evaluation) -> str:
    return f"{evaluation.total_score} 分 {evaluation.grade}" if evaluation.total_score is not None else "未评分"
