from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self):
        # Every app's events.notify() stores and delivers through messaging,
        # which no lower app imports.
        from marketplace import events
        from messaging.notifications import store_and_deliver

        events.provide_handler(store_and_deliver)
