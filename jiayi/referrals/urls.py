from django.urls import path

from . import views, views_slots

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="referral_list"),
    path("new/", views.referral_create, name="referral_create"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("slots/", views_slots.slotpool_list, name="slotpool_list"),
    path("slots/new/", views_slots.slotpool_create, name="slotpool_create"),
    path("slots/<int:pk>/", views_slots.slotpool_detail, name="slotpool_detail"),
]
