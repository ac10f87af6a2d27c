import pytest

from xiaodian.chats import services
from xiaodian.core import clock
from xiaodian.social import selectors as contacts
from xiaodian.social import services as social


@pytest.fixture(autouse=True)
def _frozen_clock():
    """The clock stands still unless a test moves it."""
    with clock.travel_to(clock.now()):
        yield


@pytest.fixture
def befriend():
    """befriend(a, b): a asks, b accepts; both have each other (social's services; once)."""

    def make(a, b):
        if contacts.is_mutual(a.pk, b.pk):
            return None
        request = social.send_contact_request(sender=a, recipient_id=b.pk)
        return social.accept_contact_request(user=b, request_id=request.pk)

    return make


@pytest.fixture
def group_of(befriend):
    """group_of(owner, *members): a group the owner made, each member befriended, invited and in."""

    def make(owner, *members, title="周末爬山群"):
        group = services.create_group(owner=owner, title=title)
        for member in members:
            befriend(owner, member)
            invitation = services.invite(user=owner, conversation_id=group.pk, invitee_id=member.pk)
            services.accept_invitation(user=member, invitation_id=invitation.pk)
        group.refresh_from_db()
        return group

    return make


@pytest.fixture
def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "orange").save(buffer, "PNG")
    return buffer.getvalue()


from xiaodian.core.tests.asgi import asgi_server  # noqa: E402, F401  (the site with websockets, for the browser test)
