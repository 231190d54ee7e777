"""URLs of the evaluation workspace: scoring (see evaluations/urls.py)."""

urlpatterns: list = []
