from django.apps import AppConfig


def _forget_pages_on_change(sender, update_fields=None, action="post_", **kwargs):
    """What pages show changed: the kept answers are stale
    (marketplace/page_cache.py). A sign-in's last_login changes no page."""
    from django.conf import settings

    from marketplace.page_cache import forget_pages

    if sender._meta.app_label not in settings.PAGE_CACHE_APPS:
        return
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    if not action.startswith("post_"):  # m2m_changed: once, after the change
        return
    forget_pages()


class FrontendConfig(AppConfig):
    name = "frontend"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        post_save.connect(_forget_pages_on_change, dispatch_uid="pages-saved")
        post_delete.connect(_forget_pages_on_change, dispatch_uid="pages-deleted")
        m2m_changed.connect(_forget_pages_on_change, dispatch_uid="pages-linked")
