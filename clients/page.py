"""What the client's page offers from the layers above (booking, progress, reports, releases,
referral links), registered by them in their AppConfig.ready, so this layer names none of their
URLs. Each entry names the permission it needs; the page shows a role what it may use."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientLink:
    label: str
    url_name: str  # reversed with the practice's slug and the client's id
    permission: str
    position: int
    place: str = "actions"  # "actions": the buttons at the top; "source": beside "Heard of us through"
    style: str = "outline-primary"  # the button's Bootstrap style (actions only)
    url_kwargs: tuple = ()  # further fixed URL arguments, e.g. (("kind", "client"),)
    client_kwarg: str = "client_id"  # the URL argument that takes the client's id


CLIENT_LINKS: list[ClientLink] = []


def register_client_links(*links: ClientLink) -> None:
    CLIENT_LINKS.extend(links)
    CLIENT_LINKS.sort(key=lambda link: link.position)


def client_links(*, membership, client, place: str) -> list[dict]:
    """The links of `place` that `membership`'s role may use, as {label, url, style}."""
    from django.urls import reverse

    return [
        {
            "label": link.label,
            "style": link.style,
            "url": reverse(
                link.url_name,
                kwargs={
                    "practice_slug": membership.practice.slug,
                    link.client_kwarg: client.pk,
                    **dict(link.url_kwargs),
                },
            ),
        }
        for link in CLIENT_LINKS
        if link.place == place and membership.has_perm(link.permission)
    ]


# The brief compares the intake with how it was at the last visit, whose note lives in sessions, a
# layer above: sessions provides the lookup (one function: the newest signed note of a client).
LAST_SIGNED_NOTE = []


def provide_last_signed_note(lookup) -> None:
    LAST_SIGNED_NOTE[:] = [lookup]


def last_signed_note(client):
    """The client's newest signed session note, or None (also when no layer above provides notes)."""
    return LAST_SIGNED_NOTE[0](client=client) if LAST_SIGNED_NOTE else None


# The brief offers to start the note of the visit it is read for; notes live in sessions, a layer
# above, which provides the lookup: (client, visit id or None) -> {label, url, visit} or None.
BRIEF_NOTE = []


def provide_brief_note(lookup) -> None:
    BRIEF_NOTE[:] = [lookup]


def brief_note(*, client, visit_id):
    """The note the brief offers to start or open ({label, url, visit}), or None."""
    return BRIEF_NOTE[0](client=client, visit_id=visit_id) if BRIEF_NOTE else None


# The brief shows the client's last feedback on a visit beside their preferences; feedback lives in
# outreach, a layer above, which provides the lookup: (client, membership) -> {summary, feedback,
# focus_first, proposal} or None (see outreach.feedback.last_feedback).
LAST_FEEDBACK = []


def provide_last_feedback(lookup) -> None:
    LAST_FEEDBACK[:] = [lookup]


def last_feedback(*, client, membership):
    """The client's last feedback as the brief shows it to `membership`, or None."""
    return LAST_FEEDBACK[0](client=client, membership=membership) if LAST_FEEDBACK else None
