from django.urls import path

from visits.views import dashboard

urlpatterns = [
    path("dashboard/", dashboard.team_dashboard, name="team_dashboard"),
    path("dashboard/export.csv", dashboard.team_dashboard_csv, name="team_dashboard_csv"),
]
