from django.urls import path

from . import views, views_signing

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views_signing.new, name="new"),
    path("sign/<int:resident_pk>/", views_signing.sign, name="sign"),
    path("sign/household/<int:household_pk>/", views_signing.sign_family, name="sign_family"),
    path("sign/community/<int:community_pk>/", views_signing.sign_community, name="sign_community"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/<str:action>/", views.contract_action, name="contract_action"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/print/", views.agreement_print, name="agreement_print"),
    path("agreements/<int:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("panel/resident/<int:resident_pk>/", views.resident_panel, name="resident_panel"),
    path("panel/household/<int:household_pk>/", views.household_panel, name="household_panel"),
]
