"""Demo people for `manage.py seed_demo`."""

from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.services import user_create

DEMO_PASSWORD = "nanum-demo-2026"

# (e-mail, display name, district, role shown to the person running the demo)
DEMO_PEOPLE = [
    ("minji@nanum.example", "김민지", "마포구", "resident, lends tools"),
    ("junho@nanum.example", "Junho Park", "마포구", "resident, borrows"),
    ("seoyeon@nanum.example", "이서연", "성북구", "community moderator"),
    ("doyun@nanum.example", "최도윤", "성동구", "share company staff"),
    ("city@nanum.example", "Seoul Sharing Desk", "중구", "city staff (admin)"),
]


def seed_people() -> list[tuple[User, str]]:
    """Create the demo people once; running again changes nothing."""
    people = []
    for email, name, district, role in DEMO_PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            is_city = email.startswith("city@")
            user = user_create(
                email=email,
                password=DEMO_PASSWORD,
                display_name=name,
                is_staff=is_city,
                is_superuser=is_city,
            )
            user.profile.district = district
            user.profile.save(update_fields=["district"])
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        people.append((user, role))
    return people
