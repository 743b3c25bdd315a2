from django.urls import path

from compliance.views import audit

urlpatterns = [
    path("audit/", audit.audit_events, name="audit_events"),
    path("audit/verify/", audit.audit_verify_chain, name="audit_verify"),
    path(
        "audit/object/<str:object_type>/<str:object_id>/",
        audit.audit_object,
        name="audit_object",
    ),
    path("pii-access/", audit.pii_access, name="pii_access"),
    path("pii-access/export.csv", audit.pii_access_csv, name="pii_access_csv"),
]
