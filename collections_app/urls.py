"""Root URLconf (project) plus the ledger's own routes under the `collections_app` namespace."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views, views_allocation, views_import, views_notifications

app_name = "collections_app"

ledger_patterns = [
    path("cases/<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/briefing/", views.case_briefing, name="case_briefing"),
    path("cases/<uuid:public_id>/next/", views.case_next, name="case_next"),
    path(
        "cases/<uuid:public_id>/overdue-reason/",
        views.case_overdue_reason,
        name="case_overdue_reason",
    ),
    path("borrowers/<uuid:public_id>/", views.borrower_detail, name="borrower_detail"),
    path("borrowers/<uuid:public_id>/reveal/", views.borrower_reveal, name="borrower_reveal"),
    path("imports/", views_import.import_upload, name="import_upload"),
    path("imports/<uuid:public_id>/", views_import.import_job, name="import_job"),
    path(
        "imports/<uuid:public_id>/status/",
        views_import.import_job_status,
        name="import_job_status",
    ),
    path(
        "imports/<uuid:public_id>/errors.csv",
        views_import.import_job_errors,
        name="import_job_errors",
    ),
    path("allocation/", views_allocation.allocation_index, name="allocation_index"),
    path(
        "allocation/<uuid:public_id>/",
        views_allocation.allocation_team,
        name="allocation_team",
    ),
    path(
        "allocation/<uuid:public_id>/allocate/",
        views_allocation.allocation_run,
        name="allocation_run",
    ),
    path(
        "allocation/<uuid:public_id>/reassign/",
        views_allocation.reassign,
        name="allocation_reassign",
    ),
    path(
        "allocation/<uuid:public_id>/reassign/submit/",
        views_allocation.reassign_submit,
        name="allocation_reassign_submit",
    ),
    path("workload/", views_allocation.workload, name="workload"),
    path("workload.csv", views_allocation.workload_csv, name="workload_csv"),
    path("notifications/", views_notifications.notification_list, name="notification_list"),
    path(
        "notifications/read/",
        views_notifications.notification_read,
        name="notification_read",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("", include((ledger_patterns, "collections_app"))),
    path("", include("visits.urls")),
    path("compliance/", include("compliance.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("compliance.api_urls")),
    path("api/v1/", include("visits.api_urls")),
    path("api/v1/", include("collections_app.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # No MEDIA_URL route, not even in debug: the only media is visit evidence, served by
    # visits:evidence_file after a permission check.
]
