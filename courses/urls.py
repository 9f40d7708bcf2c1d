
app_name = "courses"

# Public catalog, course pages, enrolment, "my courses", certificate verification: views.py
urlpatterns: list = []
