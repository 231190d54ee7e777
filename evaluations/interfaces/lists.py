"""The evaluation list as a django-tables2 table: sortable, paginated; scores only for those who may see them."""

import django_tables2 as tables
from django.utils.html import format_html

from evaluations.models import Evaluation
from rubrics.numbers import fixed

GRADE_BADGES = {"优": "text-bg-success", "良": "text-bg-primary", "中": "text-bg-warning", "差": "text-bg-danger"}


class EvaluationTable(tables.Table):
    title = tables.LinkColumn("evaluation-detail", args=[tables.A("pk")], verbose_name="评价名称")
    kind = tables.Column(verbose_name="评价类型")
    year = tables.Column(verbose_name="年度", attrs={"td": {"class": "text-nowrap"}})
    evaluated_unit = tables.Column(verbose_name="被评价单位", order_by=("evaluated_unit__name",))
    project = tables.Column(verbose_name="评价项目", order_by=("project__name",), default="—")
    commissioning_bureau = tables.Column(verbose_name="委托单位", order_by=("commissioning_bureau__name",))
    state = tables.Column(verbose_name="状态", attrs={"td": {"class": "text-nowrap"}})
    total_score = tables.Column(verbose_name="总分", attrs={"td": {"class": "score"}, "th": {"class": "text-end"}})
    grade = tables.Column(verbose_name="等级", default="—")

    class Meta:
        model = Evaluation
        fields = (
            "title",
            "kind",
            "year",
            "evaluated_unit",
            "project",
            "commissioning_bureau",
            "state",
            "total_score",
            "grade",
        )
        order_by = ("-year", "title")
        empty_text = "没有符合条件的评价。"
        attrs = {"class": "table table-hover align-middle evaluation-list"}

    def __init__(self, *args, show_scores: bool = True, **kwargs):
        if not show_scores:
            kwargs["exclude"] = ("total_score", "grade")
        super().__init__(*args, **kwargs)

    def render_year(self, value):
        return f"{value} 年"

    def render_state(self, record):
        return format_html('<span class="badge text-bg-light border">{}</span>', record.get_state_display())

    def render_total_score(self, value):
        return fixed(value)

    def render_grade(self, value):
        return format_html('<span class="badge {}">{}</span>', GRADE_BADGES.get(value, "text-bg-secondary"), value)


class QueueTable(tables.Table):
    title = tables.LinkColumn("evaluation-review", args=[tables.A("pk")], verbose_name="评价名称")
    evaluated_unit = tables.Column(verbose_name="被评价单位", order_by=("evaluated_unit__name",))
    evaluating_firm = tables.Column(verbose_name="评价机构", order_by=("evaluating_firm__name",))
    state = tables.Column(verbose_name="状态")
    total_score = tables.Column(verbose_name="总分", attrs={"td": {"class": "text-end"}})

    def render_total_score(self, value):
        return fixed(value)

    updated_at = tables.DateTimeColumn(verbose_name="最近更新", format="Y-m-d H:i")

    class Meta:
        model = Evaluation
        fields = (
            "title",
            "kind",
            "year",
            "evaluated_unit",
            "evaluating_firm",
            "state",
            "total_score",
            "grade",
            "updated_at",
        )
        order_by = ("-updated_at",)
        empty_text = "没有待审核的评价。"
        attrs = {"class": "table table-hover align-middle"}
