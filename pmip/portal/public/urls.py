"""信息公开 public registers and credit pages, mounted at /public/."""

from django.urls import path

from pmip.portal.public import views

app_name = "portal_public"
urlpatterns = [
    path("banks/", views.banks, name="banks"),
    path("companies/", views.companies, name="companies"),
    path("companies/<str:credit_code>/", views.company, name="company"),
    path("practitioners/", views.practitioners, name="practitioners"),
    path("assemblies/", views.assemblies, name="assemblies"),
    path("credit/", views.credit, name="credit"),
    path("credit/subjects/<int:subject_id>/", views.credit_subject, name="credit_subject"),
    path("credit/blacklist/", views.blacklist, name="blacklist"),
    path("service-evaluation/", views.service_evaluation, name="service_evaluation"),
    path(
        "service-evaluation/<int:subject_id>/",
        views.service_evaluation_detail,
        name="service_evaluation_detail",
    ),
]
