
app_name = "provide"

# Providers (staff of the organization) run their courses: provider_views.py
urlpatterns: list = []
