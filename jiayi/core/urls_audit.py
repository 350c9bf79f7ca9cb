from django.urls import path

from . import audit_views, user_views

urlpatterns = [
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", audit_views.audit_detail, name="audit_detail"),
    path("audit/access/", audit_views.access_list, name="access_list"),
    path("users/", user_views.user_list, name="user_list"),
    path("users/new/", user_views.user_create, name="user_create"),
    path("users/<int:pk>/", user_views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", user_views.user_edit, name="user_edit"),
    path("users/<int:pk>/password/", user_views.user_password, name="user_password"),
    path("users/<int:pk>/deactivate/", user_views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", user_views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/unlock/", user_views.user_unlock, name="user_unlock"),
]
