"""Owner money pages, mounted at /funds/ (维修资金情况, 业主共有资金, 季度收支报表, 信息公开, 维修金概览)."""

from django.urls import path

from pmip.portal.funds import views

app_name = "portal_funds"
urlpatterns = [
    path("", views.index, name="index"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("buildings/<int:building_id>/", views.building, name="building"),
    path("units/<int:unit_id>/", views.unit, name="unit"),
    path("common/", views.common_funds, name="common"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:report_id>/", views.report, name="report"),
    path("reports/<int:report_id>/download.<str:fmt>", views.report_download, name="report_download"),
    path("disclosures/", views.disclosure_list, name="disclosures"),
    path("disclosures/<int:disclosure_id>/", views.disclosure, name="disclosure"),
    path("overview/", views.overview, name="overview"),
    path("overview/follow/<str:code>/", views.follow, name="follow"),
    path("overview/unfollow/<str:code>/", views.unfollow, name="unfollow"),
]
