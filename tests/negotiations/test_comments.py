"""Comments keep their history; removing one hides it, never erases it; the audience is fixed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from negotiations.models import COMMENT_BODY_MAX_LENGTH, Comment
from negotiations.services import comment_create, comment_delete, comment_update
from parties.access import actor_for
from parties.models import AuditEntry

SHARED_WORDS = "Shared remark on price floors."
INTERNAL_WORDS = "EU internal: hold the line on price floors."


@pytest.fixture
def comments(world, make_provision):
    provision = make_provision()
    shared = comment_create(
        actor=actor_for(world.user("EU", "negotiator")), provision=provision, body=SHARED_WORDS
    )
    internal = comment_create(
        actor=actor_for(world.user("EU", "reviewer")),
        provision=provision,
        body=INTERNAL_WORDS,
        visibility="delegation",
    )
    return provision, shared, internal


def test_an_edit_keeps_the_earlier_words_in_history(world, api, comments):
    _, shared, _ = comments
    author = api(world.user("EU", "negotiator"))

    response = author.patch(f"/api/v1/comments/{shared.pk}/", {"body": "Reworded remark."})

    assert response.status_code == 200 and response.json()["body"] == "Reworded remark."
    rows = list(shared.history.order_by("history_id"))
    assert [(r.body, r.history_change_reason, r.history_party) for r in rows] == [
        (SHARED_WORDS, "Comment posted", "EU"),
        ("Reworded remark.", "Comment edited", "EU"),
    ]
    assert rows[-1].history_user == world.user("EU", "negotiator")
    history = api(world.user("US", "lead")).get(f"/api/v1/comments/{shared.pk}/history/")
    assert history.status_code == 200
    assert [(v["body"], v["by"], v["party"], v["removed"]) for v in history.json()] == [
        ("Reworded remark.", "eu-negotiator", "EU", False),
        (SHARED_WORDS, "eu-negotiator", "EU", False),
    ]


def test_the_same_words_sent_again_write_no_history_and_no_audit(world, comments):
    _, shared, _ = comments
    comment_update(
        actor=actor_for(world.user("EU", "negotiator")), comment=shared, body=SHARED_WORDS
    )
    assert shared.history.count() == 1
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.COMMENT_EDITED).exists()


def test_removing_hides_the_comment_everywhere_and_keeps_the_row_and_its_history(
    world, api, client, comments
):
    provision, shared, internal = comments
    eu_reviewer = world.user("EU", "reviewer")

    assert api(eu_reviewer).delete(f"/api/v1/comments/{internal.pk}/").status_code == 204

    stored = Comment.objects.get(pk=internal.pk)
    assert stored.body == INTERNAL_WORDS
    assert stored.deleted_by == eu_reviewer and stored.deleted_at is not None
    newest = stored.history.latest()
    assert (newest.deleted_at, newest.body) == (stored.deleted_at, INTERNAL_WORDS)
    assert newest.history_change_reason == "Comment removed by its author"
    for reader in (eu_reviewer, world.user("EU", "lead")):
        reading = api(reader)
        listed = reading.get(f"/api/v1/comments/?provision={provision.pk}").json()["results"]
        assert [c["id"] for c in listed] == [shared.pk]
        assert reading.get("/api/v1/comments/?search=hold the line").json()["results"] == []
        assert reading.get(f"/api/v1/comments/{internal.pk}/").status_code == 404
        assert reading.get(f"/api/v1/comments/{internal.pk}/history/").status_code == 404
        client.force_login(reader)
        page = client.get(f"/provisions/{provision.pk}/").content.decode()
        assert SHARED_WORDS in page and INTERNAL_WORDS not in page
    # Removed once is removed: no second removal, no edit of what nobody sees.
    assert api(eu_reviewer).delete(f"/api/v1/comments/{internal.pk}/").status_code == 404
    with pytest.raises(ValidationError, match="was removed"):
        comment_update(actor=actor_for(eu_reviewer), comment=stored, body="Again")


def test_the_secretariat_removes_a_shared_comment_but_neither_edits_it_nor_sees_internal_ones(
    world, api, comments, secretariat
):
    _, shared, internal = comments
    chair = api(secretariat)

    assert chair.patch(f"/api/v1/comments/{shared.pk}/", {"body": "Moderated"}).status_code == 403
    assert chair.delete(f"/api/v1/comments/{internal.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        comment_delete(actor=actor_for(secretariat), comment=internal)
    assert chair.delete(f"/api/v1/comments/{shared.pk}/").status_code == 204

    assert Comment.objects.get(pk=shared.pk).deleted_by == secretariat
    assert shared.history.latest().history_change_reason == "Comment removed by the secretariat"
    assert Comment.objects.get(pk=internal.pk).deleted_at is None


def test_other_delegates_neither_edit_nor_remove_a_comment(world, api, comments):
    _, shared, _ = comments
    url = f"/api/v1/comments/{shared.pk}/"
    for other in (world.user("EU", "lead"), world.user("US", "lead")):
        assert api(other).patch(url, {"body": "Not mine"}).status_code == 403
        assert api(other).delete(url).status_code == 403
    assert Comment.objects.get(pk=shared.pk).body == SHARED_WORDS


@pytest.mark.parametrize(
    ("comment_name", "new_visibility"), [("shared", "delegation"), ("internal", "shared")]
)
def test_a_comments_audience_is_fixed_when_written(
    world, api, comments, comment_name, new_visibility
):
    _, shared, internal = comments
    comment = {"shared": shared, "internal": internal}[comment_name]
    author = api(comment.author)
    url = f"/api/v1/comments/{comment.pk}/"

    refused = author.patch(url, {"visibility": new_visibility, "body": "Moved"})
    echoed = author.get(url).json()
    echo = author.put(url, {**echoed, "body": "Reworded, same audience."}, format="json")

    assert (
        refused.status_code == 400 and "fixed when it is written" in refused.json()["visibility"][0]
    )
    assert echo.status_code == 200 and echo.json()["visibility"] == comment.visibility
    assert [r.visibility for r in comment.history.all()] == [comment.visibility] * 2


def test_a_body_over_the_limit_is_refused_naming_the_field(world, api, client, comments):
    provision, shared, _ = comments
    author = world.user("EU", "negotiator")
    huge = "x" * 4_000_001

    posted = api(author).post(
        "/api/v1/comments/", {"provision": provision.pk, "body": huge}, format="json"
    )
    edited = api(author).patch(f"/api/v1/comments/{shared.pk}/", {"body": huge}, format="json")
    just_over = api(author).post(
        "/api/v1/comments/",
        {"provision": provision.pk, "body": "x" * (COMMENT_BODY_MAX_LENGTH + 1)},
        format="json",
    )
    at_limit = api(author).post(
        "/api/v1/comments/",
        {"provision": provision.pk, "body": "x" * COMMENT_BODY_MAX_LENGTH},
        format="json",
    )

    for response in (posted, edited, just_over):
        assert response.status_code == 400 and "body" in response.json(), response.content[:200]
    assert at_limit.status_code == 201
    assert Comment.objects.get(pk=shared.pk).body == SHARED_WORDS
    with pytest.raises(ValidationError) as error:
        comment_update(actor=actor_for(author), comment=shared, body=huge)
    assert "body" in error.value.message_dict
    client.force_login(author)
    page = client.post(
        f"/provisions/{provision.pk}/comments/",
        {"body": "y" * (COMMENT_BODY_MAX_LENGTH + 1), "visibility": "shared"},
        follow=True,
    )
    assert "at most 20000 characters" in page.content.decode()
    assert Comment.objects.count() == 3


def test_edits_and_removals_are_audited_without_a_delegation_only_comments_words(
    world, api, comments
):
    provision, shared, internal = comments
    eu_reviewer = world.user("EU", "reviewer")
    api(eu_reviewer).patch(f"/api/v1/comments/{internal.pk}/", {"body": "EU internal, softer."})
    api(eu_reviewer).delete(f"/api/v1/comments/{internal.pk}/", REMOTE_ADDR="192.0.2.7")
    api(world.user("EU", "negotiator")).delete(f"/api/v1/comments/{shared.pk}/")

    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.kind, e.actor, e.subject, e.party_code) for e in entries] == [
        (AuditEntry.Kind.COMMENT_EDITED, eu_reviewer, eu_reviewer, "EU"),
        (AuditEntry.Kind.COMMENT_DELETED, eu_reviewer, eu_reviewer, "EU"),
        (AuditEntry.Kind.COMMENT_DELETED, shared.author, shared.author, "EU"),
    ]
    assert entries[1].client_address == "192.0.2.7"
    assert entries[0].detail == (
        f"Comment #{internal.pk} (delegation-only) on Article {provision.number}"
    )
    for entry in entries:
        assert "internal" not in entry.detail.lower() and "price floors" not in entry.detail


@pytest.mark.parametrize(
    "reader", [("US", "lead"), ("JP", "lead"), ("EU", "observer"), ("staff", None)]
)
def test_nobody_outside_the_delegation_reads_a_delegation_only_comments_history(
    world, api, comments, secretariat, reader
):
    _, _, internal = comments
    comment_update(
        actor=actor_for(world.user("EU", "reviewer")), comment=internal, body="EU internal v2"
    )
    user = secretariat if reader[0] == "staff" else world.user(*reader)

    assert api(user).get(f"/api/v1/comments/{internal.pk}/history/").status_code == 404
    own = api(world.user("EU", "lead")).get(f"/api/v1/comments/{internal.pk}/history/")
    assert [v["body"] for v in own.json()] == ["EU internal v2", INTERNAL_WORDS]


def test_the_admin_lists_no_removed_comment_and_has_no_comment_history_pages(
    world, comments, client, secretariat
):
    _, shared, internal = comments
    comment_delete(actor=actor_for(world.user("EU", "negotiator")), comment=shared)
    client.force_login(secretariat)

    listing = client.get("/admin/negotiations/comment/").content.decode()

    assert f"/admin/negotiations/comment/{shared.pk}/" not in listing
    assert client.get(f"/admin/negotiations/comment/{internal.pk}/history/").status_code in (
        302,
        404,
    )
    assert client.get("/admin/negotiations/historicalcomment/").status_code == 404
