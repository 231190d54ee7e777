"""URLs of the evaluation workspace: content (see evaluations/urls.py)."""

urlpatterns: list = []
