from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "评价报告"

    def ready(self):
        from evaluations.domain.signals import evaluation_transitioned
        from reports.services import on_transition

        evaluation_transitioned.connect(on_transition, dispatch_uid="reports-final-render-on-approval")
