from django.urls import path

from compliance.views import evidence_packs

urlpatterns = [
    # GET lists the recent packs; POST requests one (a case or visit id in the form).
    path("evidence-packs/", evidence_packs.evidence_pack_list, name="evidence_pack_list"),
    path(
        "evidence-packs/<uuid:public_id>/",
        evidence_packs.evidence_pack_detail,
        name="evidence_pack_detail",
    ),
    path(
        "evidence-packs/<uuid:public_id>/progress/",
        evidence_packs.evidence_pack_progress,
        name="evidence_pack_progress",
    ),
    path(
        "evidence-packs/<uuid:public_id>/download/",
        evidence_packs.evidence_pack_download,
        name="evidence_pack_download",
    ),
]
