from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "备份数据库（PostgreSQL 用 pg_dump，SQLite 用其在线备份接口）和存储中的全部文件（佐证材料、报告 PDF/Word、"
        "整改佐证），并写出含每个文件 SHA-256 的清单 manifest.json。用 restore 恢复。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", required=True, help="备份目录（新目录或空目录）")

    def handle(self, *args, output: str, **options):
        try:
            listing = backup(Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from None
        total = sum(entry["size"] for entry in listing["files"])
        self.stdout.write(
            f"已备份到 {output}：数据库 {listing['database']['name']}（{listing['database']['size']} 字节），"
            f"文件 {len(listing['files'])} 个（{total} 字节）。"
        )
        for name in listing["missing_at_backup"]:
            self.stderr.write(f"注意：记录引用的文件「{name}」在备份时已不在存储中，备份中没有它。")
