from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.backup import BackupError, restore, verify


class Command(BaseCommand):
    help = (
        "从 backup 写出的目录恢复到空的数据库和空的存储：先按清单核对每个文件的 SHA-256，恢复后核对每份最终报告"
        "与批准时保存的 SHA-256；备份不完整或被改动时拒绝恢复并指出第一个不符的文件，不做任何更改。"
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="备份目录")
        parser.add_argument("--check", action="store_true", help="只核对备份是否完整、未被改动，不恢复")

    def handle(self, *args, directory: str, check: bool = False, **options):
        try:
            listing = verify(Path(directory)) if check else restore(Path(directory))
        except BackupError as error:
            raise CommandError(str(error)) from None
        done = "备份完整，与清单一致" if check else "已恢复"
        self.stdout.write(f"{done}：数据库 {listing['database']['name']}，文件 {len(listing['files'])} 个。")
