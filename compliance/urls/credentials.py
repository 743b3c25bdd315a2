from django.urls import path

from compliance.views import credentials

urlpatterns = [
    path("credentials/", credentials.credential_list, name="credential_list"),
    path(
        "credentials/expiring/",
        credentials.credentials_expiring_view,
        name="credentials_expiring",
    ),
    path("credentials/add/", credentials.credential_add_view, name="credential_add"),
    path("credentials/upload/", credentials.credential_upload, name="credential_upload"),
    path(
        "credentials/collectors/<str:employee_number>/",
        credentials.credential_collector,
        name="credential_collector",
    ),
    path(
        "credentials/<uuid:public_id>/edit/",
        credentials.credential_edit_view,
        name="credential_edit",
    ),
    path(
        "credentials/<uuid:public_id>/revoke/",
        credentials.credential_revoke_view,
        name="credential_revoke",
    ),
]
