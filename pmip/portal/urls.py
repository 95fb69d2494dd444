from django.urls import path

from pmip.portal import service, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account_home, name="account"),
    path("hall/", views.menu_page, {"key": "hall"}, name="hall"),
    path("property/", views.menu_page, {"key": "property"}, name="property"),
    path("property/mine/", views.menu_page, {"key": "mine"}, name="mine"),
    path("property/service/", service.service, name="service"),
    path("property/disclosure/", views.menu_page, {"key": "disclosure"}, name="disclosure"),
    path("property/my-project/", views.my_project, name="my_project"),
    path("property/my-project/switch/", views.my_project_switch, name="my_project_switch"),
    path("property/projects/", views.project_search, name="project_search"),
    path("property/projects/<str:code>/", views.project_detail, name="project_detail"),
    path("property/projects/<str:code>/<slug:section>/", views.project_section, name="project_section"),
    # Development only (404 in production): what the SMS and WeChat stand-ins sent.
    path("dev/inbox/", views.standin_inbox, name="standin_inbox"),
]
