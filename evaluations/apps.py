from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = "绩效评价"

    def ready(self):
        # Imported here, not at the top: Django loads models only after every app's module is imported.
        from evaluations.domain import freezing, scoring, user_actions

        freezing.connect()
        user_actions.connect()
        post_migrate.connect(scoring.rescore_after_migrate, sender=self, dispatch_uid="evaluations-rescore")
