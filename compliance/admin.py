from django.contrib import admin

from .models import PiiAccess


@admin.register(PiiAccess)
class PiiAccessAdmin(admin.ModelAdmin):
    list_display = ["accessed_at", "user", "borrower", "field", "reason"]
    search_fields = ["user__username", "borrower__customer_number", "reason"]
    list_filter = ["field", "accessed_at"]
    raw_id_fields = ["user", "borrower"]

    # The access log is evidence: nobody edits or deletes it through the admin.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
