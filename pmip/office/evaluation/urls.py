"""业主评价 back office, mounted at /office/evaluation/."""

from django.urls import path

from pmip.office.evaluation import views

app_name = "office_evaluation"
urlpatterns = [
    path("", views.evaluations, name="list"),
    path("<int:evaluation_id>/reply/", views.reply, name="reply"),
    path("items/", views.items, name="items"),
    path("policy/", views.policy, name="policy"),
]
