from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = "绩效评价"

    def ready(self):
        # Imported here, not at the top: Django loads models only after every app's module is imported.
        from evaluations.domain import freezing

        freezing.connect()
