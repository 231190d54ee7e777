from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = "绩效评价"

    def ready(self):
        from evaluations import freezing

        freezing.connect()
