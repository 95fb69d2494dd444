app_name = "office_verification"
urlpatterns: list = []
