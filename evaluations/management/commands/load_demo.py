from django.core.management.base import BaseCommand

from evaluations.demo import ACCOUNTS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "载入两份参考报告的演示数据（可重复执行，结果相同）。"

    def handle(self, *args, **options):
        evaluations = load_demo()
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{len(evaluations)} 项评价。"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(f"  {'admin':<14}系统管理员（Django 管理后台 /admin/）")
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<14}{account.description}")
