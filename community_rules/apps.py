from django.apps import AppConfig


class CommunityRulesConfig(AppConfig):
    name = "community_rules"
