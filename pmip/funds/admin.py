"""Admin for the funds domain: read-only everywhere. Every change goes through pmip.funds.services (which checks
permission and writes the audit log); ledger entries and bank flows are append-only even for superusers."""

from django.contrib import admin

from pmip.funds.models import (
    BankFlow,
    CommonFundAccount,
    Disclosure,
    FundPolicy,
    LedgerEntry,
    ProjectBalance,
    QuarterlyReport,
    Repair,
    UnitBalance,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("occurred_on", "project", "unit", "kind", "category", "amount", "source", "reference")
    list_filter = ("kind", "source")
    search_fields = ("reference", "batch", "project__code")
    list_select_related = ("project", "unit", "unit__building")
    raw_id_fields = ("project", "building", "unit", "repair", "reversal_of", "posted_by")


@admin.register(BankFlow)
class BankFlowAdmin(ReadOnlyAdmin):
    list_display = ("occurred_on", "account", "direction", "amount", "counterparty", "bank_reference")
    list_filter = ("direction", "source")
    search_fields = ("bank_reference",)


@admin.register(CommonFundAccount)
class CommonFundAccountAdmin(ReadOnlyAdmin):
    list_display = ("project", "bank", "name", "number_masked", "status", "balance")
    exclude = ("number_enc", "number_hash")


@admin.register(Repair)
class RepairAdmin(ReadOnlyAdmin):
    list_display = ("project", "title", "amount", "scope_kind", "emergency_kind", "status", "created_at")
    list_filter = ("status", "emergency_kind")


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAdmin):
    list_display = ("project", "kind", "title", "status", "created_at", "published_at")
    list_filter = ("kind", "status")


@admin.register(QuarterlyReport)
class QuarterlyReportAdmin(ReadOnlyAdmin):
    list_display = ("project", "year", "quarter", "status", "published_at")


@admin.register(FundPolicy)
class FundPolicyAdmin(ReadOnlyAdmin):
    list_display = (
        "project",
        "cost_standard_lift",
        "cost_standard_no_lift",
        "first_deposit_rate",
        "monthly_rate",
    )


@admin.register(ProjectBalance)
class ProjectBalanceAdmin(ReadOnlyAdmin):
    list_display = ("project", "deposited", "used", "interest", "balance", "pool")


@admin.register(UnitBalance)
class UnitBalanceAdmin(ReadOnlyAdmin):
    list_display = ("unit", "project", "first_deposit", "balance")
    raw_id_fields = ("unit", "building", "project")
