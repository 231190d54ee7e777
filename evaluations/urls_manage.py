"""URLs of the evaluation workspace: manage (see evaluations/urls.py)."""

urlpatterns: list = []
