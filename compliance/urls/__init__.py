"""The compliance officer's workbench, one module per area (DESIGN.md §1, role `compliance`)."""

from . import audit, complaints, credentials, evidence_packs, flags, packs

app_name = "compliance"

urlpatterns = (
    flags.urlpatterns
    + complaints.urlpatterns
    + credentials.urlpatterns
    + packs.urlpatterns
    + audit.urlpatterns
    + evidence_packs.urlpatterns
)
