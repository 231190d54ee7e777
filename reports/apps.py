from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "评价报告"

    def ready(self):
        # Imported here, not at the top: Django loads models only after every app's module is imported.
        from evaluations.domain import freezing
        from evaluations.domain.signals import evaluation_handed_off
        from reports.models import ReportSettings, ReportVersion
        from reports.requests import on_hand_off

        evaluation_handed_off.connect(on_hand_off, dispatch_uid="reports-final-report-on-approval")
        # An approved evaluation's report settings are part of its record; its versions are added (the final
        # report, its retry) but never changed or deleted through a model save or delete.
        freezing.guard(ReportSettings)
        freezing.guard(ReportVersion, create_only=True)
