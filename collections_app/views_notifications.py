"""Every user's in-app notifications: the list, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .forms_allocation import NotificationReadForm
from .models import Notification
from .paging import page_without_count
from .services.notifications import notifications_mark_read

PER_PAGE = 30


@require_GET
@login_required
def notification_list(request):
    notifications = Notification.objects.for_user(request.user)
    page = page_without_count(notifications, request.GET.get("page"), PER_PAGE)
    return render(request, "collections_app/notifications.html", {"page": page, "query": ""})


@require_POST
@login_required
def notification_read(request):
    """With an id: mark that one read and follow its link. Without: mark all read."""
    form = NotificationReadForm(request.POST)
    if not form.is_valid():
        page = page_without_count(Notification.objects.for_user(request.user), 1, PER_PAGE)
        context = {"page": page, "query": "", "form": form}
        return render(request, "collections_app/notifications.html", context, status=400)
    pk = form.cleaned_data["id"]
    if pk is None:
        notifications_mark_read(user=request.user, now=timezone.now())
        return redirect("collections_app:notification_list")
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    notifications_mark_read(user=request.user, now=timezone.now(), ids=[pk])
    safe = url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None)
    return redirect(
        notification.link if notification.link and safe else "collections_app:notification_list"
    )
