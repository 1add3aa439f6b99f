"""Demo communities, share companies and listings for `manage.py seed_demo`.

Everything goes through the services, as a person would do it, so the demo
data obeys the same rules as real data. Running it again changes nothing.
"""

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from accounts.models import ShareCompany, User
from accounts.services import company_create, company_verify
from community_rules.models import Community, Membership
from community_rules.services import (
    community_create,
    community_join,
    invite_create,
    membership_approve,
    membership_change,
)
from demo.catalog import APARTMENT, LISTINGS, PARENTS, REPLACEMENT_VALUES, TOOL_LIBRARY
from listings.categories import CATEGORY_TREE
from listings.models import Listing
from listings.services.listing import listing_create
from listings.services.photo import listing_photo_add

# key: (name, description, district, join policy, visibility, governance, owner)
COMMUNITIES = {
    TOOL_LIBRARY: (
        "마포 공구도서관 (Mapo Tool Library)",
        "망원동 주민센터 지하의 공구도서관입니다. 회원이면 누구나 공구를 무료로 빌릴 수 있어요. "
        "The tool library in the basement of the Mangwon community centre: members borrow "
        "tools for free.",
        "마포구", "open", "public", "moderated", "seoyeon@nanum.example",
    ),
    PARENTS: (
        "성북 육아 품앗이 (Seongbuk Parents Circle)",
        "아이 용품을 나누고 돌봄을 주고받는 성북구 부모 모임. 규칙은 회원 투표로 정해요. "
        "Parents in Seongbuk-gu sharing kids' things and care; the members vote on the rules.",
        "성북구", "approval", "public", "democratic", "seoyeon@nanum.example",
    ),
    APARTMENT: (
        "래미안 주민 모임 (Raemian 101 Residents)",
        "101동 주민끼리만 보는 나눔 공간입니다. A private corner for the residents of "
        "building 101.",
        "마포구", "invite", "private", "moderated", "minji@nanum.example",
    ),
}

# Who else belongs where: (community, e-mail, role)
MEMBERS = [
    (TOOL_LIBRARY, "minji@nanum.example", "moderator"),
    (TOOL_LIBRARY, "junho@nanum.example", "member"),
    (TOOL_LIBRARY, "doyun@nanum.example", "member"),
    (PARENTS, "minji@nanum.example", "member"),
    (PARENTS, "junho@nanum.example", "member"),
    (APARTMENT, "junho@nanum.example", "member"),
]

# slug: (name, registration number, description, website, staff e-mail, verified)
COMPANIES = {
    "seoul-share-hub": (
        "Seoul Share Hub", "220-81-62517",
        "성수동의 공유 공간과 캠핑·행사 장비 대여. 서울시 지정 공유기업. Shared rooms, "
        "kitchens and event gear in Seongsu-dong; designated by the city as a share company.",
        "https://sharehub.example", "doyun@nanum.example", True,
    ),
    "green-wheels": (
        "Green Wheels", "105-87-30120",
        "전기 자전거, 킥보드, 전기차를 시간 단위로 빌려드립니다. Electric bikes, scooters and "
        "cars by the hour.",
        "https://greenwheels.example", "doyun@nanum.example", False,
    ),
}

CITY_STAFF = "city@nanum.example"

_COLOURS = ["#1f7a5c", "#2b6cb0", "#b7791f", "#c05621", "#6b46c1", "#2c7a7b", "#9b2c2c",
            "#276749", "#553c9a", "#975a16"]


def _person(email: str) -> User:
    return User.objects.get(email=email)


def seed_companies() -> dict[str, ShareCompany]:
    companies = {}
    for slug, (name, number, description, website, staff_email, verified) in COMPANIES.items():
        company = ShareCompany.objects.filter(registration_number=number).first()
        if company is None:
            company = company_create(actor=_person(staff_email), name=name,
                                     registration_number=number, description=description,
                                     website=website)
            if verified:
                company_verify(actor=_person(CITY_STAFF), company=company)
        companies[slug] = company
    return companies


