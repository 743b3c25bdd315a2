"""The visits API under /api/v1/ (its own namespace: "api" is the compliance API's)."""

from django.urls import path

from . import api

app_name = "visits_api"

urlpatterns = [
    path("visits/", api.visit_collection, name="visits"),
    path("visits/<uuid:public_id>/", api.visit_detail, name="visit_detail"),
    path("visits/<uuid:public_id>/cancel/", api.visit_cancel_view, name="visit_cancel"),
]
