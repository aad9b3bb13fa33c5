from negotiations.models import Watch
from parties.access import actor_for
from provisions import services as provision_services


def test_watch_from_the_provision_page_then_see_notifications(world, client, make_provision):
    provision = make_provision()
    client.force_login(world.user("EU", "reviewer"))
    page = f"/provisions/{provision.pk}/"
    response = client.post("/watches/", {"provision": provision.pk, "next": page}, follow=True)
    assert b"You are now watching" in response.content
    assert b"Stop watching" in response.content
    watch = Watch.objects.get(user__username="eu-reviewer")

    provision_services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="New.",
    )
    listing = client.get("/notifications/").content.decode()
    assert "US · us-negotiator" in listing
    assert 'aria-label="1 unread"' in listing
    client.post("/notifications/read/")
    assert 'aria-label="1 unread"' not in client.get("/notifications/").content.decode()

    client.post(f"/watches/{watch.pk}/stop/", {"next": page})
    assert not Watch.objects.exists()


def test_cannot_stop_someone_elses_watch(world, client, make_provision):
    watch = Watch.objects.create(user=world.user("US", "lead"), provision=make_provision())
    client.force_login(world.user("EU", "lead"))
    assert client.post(f"/watches/{watch.pk}/stop/").status_code == 404
    assert Watch.objects.filter(pk=watch.pk).exists()


def test_watch_redirect_stays_on_this_site(world, client, make_provision):
    client.force_login(world.user("EU", "lead"))
    response = client.post(
        "/watches/", {"provision": make_provision().pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
