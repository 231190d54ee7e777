import django_tables2 as tables

from evaluations.models import Evaluation


class EvaluationTable(tables.Table):
    title = tables.LinkColumn("evaluation-detail", args=[tables.A("pk")], verbose_name="评价名称")
    evaluated_unit = tables.Column(verbose_name="被评价单位", order_by=("evaluated_unit__name",))
    commissioning_bureau = tables.Column(verbose_name="委托单位", order_by=("commissioning_bureau__name",))
    state = tables.Column(verbose_name="状态")
    total_score = tables.Column(verbose_name="总分", attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Evaluation
        fields = (
            "title",
            "kind",
            "year",
            "evaluated_unit",
            "commissioning_bureau",
            "state",
            "total_score",
            "grade",
        )
        order_by = ("-year", "title")
        empty_text = "暂无可查看的评价。"
        attrs = {"class": "table table-hover align-middle"}

    def __init__(self, *args, show_scores: bool = True, **kwargs):
        if not show_scores:
            kwargs["exclude"] = ("total_score", "grade")
        super().__init__(*args, **kwargs)
