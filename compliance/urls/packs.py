from django.urls import path

from compliance.views import packs as views

# A version string (e.g. CN-2026.2, CN-2026.2.1) is the pack's public name and its URL key.
urlpatterns: list = [
    path("packs/", views.pack_list, name="pack_list"),
    path("packs/<str:version>/", views.pack_detail, name="pack_detail"),
    path("packs/<str:version>/draft/", views.pack_draft_new, name="pack_draft_create"),
    path("packs/<str:version>/edit/", views.pack_edit, name="pack_edit"),
    path("packs/<str:version>/diff/", views.pack_diff_view, name="pack_diff"),
    path("packs/<str:version>/replay/", views.pack_replay_view, name="pack_replay"),
    path("packs/<str:version>/publish/", views.pack_publish_view, name="pack_publish"),
]
