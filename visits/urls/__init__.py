"""Visit routes, one module per area (planning, notices, borrower link, agenda)."""

from . import agenda, borrower, dashboard, evidence, execution, notices, planning

app_name = "visits"

urlpatterns = planning.urlpatterns + notices.urlpatterns + borrower.urlpatterns + agenda.urlpatterns
urlpatterns += dashboard.urlpatterns + execution.urlpatterns
urlpatterns += evidence.urlpatterns
