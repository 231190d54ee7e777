from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "评价报告"

    def ready(self):
        # Imported here, not at the top: Django loads models only after every app's module is imported.
        from evaluations.domain.signals import evaluation_handed_off
        from reports.requests import on_hand_off

        evaluation_handed_off.connect(on_hand_off, dispatch_uid="reports-final-report-on-approval")
