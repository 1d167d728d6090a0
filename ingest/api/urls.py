"""Routes of the ingest API: /api/ingest/<provider>/, …/batch/, /api/unmatched/[replay/]."""

from django.urls import path

from ingest.api import views

urlpatterns = [
    path("unmatched/", views.UnmatchedListView.as_view(), name="unmatched-list"),
    path("unmatched/replay/", views.UnmatchedReplayView.as_view(), name="unmatched-replay"),
]
for provider, (single, batch) in views.PROVIDER_VIEWS.items():
    urlpatterns += [
        path(f"ingest/{provider}/", single.as_view(), name=f"ingest-{provider}"),
        path(f"ingest/{provider}/batch/", batch.as_view(), name=f"ingest-{provider}-batch"),
    ]
urlpatterns += [
    path("ingest/<str:provider>/", views.UnknownProviderView.as_view()),
    path("ingest/<str:provider>/batch/", views.UnknownProviderView.as_view()),
]