def seed_communities() -> dict[str, Community]:
    communities = {}
    for key, (name, description, district, join_policy, visibility, governance,
              owner_email) in COMMUNITIES.items():
        community = Community.objects.filter(name=name).first()
        if community is None:
            owner = _person(owner_email)
            community = community_create(
                actor=owner, name=name, description=description, district=district,
                join_policy=join_policy, visibility=visibility, governance=governance,
            )
            for member_key, email, role in MEMBERS:
                if member_key == key:
                    membership = _admit(community, owner, _person(email))
                    if role != Membership.Role.MEMBER:
                        membership_change(actor=owner, membership=membership, role=role,
                                          reason="Demo data")
        communities[key] = community
    return communities


def _admit(community: Community, owner: User, person: User) -> Membership:
    """Bring a person in the way the community's join policy says."""
    if community.join_policy == Community.JoinPolicy.INVITE:
        token = invite_create(actor=owner, community=community)
        return community_join(actor=person, community=community, invite_token=token)
    membership = community_join(actor=person, community=community)
    if membership.status == Membership.Status.PENDING:
        membership = membership_approve(actor=owner, membership=membership)
    return membership


def _photo_for(title: str, category_slug: str, seed: int) -> SimpleUploadedFile:
    """A generated picture: a colour per category, shapes and the category name."""
    rng = random.Random(seed)
    top = next((top for top, _, _, children in CATEGORY_TREE
                if top == category_slug or category_slug in [c[0] for c in children]),
               "tools")
    label = next(name for slug, name, _, _ in CATEGORY_TREE if slug == top)
    base = _COLOURS[[t[0] for t in CATEGORY_TREE].index(top) % len(_COLOURS)]
    image = Image.new("RGB", (800, 600), base)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y, r = rng.randint(0, 800), rng.randint(0, 600), rng.randint(40, 160)
        shade = tuple(min(255, int(base[i:i + 2], 16) + rng.randint(20, 70)) for i in (1, 3, 5))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=shade)
    font = ImageFont.load_default(size=64)
    draw.text((40, 500), label, fill="white", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return SimpleUploadedFile(f"{top}-{seed}.jpg", buffer.getvalue(), "image/jpeg")


def seed_listings(companies, communities) -> int:
    created = 0
    for index, (lender, kind, category, title, description, pricing, price, deposit, units,
                district, lat, lng, shared_in, visibility) in enumerate(LISTINGS):
        if Listing.objects.filter(title=title).exists():
            continue
        lender_kind, _, who = lender.partition(":")
        company = owner_community = None
        if lender_kind == "person":
            actor = _person(who)
        elif lender_kind == "company":
            company = companies[who]
            actor = _person(COMPANIES[who][4])
        else:
            owner_community = communities[who]
            actor = _person(COMMUNITIES[who][6])
        listing = listing_create(
            actor=actor, title=title, description=description, kind=kind, category=category,
            pricing=pricing, price=price, deposit=deposit, units=units, district=district,
            lat=lat + random.Random(index).uniform(-0.004, 0.004),
            lng=lng + random.Random(-index).uniform(-0.004, 0.004),
            visibility=visibility,
            communities=[communities[key].slug for key in shared_in],
            company=company.slug if company else None,
            owner_community=owner_community.slug if owner_community else None,
            condition="good" if kind == "item" else "",
            instant_booking=lender_kind != "person",
            replacement_value=REPLACEMENT_VALUES.get(title),
        )
        listing_photo_add(actor=actor, listing=listing,
                          image=_photo_for(title, category, index))
        created += 1
    return created


def seed_sharing() -> dict:
    from demo.rules import seed_rules

    companies = seed_companies()
    communities = seed_communities()
    seed_rules(communities)
    created = seed_listings(companies, communities)
    return {"companies": len(companies), "communities": len(communities),
            "listings_created": created, "listings": Listing.objects.count()}
