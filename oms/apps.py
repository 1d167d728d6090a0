from django.apps import AppConfig


class OmsConfig(AppConfig):
    name = "oms"
    verbose_name = "OMS"

    def ready(self):
        from oms import schema  # noqa: F401  (registers the token scheme with the schema)
