from django.apps import AppConfig


class FacultyConfig(AppConfig):
    name = "xbank.faculty"
    label = "faculty"
    verbose_name = "师资队伍"
