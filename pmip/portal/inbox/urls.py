"""The owner's in-app inbox (我的消息) and channel preferences (消息接收设置), mounted at /me/messages/."""

from django.urls import path

from pmip.portal.inbox import views

app_name = "portal_inbox"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:notification_id>/", views.detail, name="detail"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.preferences, name="settings"),
    path("badge/", views.badge, name="badge"),
]
