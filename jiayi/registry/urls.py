from django.urls import path

from . import views_households as hh
from . import views_org as org
from . import views_residents as res

app_name = "registry"
urlpatterns = [
    path("residents/", res.resident_list, name="resident_list"),
    path("residents/new/", res.resident_create, name="resident_create"),
    path("residents/<int:pk>/", res.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", res.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/reveal-id/", res.resident_reveal_id, name="resident_reveal_id"),
    path("residents/<int:pk>/death/", res.resident_death, name="resident_death"),
    path("residents/<int:pk>/key-populations/", res.keypopulation_add, name="keypopulation_add"),
    path(
        "residents/<int:pk>/key-populations/<int:record_pk>/end/",
        res.keypopulation_end,
        name="keypopulation_end",
    ),
    path("households/", hh.household_list, name="household_list"),
    path("households/new/", hh.household_create, name="household_create"),
    path("households/<int:pk>/", hh.household_detail, name="household_detail"),
    path("households/<int:pk>/members/", hh.household_add_member, name="household_add_member"),
    path(
        "households/<int:pk>/members/<int:resident_pk>/remove/",
        hh.household_remove_member,
        name="household_remove_member",
    ),
    path("households/<int:pk>/change-head/", hh.household_change_head, name="household_change_head"),
    path("communities/", org.community_list, name="community_list"),
    path("communities/new/", org.community_create, name="community_create"),
    path("communities/<int:pk>/", org.community_detail, name="community_detail"),
    path("communities/<int:pk>/edit/", org.community_edit, name="community_edit"),
    path("communities/<int:pk>/members/", org.community_add_member, name="community_add_member"),
    path(
        "communities/<int:pk>/members/<int:resident_pk>/remove/",
        org.community_remove_member,
        name="community_remove_member",
    ),
    path("institutions/", org.institution_list, name="institution_list"),
    path("institutions/new/", org.institution_create, name="institution_create"),
    path("institutions/<int:pk>/", org.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", org.institution_edit, name="institution_edit"),
    path("regions/", org.region_list, name="region_list"),
    path("regions/<int:pk>/", org.region_detail, name="region_detail"),
    path("baselines/", org.baseline_list, name="baseline_list"),
]
