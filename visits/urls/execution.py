from django.urls import path

from visits.views import execution

urlpatterns = [
    path("visits/<uuid:public_id>/start/", execution.visit_start_view, name="visit_start"),
    path(
        "visits/<uuid:public_id>/check-out/",
        execution.visit_check_out_view,
        name="visit_check_out",
    ),
    path("visits/<uuid:public_id>/report/", execution.visit_report, name="visit_report"),
    path("reviews/", execution.review_queue, name="review_queue"),
    path(
        "visits/<uuid:public_id>/review/approve/",
        execution.visit_review,
        {"decision": "approve"},
        name="visit_approve",
    ),
    path(
        "visits/<uuid:public_id>/review/return/",
        execution.visit_review,
        {"decision": "return"},
        name="visit_return",
    ),
]
