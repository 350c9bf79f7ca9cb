from django.urls import path

from . import import_views as views

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/template/<str:kind>.<str:fmt>", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/rejections.xlsx", views.import_rejections, name="import_rejections"),
]
