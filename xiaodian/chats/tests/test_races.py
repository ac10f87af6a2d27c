"""Races on PostgreSQL (SQLite serialises every writer): a group's 500-member limit holds when the
last places are taken at once, and a conversation's sequence numbers stay gapless and unique when
many members send at once."""

import pytest
from django.db import connection

from xiaodian.chats import rules, services
from xiaodian.chats.models import Conversation, Member, Message
from xiaodian.core import clock
from xiaodian.social.tests.test_races import outcomes_of


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the threaded race needs PostgreSQL (SQLite serialises every writer)")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_24_invitees_accepting_the_last_8_places_of_a_500_group_get_exactly_8(make_user, befriend):
    _postgres_only()
    owner = make_user()
    group = services.create_group(owner=owner, title="五百人群")
    # 491 members already (setup, not the rule under test): 9 places left, one of them for the owner's
    filler = [make_user() for _ in range(rules.GROUP_MAX_MEMBERS - 9)]
    Member.objects.bulk_create(Member(conversation=group, user=u, joined_at=clock.now()) for u in filler)
    invitees = [make_user() for _ in range(24)]
    invitations = []
    for invitee in invitees:
        befriend(owner, invitee)
        invitations.append(services.invite(user=owner, conversation_id=group.pk, invitee_id=invitee.pk))
    outcomes = outcomes_of(
        [
            lambda i=i: services.accept_invitation(user=invitees[i], invitation_id=invitations[i].pk)
            for i in range(24)
        ]
    )
    assert outcomes.count("ok") == 8 and outcomes.count("group_full") == 16
    assert Member.objects.filter(conversation=group).count() == rules.GROUP_MAX_MEMBERS == 500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_16_members_sending_at_once_get_gapless_unique_sequence_numbers(make_user, group_of):
    _postgres_only()
    members = [make_user() for _ in range(16)]
    group = group_of(members[0], *members[1:])  # 15 join lines: seq 1..15
    before = Conversation.objects.get(pk=group.pk).last_seq

    def send(i: int) -> None:
        for n in range(10):
            services.send_message(
                user=members[i], conversation_id=group.pk, text=f"{i}-{n}", client_id=f"{i}-{n}"
            )

    outcomes = outcomes_of([lambda i=i: send(i) for i in range(16)])
    assert outcomes == ["ok"] * 16
    seqs = sorted(Message.objects.filter(conversation=group, seq__gt=before).values_list("seq", flat=True))
    assert seqs == list(range(before + 1, before + 161))
    assert Conversation.objects.get(pk=group.pk).last_seq == before + 160
