"""Invite links: a token signed with the site's secret that names one
community and the moment it stops working.

Anyone holding the link may use it until it expires (a link is shared in a
building's chat, not addressed to one person), or until a moderator revokes
the community's links. Nothing is stored per link: the signature is the
proof a moderator made it, and it carries the community's invite generation
(Community.invite_generation), which revoking raises; a link of an older
generation is refused as revoked. Links made before generations existed
count as generation 0.
"""

from datetime import datetime
from typing import NamedTuple

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.errors import Forbidden

SALT = "nanum.community.invite"
MIN_DAYS, MAX_DAYS = 1, 30


class Invite(NamedTuple):
    community_id: int
    expires_at: datetime
    invited_by: int | None
    generation: int = 0


def invite_token(*, community_id: int, expires_at: datetime, invited_by: int,
                 generation: int = 0) -> str:
    return signing.dumps({"c": community_id, "e": int(expires_at.timestamp()),
                          "by": invited_by, "g": generation}, salt=SALT)


def invite_read(token: str) -> Invite:
    """What the token says, or Forbidden with a sentence that tells a broken
    link from an expired one."""
    try:
        payload = signing.loads(token or "", salt=SALT)
        community_id, expires = int(payload["c"]), int(payload["e"])
        generation = int(payload.get("g", 0))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Forbidden(_("This invite link is not valid: check that it was copied "
                          "whole, or ask a moderator for a new one.")) from None
    expires_at = datetime.fromtimestamp(expires, tz=timezone.get_current_timezone())
    if expires_at <= timezone.now():
        raise Forbidden(_("This invite link has expired. Ask a moderator for a new one."))
    return Invite(community_id, expires_at, payload.get("by"), generation)


def invite_revoked(invite: Invite, *, current_generation: int) -> bool:
    """True when a moderator revoked the community's links after this one was made."""
    return invite.generation < current_generation
