from django.core.management.base import BaseCommand

from reports.requests import recover_stale_renders


class Command(BaseCommand):
    help = (
        "把生成进程已中断（租约过期，例如后台任务进程被终止）的报告版本重新排队。后台任务进程启动时运行"
        "（systemd 的 ExecStartPre）；报告页的进度查询和新的生成请求也会自动执行同样的检查。"
    )

    def handle(self, *args, **options):
        recovered = recover_stale_renders()
        self.stdout.write(f"已重新排队 {len(recovered)} 个中断的报告版本。" if recovered else "没有中断的报告版本。")
