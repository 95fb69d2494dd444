"""我的信用 and 异议 for natural persons (owner log-in), mounted at /credit/."""

from django.urls import path

from pmip.portal.credit import views

app_name = "portal_credit"
urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("dispute/", views.dispute, name="dispute"),
]
