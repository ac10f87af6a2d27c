import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xiaodian.accounts import licences, selectors, services
from xiaodian.accounts.models import ApiToken
from xiaodian.accounts.rules import SubjectKind
from xiaodian.core.errors import DomainError


def png(size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png")


def test_register_refuses_taken_names_case_insensitively_and_weak_passwords(make_user):
    make_user("alice")
    with pytest.raises(DomainError) as exc:
        services.register_user(username="ALICE", password="long-enough-1")
    assert exc.value.code == "username_taken"
    with pytest.raises(DomainError) as exc:
        services.register_user(username="bob", password="12345678")
    assert exc.value.code == "password_too_weak"
    with pytest.raises(DomainError) as exc:
        services.register_user(username="bad name!", password="long-enough-1")
    assert exc.value.code == "validation_error"


def test_a_platform_operator_is_staff_and_superuser(make_user):
    user = make_user("ops")
    assert not (user.is_staff or user.is_superuser)
    assert services.make_platform_operator(user=user) is user
    user.refresh_from_db()
    assert user.is_staff and user.is_superuser


def test_tokens_are_stored_hashed_and_stop_working_when_revoked(merchant):
    token, secret = services.issue_token(user=merchant, name="ci")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == services.hash_token(secret)
    assert services.user_for_token(secret) == merchant
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    services.revoke_token(user=merchant, token_id=token.pk)
    assert services.user_for_token(secret) is None
    assert services.user_for_token("xd_nonsense") is None


def test_a_user_revokes_only_their_own_tokens(merchant, make_user):
    token, _ = services.issue_token(user=merchant, name="ci")
    with pytest.raises(DomainError) as exc:
        services.revoke_token(user=make_user(), token_id=token.pk)
    assert exc.value.code == "not_found"


def test_profile_takes_a_display_name_and_a_real_image(merchant):
    services.update_profile(user=merchant, display_name="  陈老板 ", avatar=png())
    merchant.refresh_from_db()
    assert merchant.display_name == "陈老板"
    assert merchant.avatar.name.startswith("avatars/")


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("a.png", b"not an image", content_type="image/png"),
        SimpleUploadedFile(
            "a.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml"
        ),
    ],
)
def test_profile_refuses_what_is_not_an_image(merchant, upload):
    with pytest.raises(DomainError) as exc:
        services.update_profile(user=merchant, avatar=upload)
    assert exc.value.code == "image_invalid"


def test_profile_refuses_oversized_images(merchant, settings):
    big = SimpleUploadedFile("big.png", b"x" * (2 * 1024 * 1024 + 1), content_type="image/png")
    with pytest.raises(DomainError) as exc:
        services.update_profile(user=merchant, avatar=big)
    assert exc.value.code == "payload_too_large"


def test_subjects_validate_format_and_are_unique_per_number(merchant, make_user):
    number = licences.make_uscc(42)
    services.create_subject(owner=merchant, kind=SubjectKind.ENTERPRISE, name="甲公司", licence_number=number)
    with pytest.raises(DomainError) as exc:
        services.create_subject(
            owner=make_user(), kind=SubjectKind.ENTERPRISE, name="乙公司", licence_number=number.lower()
        )
    assert exc.value.code == "licence_taken"
    with pytest.raises(DomainError) as exc:
        services.create_subject(owner=merchant, kind=SubjectKind.ENTERPRISE, name="丙", licence_number="123")
    assert exc.value.code == "licence_invalid"
    with pytest.raises(DomainError) as exc:
        services.create_subject(
            owner=merchant, kind=SubjectKind.INDIVIDUAL, name="丁", licence_number=licences.make_uscc(43)
        )
    assert exc.value.code == "licence_invalid"


def test_only_operators_set_verification(merchant, operator):
    subject = services.create_subject(
        owner=merchant, kind=SubjectKind.INDIVIDUAL, name="张三", licence_number=licences.make_resident_id(3)
    )
    with pytest.raises(DomainError) as exc:
        services.set_subject_verification(operator=merchant, subject=subject, verification="verified")
    assert exc.value.code == "permission_denied"
    services.set_subject_verification(operator=operator, subject=subject, verification="rejected")
    assert selectors.subject_for(merchant, subject.pk).verification == "rejected"


def test_a_rejected_avatar_leaves_the_display_name_alone(merchant):
    with pytest.raises(DomainError):
        services.update_profile(
            user=merchant,
            display_name="新名字",
            avatar=SimpleUploadedFile("x.png", b"nope", content_type="image/png"),
        )
    merchant.refresh_from_db()
    assert merchant.display_name == ""
