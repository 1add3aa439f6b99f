"""The world the access-control matrix (tests/test_access_matrix.py) walks:
one private community and everything that can name an object in it, with
five people standing in different places towards each object.

- `owner`: runs the communities, lends the listings, admins the company.
- `party`: the other side: borrows, proposes, reports, is invited.
- `bystander`: an active member of the same communities with no part.
- `outsider`: signed in, belongs to nothing.
- anonymous: no one signed in (None).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from accounts.designation_services import designation_apply, designation_decide
from accounts.models import CompanyInvitation
from accounts.services import (
    company_create,
    company_invitation_accept,
    company_staff_invite,
    company_verify,
)
from bookings.services.booking import booking_act, booking_request
from bookings.services.calendar import calendar_feed_get_or_create
from bookings.services.condition import condition_report_add
from bookings.services.extension import extension_request
from bookings.services.review import review_create
from community_rules.governance import proposal_create, rule_add
from community_rules.models import Membership
from community_rules.services import (
    community_create,
    community_join,
    invite_create,
    membership_change,
)
from listings.categories import seed_categories
from listings.services.listing import listing_blackout_add, listing_create, listing_hide
from listings.services.photo import listing_photo_add
from messaging.services import block_create, conversation_start, message_send
from moderation.services import complaint_raise, report_create
from tests.conftest import make_person
from tests.fixtures.bookings import tomorrow_at
from tests.listings.conftest import image_file

SITE = "http://testserver/"


# Names that only those inside may read: no answer to an outsider or an
# anonymous client may carry them.
PRIVATE_NAMES = ("Hidden Circle", "Hidden Council", "Circle members drill", "Circle held saw")


@dataclass
class World:
    people: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


def _admit(owner, community, person, role=Membership.Role.MEMBER):
    token = invite_create(actor=owner, community=community)
    membership = community_join(actor=person, community=community, invite_token=token)
    if role != Membership.Role.MEMBER:
        membership = membership_change(actor=owner, membership=membership, role=role)
    return membership


def build_world() -> World:
    seed_categories()
    owner = make_person("owner@example.org", "Owner Kim")
    party = make_person("party@example.org", "Party Lee")
    bystander = make_person("bystander@example.org", "Bystander Choi")
    outsider = make_person("outsider@example.org", "Outsider Park")
    moderator = make_person("moderator@example.org", "Moderator Jung")
    applicant = make_person("applicant@example.org", "Applicant Han")

    # A private, moderated community (rules) and a private, democratic one
    # (proposals), with the same people in both.
    circle = community_create(actor=owner, name="Hidden Circle", visibility="private",
                              join_policy="approval")
    council = community_create(actor=owner, name="Hidden Council", visibility="private",
                               join_policy="approval", governance="democratic")
    for community in (circle, council):
        _admit(owner, community, moderator, Membership.Role.MODERATOR)
        _admit(owner, community, party)
        _admit(owner, community, bystander)
    # Someone waiting to be let in: the target of approve/refuse. (A private
    # community takes requests only from those who know it: as if they had.)
    Membership.objects.create(community=circle, user=applicant,
                              status=Membership.Status.PENDING)

    rule = rule_add(actor=owner, community=circle, type="max_active_bookings_per_member",
                    params={"count": 5})
    proposal = proposal_create(actor=party, community=council, action="add",
                               rule_type="max_loan_duration", params={"days": 3})
    invite_token = invite_create(actor=owner, community=circle)

    # The community-only listing (the private object) and a public one.
    listing = listing_create(actor=owner, title="Circle members drill", category="power-tools",
                             visibility="communities", communities=[circle.slug], units=2)
    public = listing_create(actor=owner, title="Public tent", category="power-tools")
    # The moderator's listing, put on hold from the circle's report queue.
    held = listing_create(actor=moderator, title="Circle held saw", category="power-tools",
                          visibility="communities", communities=[circle.slug])
    listing_hide(actor=owner, listing=held, reason="Unsafe", community=circle)
    photo = listing_photo_add(actor=owner, listing=listing, image=image_file("PNG"))
    blackout = listing_blackout_add(actor=owner, listing=listing, starts_at=tomorrow_at(10, 20),
                                    ends_at=tomorrow_at(10, 21), reason="Repairs")

    # A loan under way (condition report with photo, extension asked) and a
    # finished one (review, complaint).
    loan = booking_request(actor=party, listing_id=listing.pk, start=tomorrow_at(10),
                           end=tomorrow_at(14), community=circle.slug)
    for action in ("approve", "pickup"):
        loan = booking_act(actor=owner, booking=loan, action=action)
    report_of_condition = condition_report_add(
        actor=owner, booking=loan, stage="pickup", condition="as_listed",
        photos=[image_file("PNG")])
    extension = extension_request(actor=party, booking=loan, new_end=loan.end + timedelta(hours=2))

    done = booking_request(actor=party, listing_id=listing.pk, start=tomorrow_at(10, 3),
                           end=tomorrow_at(14, 3), community=circle.slug)
    for action in ("approve", "pickup", "return", "complete"):
        done = booking_act(actor=owner, booking=done, action=action)
    review = review_create(actor=party, booking=done, rating=5, text="Great drill")
    complaint = complaint_raise(actor=party, booking=done, text="The battery was flat")

    report = report_create(actor=party, target_type="listing", target_id=listing.pk,
                           reason="Looks unsafe", community=circle.slug)

    company = company_create(actor=owner, name="Hidden Rentals",
                             registration_number="1234567891")
    company_staff_invite(actor=owner, company=company, email=moderator.email, site_url=SITE)
    company_invitation_accept(
        actor=moderator,
        token=CompanyInvitation.objects.get(company=company, email=moderator.email).token)
    company_staff_invite(actor=owner, company=company, email=party.email, site_url=SITE)
    invitation = CompanyInvitation.objects.get(company=company, email=party.email,
                                               status="pending")
    # Verified by the city, and a request for designation it refused (so the
    # company may ask again).
    city = make_person("city@example.org", "City Staff", is_staff=True)
    company_verify(actor=city, company=company)
    designation_request = designation_apply(actor=owner, company=company, field="goods")
    designation_decide(actor=city, application=designation_request, approve=False,
                       note="Not yet")

    feed = calendar_feed_get_or_create(actor=owner)

    # The loan's conversation (party and owner), a message in it, and a
    # block of party's to lift.
    conversation = conversation_start(actor=party, booking_id=loan.pk,
                                      text="Can I pick it up at 7?")
    message = message_send(actor=owner, conversation=conversation, text="Yes, after 7.")
    block_create(actor=party, user_id=applicant.pk)

    return World(
        people={"owner": owner, "party": party, "bystander": bystander,
                "outsider": outsider, "anonymous": None, "moderator": moderator,
                "applicant": applicant},
        ids={"circle": circle.slug, "council": council.slug, "rule": rule.pk,
             "proposal": proposal.pk, "invite": invite_token, "listing": listing.pk,
             "public": public.pk, "held": held.pk, "photo": photo.pk, "blackout": blackout.pk,
             "loan": loan.pk, "condition_photo": report_of_condition.photos.get().pk,
             "condition_report": report_of_condition.pk, "extension": extension.pk,
             "done": done.pk, "review": review.pk, "complaint": complaint.pk,
             "report": report.pk, "company": company.slug, "invitation": invitation.token,
             "feed": feed.token, "moderator": moderator.pk, "applicant": applicant.pk,
             "party_id": party.pk, "owner_id": owner.pk,
             "conversation": conversation.pk, "message": message.pk,
             "designation_request": designation_request.pk},
    )
