"""A note's home-care handouts: the library's articles, one or two, suggested from the client's intake,
kept by autosave and the Save button, signed with the note and never changed after; what the client's
emails and pages read of them (library.selectors.handouts_for_visit)."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from library.links import handout_links
from library.models import Article
from library.selectors import handouts_for_visit
from sessions import notes
from sessions.tests.test_notes import _form, _note, _url, visit  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _library(practice) -> dict[str, Article]:
    with scopes_disabled():
        return {article.title.split()[0]: article for article in Article.objects.filter(practice=practice)}


def _titles(note) -> list[str]:
    with scopes_disabled():
        return sorted(note.handouts.values_list("title", flat=True))


def test_the_picker_suggests_what_fits_the_clients_intake_first(client_for, therapist, visit):  # noqa: F811
    page = client_for(therapist).get(_url(visit, "edit/")).content.decode()
    picker = page[page.index("Home-care handouts") :]
    # The intake: focus on the neck, "Stiff neck" to "turn my head freely"; the neck's articles first.
    suggested = [
        picker.index("Stretches for a stiff neck at the desk (suggested)"),
        picker.index("What massage can do for tension headaches (suggested)"),
    ]
    assert max(suggested) < picker.index("Heat or ice after a deep-tissue massage")
    assert "Lower back: three gentle moves" in picker and "Lower back: three gentle moves (suggested)" not in picker


def test_autosave_keeps_one_or_two_handouts_and_refuses_three(client_for, therapist, visit):  # noqa: F811
    library = _library(visit.practice)
    two = [str(library["Stretches"].pk), str(library["Heat"].pk)]
    as_therapist = client_for(therapist)
    saved = as_therapist.post(_url(visit, "autosave/"), _form(handouts=two), HTTP_HX_REQUEST="true")
    assert saved["X-Autosave"] == "saved"
    assert _titles(_note(visit)) == [
        "Heat or ice after a deep-tissue massage",
        "Stretches for a stiff neck at the desk",
    ]

    three = [*two, str(library["Lower"].pk)]
    refused = as_therapist.post(_url(visit, "autosave/"), _form(handouts=three), HTTP_HX_REQUEST="true")
    assert refused["X-Autosave"] == "invalid" and b"Home-care handouts" in refused.content
    assert len(_titles(_note(visit))) == 2
    with scope(practice=visit.practice), pytest.raises(ValidationError, match="not more"):
        notes.note_save_draft(
            note=_note(visit), fields={}, handouts=[library[k] for k in ("Stretches", "Heat", "Lower")]
        )

    # Another practice's article is not a choice.
    with scopes_disabled():
        theirs = Article.objects.exclude(practice=visit.practice).values_list("pk", flat=True).first()
    if theirs:
        wrong = as_therapist.post(_url(visit, "autosave/"), _form(handouts=[str(theirs)]), HTTP_HX_REQUEST="true")
        assert wrong["X-Autosave"] == "invalid"

    cleared = as_therapist.post(_url(visit, "autosave/"), _form(), HTTP_HX_REQUEST="true")
    assert cleared["X-Autosave"] == "saved" and _titles(_note(visit)) == []


def test_handouts_are_signed_with_the_note_and_reach_the_client_only_then(client, client_for, therapist, owner, visit):  # noqa: F811
    library = _library(visit.practice)
    as_therapist = client_for(therapist)
    as_therapist.post(_url(visit, "edit/"), _form(handouts=[str(library["Stretches"].pk)]))
    assert handouts_for_visit(visit) == []  # a draft may still change

    as_therapist.post(_url(visit, "edit/"), {**_form(handouts=[str(library["Stretches"].pk)]), "sign": "1"})
    note = _note(visit)
    assert note.is_signed and [a.title for a in handouts_for_visit(visit)] == ["Stretches for a stiff neck at the desk"]
    assert "Stretches for a stiff neck at the desk" in as_therapist.get(_url(visit, "")).content.decode()
    [(article, link)] = handout_links(visit)
    assert client.get(link.removeprefix("http://testserver")).status_code == 200  # the email's link opens it

    # Signed: neither the views nor the service change them.
    other = [str(library["Heat"].pk)]
    as_therapist.post(_url(visit, "autosave/"), _form(handouts=other), HTTP_HX_REQUEST="true")
    as_therapist.post(_url(visit, "edit/"), _form(handouts=other))
    with scope(practice=visit.practice), pytest.raises(ValidationError, match="signed"):
        notes.note_save_draft(note=note, fields={}, handouts=[library["Heat"]])
    assert _titles(_note(visit)) == ["Stretches for a stiff neck at the desk"]

    # The owner unpublishes it: the note keeps it, the client's emails and pages no longer carry it.
    client_for(owner).post(
        f"/p/{visit.practice.slug}/library/{library['Stretches'].pk}/delete/"
    )  # a note carries it: unpublished
    with scopes_disabled():
        assert Article.objects.filter(pk=library["Stretches"].pk, published=False).exists()
    assert handouts_for_visit(visit) == [] and len(_titles(_note(visit))) == 1
