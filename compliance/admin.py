from django import forms
from django.contrib import admin

from compliance.rules import PackError, policy_from_pack
from compliance.services.audit import audit_record

from .models import (
    AuditEvent,
    ComplianceCheck,
    Credential,
    Finding,
    Flag,
    Override,
    PiiAccess,
    RulePack,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence: rows are written by services and never added, edited or deleted by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PiiAccess)
class PiiAccessAdmin(ReadOnlyAdmin):
    list_display = ["accessed_at", "user", "borrower", "field", "reason"]
    search_fields = ["user__username", "borrower__customer_number", "reason"]
    list_filter = ["field", "accessed_at"]
    raw_id_fields = ["user", "borrower"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_label"]
    ordering = ["-id"]
    # The table only grows: skip the extra COUNT(*) of an unfiltered list.
    show_full_result_count = False


class FindingInline(admin.TabularInline):
    model = Finding
    fields = ["position", "rule", "outcome", "severity", "message", "citation"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ComplianceCheck)
class ComplianceCheckAdmin(ReadOnlyAdmin):
    list_display = [
        "checked_at",
        "stage",
        "decision",
        "pack_version",
        "borrower",
        "visit",
        "checked_by",
    ]
    list_filter = ["stage", "decision", "pack_version"]
    search_fields = ["public_id", "borrower__customer_number"]
    raw_id_fields = ["borrower", "case", "visit", "checked_by", "pack"]
    inlines = [FindingInline]
    show_full_result_count = False


class RulePackForm(forms.ModelForm):
    # No status: a version is published only through compliance.services.pack_versions
    # (effective date never in the past, audit, flags on the booked visits it affects).
    class Meta:
        model = RulePack
        fields = ["jurisdiction", "version", "effective_from", "parameters", "notes"]

    def clean_parameters(self):
        parameters = self.cleaned_data["parameters"]
        try:
            policy_from_pack(parameters)
        except PackError as error:
            raise forms.ValidationError(str(error)) from None
        return parameters


@admin.register(RulePack)
class RulePackAdmin(admin.ModelAdmin):
    form = RulePackForm
    list_display = ["version", "jurisdiction", "status", "effective_from", "published_at"]
    list_filter = ["jurisdiction", "status"]
    search_fields = ["version"]
    # The bulk "delete selected" action would not ask has_delete_permission per row.
    actions = None

    # Published and retired versions never change; only drafts are edited here.
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or obj.status == RulePack.Status.DRAFT
        )

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="rulepack.changed" if change else "rulepack.created",
            obj=obj,
            data={"version": obj.version, "status": obj.status},
        )


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = [
        "collector",
        "kind",
        "code",
        "number",
        "case",
        "valid_from",
        "valid_until",
        "revoked",
    ]
    list_filter = ["kind", "revoked", "valid_until"]
    search_fields = ["collector__username", "number", "code"]
    raw_id_fields = ["collector", "case"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="credential.changed" if change else "credential.created",
            obj=obj,
            data={
                "collector": obj.collector_id,
                "kind": obj.kind,
                "code": obj.code,
                "valid_from": obj.valid_from,
                "valid_until": obj.valid_until,
                "revoked": obj.revoked,
                "fields": form.changed_data,
            },
        )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user, action="credential.deleted", obj=obj, data={"kind": obj.kind}
        )
        super().delete_model(request, obj)


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "rule",
        "severity",
        "status",
        "disposition",
        "borrower",
        "assigned_to",
    ]
    list_filter = ["status", "severity", "rule", "disposition"]
    search_fields = ["public_id", "rule", "borrower__customer_number", "summary"]
    raw_id_fields = ["borrower", "case", "visit", "finding", "raised_by", "assigned_to"]
    readonly_fields = ["resolved_at"]


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin):
    """Decided through the override pages (re-check, four eyes, audit), never here."""

    list_display = ["created_at", "visit", "status", "requested_by", "decided_by", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["visit", "check_run", "recheck", "requested_by", "decided_by"]
