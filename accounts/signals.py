"""Every login decides, once, whether this session must confirm a one-time code."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .two_factor import session_start


@receiver(user_logged_in, dispatch_uid="accounts.two_factor.session_start")
def _two_factor_on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_start(request.session, user)
