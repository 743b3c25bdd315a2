from django.urls import path

from visits.views import evidence

urlpatterns = [
    path("visits/<uuid:public_id>/evidence/", evidence.evidence_add_view, name="evidence_add"),
    path("evidence/<uuid:public_id>/", evidence.evidence_file, name="evidence_file"),
]
