from django.urls import path

from operations import views

urlpatterns = [path("healthz", views.healthz, name="healthz")]
