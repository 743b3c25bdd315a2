"""Account routes under /accounts/ (login and logout are in the root URLconf)."""

from django.urls import path

from . import views

urlpatterns = [
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_enrol, name="two_factor_enrol"),
    path("security/", views.account_security, name="account_security"),
    path("password/", views.password_change, name="password_change"),
]
