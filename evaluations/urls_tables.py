"""URLs of the evaluation workspace: tables (see evaluations/urls.py)."""

urlpatterns: list = []
