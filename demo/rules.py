"""Demo rules for `manage.py seed_demo`: the Mapo tool library is moderated,
with loan length, deposit and late-return rules; the Seongbuk parents'
circle is democratic, with a proposal in the middle of its vote."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from community_rules.governance import proposal_create, rule_add, vote_cast
from community_rules.models import Community, Proposal
from demo.catalog import PARENTS, TOOL_LIBRARY

LIBRARY_RULES = [
    ("max_loan_duration", {"days": 7}),
    ("deposit_required", {"minimum": 5000}),
    ("late_return", {"strike": True, "fee_per_day": 1000}),
    ("strikes_before_suspension", {"strikes": 3, "days": 30}),
    ("pickup_hours", {"from": "09:00", "to": "21:00"}),
]


def seed_rules(communities: dict[str, Community]) -> None:
    """Run before the listings are made, so they are made within the rules."""
    library = communities[TOOL_LIBRARY]
    if not library.rules.exists():
        moderator = User.objects.get(email="seoyeon@nanum.example")
        for rule_type, params in LIBRARY_RULES:
            rule_add(actor=moderator, community=library, type=rule_type, params=params)

    parents = communities[PARENTS]
    if not parents.proposals.exists():
        proposer = User.objects.get(email="minji@nanum.example")
        proposal = proposal_create(
            actor=proposer, community=parents, action=Proposal.Action.ADD,
            rule_type="max_loan_duration", params={"days": 14},
            closes_at=timezone.now() + timedelta(days=5),
            reason="유모차, 카시트는 2주 안에 돌려받기로 해요. Let's return strollers and car "
                   "seats within two weeks.")
        vote_cast(actor=proposer, proposal=proposal, choice="yes")
        vote_cast(actor=User.objects.get(email="seoyeon@nanum.example"), proposal=proposal,
                  choice="yes")
