from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.package_list, name="package_list"),
    path("items/", views.item_list, name="item_list"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("new/", views.package_create, name="package_create"),
    path("<int:pk>/", views.package_detail, name="package_detail"),
    path("<int:pk>/edit/", views.package_edit, name="package_edit"),
    path("<int:pk>/status/", views.package_status, name="package_status"),
]
