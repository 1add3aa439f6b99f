"""Conversations between a borrower and the lender side, their messages and
read marks, blocks between people, and notifications.

Who takes part in a conversation is not stored: it is the borrower and
whoever answers for the listing now (its owner, its share company's staff,
or its community's moderators: bookings.services.booking.lender_ids), so a
person who leaves the company stops seeing its conversations at once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

MAX_MESSAGE_LENGTH = 2000


class Conversation(models.Model):
    """One per (listing, borrower) before a booking exists, carried over to
    the first booking made; one per booking after that."""

    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE,
                                related_name="conversations")
    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="conversations")
    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="conversation")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "borrower"],
                                    condition=Q(booking__isnull=True),
                                    name="one_open_conversation_per_listing_and_borrower"),
        ]

    def __str__(self):
        return f"conversation {self.pk} on {self.listing_id} with {self.borrower_id}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="messages_sent")
    text = models.TextField(max_length=MAX_MESSAGE_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self):
        return f"message {self.pk} in {self.conversation_id}"


class ConversationRead(models.Model):
    """How far a participant has read: the newest message they have seen."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    last_read_message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+")
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"],
                                    name="one_read_mark_per_participant"),
        ]

    def __str__(self):
        return f"{self.user_id} read {self.conversation_id} to {self.last_read_message_id}"


class Block(models.Model):
    """`blocker` will not hear from `blocked`: neither can start a
    conversation with the other, nor write in one they share."""

    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="blocks_made")
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="blocks_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair"),
            models.CheckConstraint(condition=~Q(blocker=models.F("blocked")),
                                   name="no_blocking_yourself"),
        ]

    def __str__(self):
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Notification(models.Model):
    """Something a person should know: kept until read, pushed to their open
    sockets, e-mailed in a digest when none was open."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(max_length=40)
    # What it is about, for the sentence and the link: ids and a few words.
    data = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Whether a socket of the person's was open when it arrived (then no
    # e-mail), and when it went out in a digest.
    delivered_live = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["emailed_at", "delivered_live", "read_at"]),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

