"""Writes for people and their profiles."""

from django.db import transaction

from accounts.models import Profile, User
from marketplace.errors import ValidationFailed


def _default_display_name(email: str) -> str:
    return email.split("@")[0][:60]


def profile_ensure(*, user: User) -> Profile:
    """Every person has a profile; sign-up paths call this once."""
    profile, _ = Profile.objects.get_or_create(
        user=user, defaults={"display_name": _default_display_name(user.email)}
    )
    return profile


@transaction.atomic
def user_create(
    *, email: str, password: str | None, display_name: str = "", **extra
) -> User:
    """Create a person with a profile (demo data, admin scripts, tests)."""
    user = User.objects.create_user(email=email, password=password, **extra)
    Profile.objects.create(
        user=user, display_name=display_name or _default_display_name(user.email)
    )
    return user


PROFILE_FIELDS = ("display_name", "bio", "district", "avatar")


@transaction.atomic
def profile_update(*, actor: User, **changes) -> Profile:
    """A person changes their own profile; only the known fields change."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: ["Unknown field."] for name in sorted(unknown)})
    profile = profile_ensure(user=actor)
    for name, value in changes.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile
