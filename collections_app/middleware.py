"""Show times in the user's own zone (StaffProfile.timezone), Asia/Shanghai by default."""

import zoneinfo

from django.utils import timezone

from .models import StaffProfile


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = None
        if request.user.is_authenticated:
            name = request.session.get("fv_tz")
            if name is None:
                profile = StaffProfile.objects.filter(user=request.user).only("timezone").first()
                name = profile.timezone if profile else ""
                request.session["fv_tz"] = name
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        return self.get_response(request)
