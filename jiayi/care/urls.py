from django.urls import path

from . import views_homecare as hc
from . import views_resident as res
from . import views_workbench as wb

app_name = "care"
urlpatterns = [
    path("", wb.workbench_view, name="workbench"),
    path("contact/<int:resident_pk>/", wb.quick_contact, name="quick_contact"),
    path("residents/<int:pk>/", res.resident_care, name="resident_care"),
    path("residents/<int:pk>/summary/", res.resident_summary, name="resident_summary"),
    path("residents/<int:pk>/records/new/", res.record_create, name="record_create"),
    path("residents/<int:pk>/risk/", res.risk_set, name="risk_set"),
    path("residents/<int:pk>/assessments/", res.assessment_create, name="assessment_create"),
    path("residents/<int:pk>/prescriptions/", hc.prescription_issue, name="prescription_issue"),
    path("residents/<int:pk>/homebeds/", hc.homebed_admit, name="homebed_admit"),
    path("records/<int:record_pk>/void/", res.record_void, name="record_void"),
    path("prescriptions/<int:rx_pk>/stop/", hc.prescription_stop, name="prescription_stop"),
    path("contracts/<int:pk>/entitlement/", res.contract_entitlement, name="contract_entitlement"),
    path("homebeds/", hc.homebed_list, name="homebed_list"),
    path("homebeds/<int:bed_pk>/", hc.homebed_detail, name="homebed_detail"),
    path("homebeds/<int:bed_pk>/visits/", hc.homebed_visit, name="homebed_visit"),
    path("homebeds/<int:bed_pk>/discharge/", hc.homebed_discharge, name="homebed_discharge"),
]
