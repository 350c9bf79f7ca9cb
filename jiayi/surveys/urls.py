from django.urls import path
from django.views.generic import RedirectView

from . import callback_views, quality_views, views

app_name = "surveys"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="surveys:questionnaire_list"), name="index"),
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/<int:pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("questionnaires/<int:pk>/answer/", views.questionnaire_answer, name="questionnaire_answer"),
    path("responses/", views.response_list, name="response_list"),
    path("responses/<int:pk>/", views.response_detail, name="response_detail"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("callbacks/samples/", callback_views.sample_list, name="sample_list"),
    path("callbacks/samples/new/", callback_views.sample_create, name="sample_create"),
    path("callbacks/samples/<int:pk>/", callback_views.sample_detail, name="sample_detail"),
    path("callbacks/tasks/", callback_views.task_list, name="task_list"),
    path("callbacks/tasks/<int:pk>/", callback_views.task_detail, name="task_detail"),
    path("callbacks/tasks/<int:pk>/phone/", callback_views.task_reveal_phone, name="task_reveal_phone"),
    path("qc/", quality_views.qc_flag_list, name="qc_flag_list"),
    path("qc/<int:pk>/", quality_views.qc_flag_detail, name="qc_flag_detail"),
]
