from django.apps import AppConfig


class MetersConfig(AppConfig):
    name = "meters"

    def ready(self):
        # customers.csv and meters.csv join the grid import (topology imports nothing of ours).
        from meters.grid_files import register

        register()
