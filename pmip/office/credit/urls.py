"""信用信息 back office, mounted at /office/credit/."""

from django.urls import path

from pmip.office.credit import views

app_name = "office_credit"
urlpatterns = [
    path("", views.subjects, name="subjects"),
    path("subjects/new/", views.subject_new, name="subject_new"),
    path("subjects/<int:subject_id>/", views.subject, name="subject"),
    path("import/", views.import_entries, name="import"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:dispute_id>/", views.dispute, name="dispute"),
    path("risk/", views.risk, name="risk"),
    path("policy/", views.policy, name="policy"),
]
