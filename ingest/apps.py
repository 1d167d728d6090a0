from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"

    def ready(self):
        from ingest import schema  # noqa: F401  (registers the token scheme with the schema)
