"""The borrower's notice link (public, signed; see visits.links)."""

from django.urls import path

from visits.views import borrower

urlpatterns = [
    path("n/<str:token>/", borrower.borrower_notice, name="borrower_notice"),
]
