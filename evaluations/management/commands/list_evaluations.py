from django.core.management.base import BaseCommand

from evaluations.models import Evaluation
from rubrics.numbers import fixed


class Command(BaseCommand):
    help = "每项评价一行：ID、类型、年度、名称、总分、等级、状态（以制表符分隔；未评分时总分和等级为空）。"

    def handle(self, *args, **options):
        for evaluation in Evaluation.objects.order_by("pk"):
            total = "" if evaluation.total_score is None else fixed(evaluation.total_score)
            fields = [
                str(evaluation.pk),
                evaluation.kind,
                str(evaluation.year),
                evaluation.title,
                total,
                evaluation.grade,
                evaluation.get_state_display(),
            ]
            self.stdout.write("\t".join(fields))
