from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "listings"

    def ready(self):
        from listings.selectors import category_names
        from marketplace import categories

        categories.provide(category_names)
