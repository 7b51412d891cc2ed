"""The event pages and the services' refusals speak English to an English user."""

from __future__ import annotations

from django.conf import settings

from tests.conftest import World, client_for
from tests.outreach.conftest import Fair


def test_event_page_and_agenda_in_english(fair: Fair, world: World) -> None:
    client = client_for(world.owner_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/events/{fair.event.pk}/").content.decode()
    assert "My meeting requests" in html and "Registration open" in html
    assert (
        "No meetings scheduled yet."
        in client.get(f"/events/{fair.event.pk}/agenda/").content.decode()
    )
    # a refusal: registering the same organisation again
    r = client.post(
        f"/events/{fair.event.pk}/register/",
        {"party": world.enterprise.pk, "slots": [fair.slots[0].pk]},
        follow=True,
    )
    assert "Already registered for this event." in r.content.decode()
