"""Read-only admin views of inboxes, the delivery queue and channel choices. Changes go through services."""

from django.contrib import admin

from pmip.notifications.models import ChannelPreference, Notification, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OutboxInline(admin.TabularInline):
    model = OutboxMessage
    fields = (
        "channel",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "provider_message_id",
        "last_error",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "recipient", "title", "read_at")
    list_filter = ("kind",)
    search_fields = ("kind", "title")
    list_select_related = ("recipient",)
    inlines = [OutboxInline]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "channel", "state", "attempts", "next_attempt_at", "sent_at", "idempotency_key")
    list_filter = ("state", "channel")
    search_fields = ("idempotency_key", "provider_message_id")


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("account", "wechat", "sms", "updated_at")
    list_select_related = ("account",)
