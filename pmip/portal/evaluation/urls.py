"""评价小区 owner pages, mounted at /evaluation/."""

from django.urls import path

from pmip.portal.evaluation import views

app_name = "portal_evaluation"
urlpatterns = [
    path("", views.index, name="index"),
    path("choose/", views.choose, name="choose"),
    path("projects/<int:project_id>/", views.targets, name="targets"),
    path("projects/<int:project_id>/<str:target>/rate/", views.rate, name="rate"),
    path("projects/<int:project_id>/<str:target>/details/", views.details, name="details"),
    path("projects/<int:project_id>/<str:target>/stats/", views.stats, name="stats"),
    path("records/", views.records, name="records"),
    path("stats/", views.stats_choose, name="stats_choose"),
    path("ranking/", views.ranking_page, name="ranking"),
    path("ranking/method/", views.method, name="method"),
]
