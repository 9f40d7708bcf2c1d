app_name = "lending_desk"

urlpatterns: list = []
