from django.urls import path

from . import views, views_practitioners

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("new/", views.team_create, name="team_create"),
    path("<int:pk>/", views.team_detail, name="team_detail"),
    path("<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("<int:pk>/deactivate/", views.team_deactivate, name="team_deactivate"),
    path("practitioners/", views_practitioners.practitioner_list, name="practitioner_list"),
    path("practitioners/new/", views_practitioners.practitioner_create, name="practitioner_create"),
    path("practitioners/<int:pk>/", views_practitioners.practitioner_detail, name="practitioner_detail"),
    path("practitioners/<int:pk>/edit/", views_practitioners.practitioner_edit, name="practitioner_edit"),
    path(
        "practitioners/<int:pk>/deactivate/",
        views_practitioners.practitioner_deactivate,
        name="practitioner_deactivate",
    ),
    path("workforce/", views.workforce, name="workforce"),
]
