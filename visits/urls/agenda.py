from django.urls import path

from visits.views import agenda

urlpatterns = [
    path("agenda/", agenda.agenda, name="agenda"),
    path("agenda/team/", agenda.team_calendar, name="team_calendar"),
]
