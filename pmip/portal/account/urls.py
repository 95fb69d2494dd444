app_name = "portal_account"
urlpatterns: list = []
