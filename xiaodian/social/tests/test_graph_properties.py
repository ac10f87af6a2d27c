"""The contact graph under random sequences of requests, acceptances, declines and deletions
(hypothesis): the edges are what the rules say, no list passes the limit, deleting never takes
the other's edge, and Moments visibility is mutuality at every step."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaodian.core.errors import DomainError
from xiaodian.social import rules, selectors, services
from xiaodian.social.models import Contact, ContactRequest
from xiaodian.social.rules import RequestState

PEOPLE = 4
LIMIT = 2
_round = itertools.count()

steps = st.lists(
    st.tuples(
        st.sampled_from(["ask", "accept", "decline", "delete"]),
        st.integers(0, PEOPLE - 1),
        st.integers(0, PEOPLE - 1),
    ),
    min_size=1,
    max_size=25,
)


@pytest.mark.django_db
@given(plan=steps)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_graph_follows_the_rules_at_every_step(make_user, monkeypatch, plan):
    monkeypatch.setattr(rules, "CONTACTS_MAX", LIMIT)
    n = next(_round)
    people = [make_user(f"g{n}p{k}") for k in range(PEOPLE)]
    pk = [p.pk for p in people]
    posts = {k: services.create_post(author=people[k], text=f"{k}").pk for k in range(PEOPLE)}
    edges: set[tuple[int, int]] = set()
    pending: set[tuple[int, int]] = set()

    def count(k):
        return sum(1 for owner, _o in edges if owner == k)

    def accept(sender, recipient):
        missing = {(sender, recipient), (recipient, sender)} - edges
        if any(count(owner) >= LIMIT for owner, _o in missing):
            return "contact_limit_reached"
        edges.update(missing)
        pending.discard((sender, recipient))
        return None

    for action, i, j in plan:
        expected: str | None = None
        outcome: str | None = None
        try:
            if action == "ask":
                if i == j:
                    expected = "validation_error"
                elif (i, j) in edges:
                    expected = "contact_exists"
                elif (j, i) in pending:
                    expected = accept(j, i)
                elif count(i) >= LIMIT:
                    expected = "contact_limit_reached"
                else:
                    pending.add((i, j))
                services.send_contact_request(sender=people[i], recipient_id=pk[j])
            elif action in ("accept", "decline"):
                request = ContactRequest.objects.filter(
                    sender_id=pk[j], recipient_id=pk[i], state=RequestState.PENDING
                ).first()
                if request is None:
                    continue
                if action == "accept":
                    expected = accept(j, i)
                    services.accept_contact_request(user=people[i], request_id=request.pk)
                else:
                    pending.discard((j, i))
                    services.decline_contact_request(user=people[i], request_id=request.pk)
            else:
                expected = None if (i, j) in edges else "not_found"
                other_edge = Contact.objects.filter(owner_id=pk[j], other_id=pk[i]).exists()
                edges.discard((i, j))
                services.delete_contact(owner=people[i], other_id=pk[j])
                # deleting never removes the other's edge
                assert Contact.objects.filter(owner_id=pk[j], other_id=pk[i]).exists() == other_edge
        except DomainError as refused:
            outcome = refused.code
        assert outcome == expected, f"{action} {i} {j}"

        stored = {
            (pk.index(owner), pk.index(other))
            for owner, other in Contact.objects.filter(owner_id__in=pk).values_list("owner_id", "other_id")
        }
        assert stored == edges
        assert all(count(k) <= LIMIT for k in range(PEOPLE))
        for viewer in range(PEOPLE):
            seen = {view.post.pk for view in selectors.timeline(pk[viewer], limit=50).items}
            for author in range(PEOPLE):
                mutual = (viewer, author) in edges and (author, viewer) in edges
                assert (posts[author] in seen) == (viewer == author or mutual)
                assert selectors.is_mutual(pk[viewer], pk[author]) == mutual
