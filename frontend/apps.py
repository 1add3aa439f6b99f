from django.apps import AppConfig


def _watch_writes(sender, connection, **kwargs):
    """Every database connection tells the kept pages of writes to what
    they show (marketplace/page_cache.py)."""
    from marketplace.page_cache import watch_writes

    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


class FrontendConfig(AppConfig):
    name = "frontend"

    def ready(self):
        from django.db.backends.signals import connection_created

        connection_created.connect(_watch_writes, dispatch_uid="pages-watch-writes")
