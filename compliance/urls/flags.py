from django.urls import path

from compliance.views import flags

urlpatterns = [
    path("flags/", flags.flag_list, name="flag_list"),
    # Before <uuid:…>: "stats" is not a UUID, but keep the fixed path first anyway.
    path("flags/stats/", flags.flag_stats_view, name="flag_stats"),
    path("flags/<uuid:public_id>/", flags.flag_detail, name="flag_detail"),
    path("flags/<uuid:public_id>/assign/", flags.flag_assign_view, name="flag_assign"),
    path(
        "flags/<uuid:public_id>/investigate/",
        flags.flag_investigate_view,
        name="flag_investigate",
    ),
    path("flags/<uuid:public_id>/resolve/", flags.flag_resolve_view, name="flag_resolve"),
]
