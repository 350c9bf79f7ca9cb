from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("indicators/", views.indicator_report, name="indicators"),
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("schemes/new/", views.scheme_edit, name="scheme_create"),
    path("schemes/<int:pk>/", views.scheme_edit, name="scheme_edit"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("settlements/", views.settlement_list, name="settlement_list"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement_detail"),
    path("costs/", views.cost_entry, name="cost_entry"),
]
