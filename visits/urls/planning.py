from django.urls import path

from visits.views import planning

urlpatterns = [
    path("cases/<uuid:public_id>/visits/plan/", planning.visit_plan, name="visit_plan"),
    path("cases/<uuid:public_id>/visits/verdict/", planning.visit_verdict, name="visit_verdict"),
    path("visits/<uuid:public_id>/", planning.visit_detail, name="visit_detail"),
    path("visits/<uuid:public_id>/cancel/", planning.visit_cancel_view, name="visit_cancel"),
    path(
        "visits/<uuid:public_id>/reschedule/",
        planning.visit_reschedule_view,
        name="visit_reschedule",
    ),
    path("overrides/", planning.override_list, name="override_list"),
    path(
        "overrides/<uuid:public_id>/approve/",
        planning.override_decide,
        {"decision": "approve"},
        name="override_approve",
    ),
    path(
        "overrides/<uuid:public_id>/reject/",
        planning.override_decide,
        {"decision": "reject"},
        name="override_reject",
    ),
]
