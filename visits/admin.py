from django.contrib import admin

from .models import Notice, Visit, VisitMember


class VisitMemberInline(admin.TabularInline):
    model = VisitMember
    raw_id_fields = ["collector"]
    extra = 0


# Notices are the proof of what the borrower was told: read-only here, changed only by
# the sending service and delivery receipts.
NOTICE_FIELDS = [
    "kind",
    "channel",
    "status",
    "language",
    "recipient",
    "subject",
    "body",
    "gateway",
    "provider_ref",
    "idempotency_key",
    "attempts",
    "next_attempt_at",
    "last_error",
    "sent_at",
    "delivered_at",
]


class NoticeInline(admin.TabularInline):
    model = Notice
    extra = 0
    fields = ["kind", "channel", "status", "attempts", "sent_at", "delivered_at", "last_error"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["planned_start", "planned_end", "status", "borrower", "location_type", "target"]
    list_filter = ["status", "location_type", "target"]
    search_fields = ["public_id", "borrower__customer_number", "purpose"]
    raw_id_fields = ["case", "borrower", "address", "created_by"]
    date_hierarchy = "planned_start"
    inlines = [VisitMemberInline, NoticeInline]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "visit",
        "kind",
        "channel",
        "status",
        "gateway",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "delivered_at",
    ]
    list_filter = ["channel", "status", "kind", "gateway"]
    search_fields = ["public_id", "idempotency_key", "provider_ref"]
    raw_id_fields = ["visit"]
    readonly_fields = ["visit", *NOTICE_FIELDS]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
