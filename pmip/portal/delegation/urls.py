from django.urls import path

from pmip.portal.delegation import views

app_name = "portal_delegation"
urlpatterns = [
    path("", views.index, name="index"),
    path("grant/", views.grant, name="grant"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("delegate/", views.delegate, name="delegate"),
    path("offline/", views.offline_apply, name="offline"),
    path("offline/evidence/<int:pk>/", views.offline_evidence, name="offline_evidence"),
]
