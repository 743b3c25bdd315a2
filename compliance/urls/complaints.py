from django.urls import path

from compliance.views import complaints

urlpatterns = [
    path("complaints/", complaints.complaint_list_view, name="complaint_list"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/<uuid:public_id>/", complaints.complaint_detail, name="complaint_detail"),
    path(
        "complaints/<uuid:public_id>/assign/",
        complaints.complaint_assign_view,
        name="complaint_assign",
    ),
    path(
        "complaints/<uuid:public_id>/extend/",
        complaints.complaint_extend_view,
        name="complaint_extend",
    ),
    path(
        "complaints/<uuid:public_id>/close/",
        complaints.complaint_close_view,
        name="complaint_close",
    ),
]
