from django.contrib import admin

from .models import Notice, Visit, VisitMember


class VisitMemberInline(admin.TabularInline):
    model = VisitMember
    raw_id_fields = ["collector"]
    extra = 0


class NoticeInline(admin.TabularInline):
    model = Notice
    extra = 0


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
    list_display = ["created_at", "visit", "channel", "status", "sent_at", "delivered_at"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["visit"]
