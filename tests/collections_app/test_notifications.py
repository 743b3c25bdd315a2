"""The notifications page, marking read, and the unread badge in the navigation."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from collections_app.models import Notification

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
LIST = reverse("collections_app:notification_list")
READ = reverse("collections_app:notification_read")


def notify(user, text="5 cases were assigned to you", link="/"):
    return Notification.objects.create(recipient=user, message=text, link=link, created_at=AT)


def test_list_shows_only_mine_and_the_badge_counts_unread(agent_client, agent, other_agent):
    notify(agent, "mine one")
    notify(agent, "mine two")
    notify(other_agent, "not mine")
    body = agent_client.get(LIST).content.decode()
    assert "mine one" in body and "mine two" in body and "not mine" not in body
    assert 'data-testid="unread-badge">2<' in body


def test_opening_one_marks_it_read_and_follows_the_link(agent_client, agent):
    note = notify(agent, link="/cases/")
    response = agent_client.post(READ, {"id": note.pk})
    assert response.status_code == 302 and response.url == "/cases/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-testid="unread-badge"' not in agent_client.get(LIST).content.decode()


def test_a_foreign_link_is_not_followed(agent_client, agent):
    note = notify(agent, link="https://evil.example/")
    response = agent_client.post(READ, {"id": note.pk})
    assert response.url == LIST


def test_mark_all_read(agent_client, agent, other_agent):
    notify(agent)
    notify(agent)
    theirs = notify(other_agent)
    assert agent_client.post(READ).status_code == 302
    assert not Notification.objects.for_user(agent).unread().exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_someone_elses_notification_is_404(agent_client, other_agent):
    theirs = notify(other_agent)
    assert agent_client.post(READ, {"id": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bad_id_is_400_with_the_error(agent_client):
    response = agent_client.post(READ, {"id": "abc"})
    assert response.status_code == 400
    assert response.context["form"].errors["id"]


def test_read_is_post_only_and_login_required(agent_client, client):
    assert agent_client.get(READ).status_code == 405
    assert client.get(LIST).status_code == 302


def test_list_queries_do_not_grow(agent_client, agent, django_assert_max_num_queries):
    notify(agent)
    agent_client.get(LIST)
    with django_assert_max_num_queries(8) as small:
        agent_client.get(LIST)
    for n in range(40):
        notify(agent, f"n{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = agent_client.get(LIST)
    assert response.context["page"].has_next
