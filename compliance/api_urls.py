from django.urls import path

from . import api

app_name = "api"

urlpatterns = [
    path("compliance/check/", api.compliance_check, name="compliance_check"),
]
