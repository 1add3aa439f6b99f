import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bookings.models import ConditionPhoto, ConditionReport
from bookings.services.condition import condition_report_add
from marketplace.errors import InvalidTransition, ValidationFailed
from tests.listings.conftest import image_file

pytestmark = pytest.mark.django_db


def test_pickup_report_with_photos(picked_up, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = condition_report_add(actor=owner, booking=picked_up, stage="pickup",
                                  condition="as_listed", note="12 pegs",
                                  photos=[image_file("JPEG"), image_file("PNG")])
    assert report.photos.count() == 2 and report.author == owner


def test_a_bad_photo_saves_no_report(picked_up, member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationFailed):
        condition_report_add(actor=member, booking=picked_up, stage="return",
                             condition="damaged", note="Cracked",
                             photos=[image_file("JPEG"),
                                     SimpleUploadedFile("x.jpg", b"not an image")])
    assert not ConditionReport.objects.exists() and not ConditionPhoto.objects.exists()


def test_strangers_and_wrong_steps_are_refused(requested, outsider, owner):
    with pytest.raises(InvalidTransition):
        condition_report_add(actor=outsider, booking=requested, stage="pickup",
                             condition="as_listed")
    with pytest.raises(InvalidTransition):
        condition_report_add(actor=owner, booking=requested, stage="return",
                             condition="as_listed")
