app_name = "portal_delegation"
urlpatterns: list = []
