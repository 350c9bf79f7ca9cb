from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.policy_list, name="policy_list"),
    path("effective/", views.policy_effective, name="policy_effective"),
    path("new/", views.policy_create, name="policy_create"),
    path("<int:pk>/", views.policy_detail, name="policy_detail"),
    path("<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("<int:pk>/copy/", views.policy_copy, name="policy_copy"),
]
