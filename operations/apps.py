from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service: health check, worker heartbeat, request logs, session and cache rules."""

    name = "operations"
    verbose_name = "运行维护"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from operations.sessions import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="operations.sessions.on_sign_in")
