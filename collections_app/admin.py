from django.contrib import admin

from . import models


class AddressInline(admin.TabularInline):
    model = models.Address
    extra = 0


class ContactPersonInline(admin.TabularInline):
    model = models.ContactPerson
    extra = 0


class SensitiveDateInline(admin.TabularInline):
    model = models.SensitiveDate
    extra = 0


class InstallmentInline(admin.TabularInline):
    model = models.Installment
    extra = 0
    readonly_fields = ["paid_amount"]


class PlanInstallmentInline(admin.TabularInline):
    model = models.RepaymentPlanInstallment
    extra = 0


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "supervisor"]
    search_fields = ["name", "region", "supervisor__username"]
    list_filter = ["region"]
    autocomplete_fields = ["supervisor"]


@admin.register(models.StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["employee_number", "user", "team", "phone", "timezone"]
    search_fields = ["employee_number", "user__username", "user__first_name", "user__last_name"]
    list_filter = ["team", "user__groups"]
    autocomplete_fields = ["user", "team"]


@admin.register(models.Borrower)
class BorrowerAdmin(admin.ModelAdmin):
    list_display = ["customer_number", "name", "jurisdiction", "vulnerable", "disputed"]
    search_fields = ["customer_number", "name", "national_id", "mobile"]
    list_filter = [
        "jurisdiction",
        "vulnerable",
        "disputed",
        "represented",
        "cease_contact",
        "deceased",
        "complaint_open",
        "hardship",
    ]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [AddressInline, ContactPersonInline, SensitiveDateInline]


@admin.register(models.Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["borrower", "kind", "district", "street", "is_primary"]
    search_fields = ["borrower__customer_number", "district", "street"]
    list_filter = ["kind", "city", "district", "is_primary"]
    raw_id_fields = ["borrower"]


@admin.register(models.ContactPerson)
class ContactPersonAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "relationship", "borrower"]
    search_fields = ["name", "borrower__customer_number"]
    list_filter = ["role", "relationship"]
    raw_id_fields = ["borrower"]


@admin.register(models.SensitiveDate)
class SensitiveDateAdmin(admin.ModelAdmin):
    list_display = ["borrower", "starts_on", "ends_on", "reason"]
    search_fields = ["borrower__customer_number", "note"]
    list_filter = ["reason"]
    raw_id_fields = ["borrower"]


@admin.register(models.Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ["account_number", "borrower", "product", "principal", "status", "dpd", "bucket"]
    search_fields = ["account_number", "borrower__customer_number", "borrower__name"]
    list_filter = ["product", "status", "bucket"]
    readonly_fields = [
        "public_id",
        "outstanding_amount",
        "overdue_amount",
        "oldest_unpaid_due_on",
        "dpd",
        "bucket",
        "derived_as_of",
    ]
    raw_id_fields = ["borrower"]
    inlines = [InstallmentInline]


@admin.register(models.Installment)
class InstallmentAdmin(admin.ModelAdmin):
    list_display = ["loan", "number", "due_on", "amount_due", "paid_amount"]
    search_fields = ["loan__account_number"]
    list_filter = ["due_on"]
    raw_id_fields = ["loan"]
    readonly_fields = ["paid_amount"]


@admin.register(models.Repayment)
class RepaymentAdmin(admin.ModelAdmin):
    list_display = ["reference", "loan", "paid_on", "amount", "channel"]
    search_fields = ["reference", "loan__account_number"]
    list_filter = ["channel", "paid_on"]
    raw_id_fields = ["loan"]


@admin.register(models.BucketChange)
class BucketChangeAdmin(admin.ModelAdmin):
    list_display = ["loan", "changed_on", "from_bucket", "to_bucket", "dpd"]
    search_fields = ["loan__account_number"]
    list_filter = ["to_bucket", "changed_on"]
    raw_id_fields = ["loan"]


class CaseAssignmentInline(admin.TabularInline):
    model = models.CaseAssignment
    fk_name = "case"
    extra = 0
    raw_id_fields = ["collector", "assigned_by"]


@admin.register(models.Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "borrower",
        "status",
        "assigned_collector",
        "team",
        "dpd",
        "bucket",
        "overdue_amount",
    ]
    search_fields = ["public_id", "borrower__customer_number", "borrower__name"]
    list_filter = ["status", "bucket", "team", "overdue_reason", "priority"]
    readonly_fields = ["public_id", "dpd", "bucket", "overdue_amount", "outstanding_amount"]
    raw_id_fields = ["borrower", "assigned_collector"]
    inlines = [CaseAssignmentInline]


@admin.register(models.CaseAssignment)
class CaseAssignmentAdmin(admin.ModelAdmin):
    list_display = ["case", "collector", "team", "started_at", "ended_at"]
    search_fields = ["case__public_id", "collector__username", "reason"]
    list_filter = ["team"]
    raw_id_fields = ["case", "collector", "assigned_by"]


@admin.register(models.PromiseToPay)
class PromiseToPayAdmin(admin.ModelAdmin):
    list_display = ["case", "amount", "promised_on", "due_on", "status", "paid_amount"]
    search_fields = ["case__public_id", "case__borrower__customer_number"]
    list_filter = ["status", "due_on"]
    raw_id_fields = ["case", "recorded_by"]


@admin.register(models.RepaymentPlan)
class RepaymentPlanAdmin(admin.ModelAdmin):
    list_display = ["case", "total_amount", "agreed_on", "status"]
    search_fields = ["case__public_id", "case__borrower__customer_number"]
    list_filter = ["status"]
    raw_id_fields = ["case", "recorded_by"]
    inlines = [PlanInstallmentInline]


@admin.register(models.RepaymentPlanInstallment)
class RepaymentPlanInstallmentAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "due_on", "amount"]
    search_fields = ["plan__case__public_id"]
    list_filter = ["due_on"]
    raw_id_fields = ["plan"]


@admin.register(models.CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "borrower", "connected", "made_by"]
    list_filter = ["connected", "at"]
    search_fields = ["borrower__customer_number", "note"]
    raw_id_fields = ["borrower", "made_by"]


from . import admin_api_tokens  # noqa: E402, F401  (API tokens, issue 7)
