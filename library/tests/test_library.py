"""The library: sanitised Markdown, the defaults every practice starts with, the owner's pages and
who may use them, the client's signed page, the email includes, and the newsletter's "Insert"."""

import importlib

import pytest
from django.apps import apps
from django.template import Context
from django.template.loader import get_template, render_to_string
from django_scopes import scope, scopes_disabled

from library.defaults import DEFAULT_ARTICLES
from library.links import article_token, article_url
from library.models import Article
from library.services import article_delete
from outreach.models import Newsletter
from practice.markdown import render_markdown

pytestmark = pytest.mark.django_db

HOSTILE = """**Warm** up first.

<script>alert("x")</script>
<img src="x" onerror="alert(1)"> <iframe src="https://evil.example"></iframe>
<a href="javascript:alert(1)">raw link</a> [md link](javascript:alert(2)) [fine](https://ok.example)
# Title
"""


def _article(practice, **fields) -> Article:
    with scope(practice=practice):
        values = {"title": "Calf stretches", "summary": "For runners", "body_markdown": "Stretch **gently**."}
        return Article.objects.create(practice=practice, **{**values, **fields})


def _articles(practice) -> list[Article]:
    with scopes_disabled():
        return list(Article.objects.filter(practice=practice).order_by("title"))


def test_the_sanitiser_keeps_formatting_and_drops_scripts_javascript_links_and_raw_html():
    html = render_markdown(HOSTILE)
    assert "<strong>Warm</strong>" in html and '<a href="https://ok.example" rel="noopener">fine</a>' in html
    assert "<h2>Title</h2>" in html  # below the page's own heading
    for unsafe in ("<script", "<img", "<iframe", "onerror", "javascript:"):
        assert unsafe not in html.lower(), unsafe


def test_a_new_practice_starts_with_the_default_library(practice):
    articles = _articles(practice)
    assert sorted(a.title for a in articles) == sorted(d["title"] for d in DEFAULT_ARTICLES)
    assert all(a.published and a.body_markdown and a.summary for a in articles)
    neck = next(a for a in articles if "neck" in a.title)
    assert neck.areas == ["neck", "shoulders"] and neck.tag_labels == [
        "Desk work and posture",
        "Stress and tension",
        "Neck",
        "Shoulders",
    ]


def test_the_migration_gives_existing_practices_without_a_library_the_defaults(practice, other_practice):
    migration = importlib.import_module("library.migrations.0002_default_articles")
    with scopes_disabled():
        Article.objects.filter(practice=other_practice).delete()  # a practice from before the library
        Article.objects.filter(practice=practice).exclude(title__startswith="Heat").delete()  # one that pruned it
        migration.add_defaults(apps, None)
    assert len(_articles(other_practice)) == len(DEFAULT_ARTICLES)
    assert [a.title for a in _articles(practice)] == ["Heat or ice after a deep-tissue massage"]  # left alone


def test_the_owner_writes_edits_filters_and_unpublishes(client_for, owner, practice):
    as_owner = client_for(owner)
    base = f"/p/{practice.slug}/library/"
    created = as_owner.post(
        f"{base}new/",
        {
            "title": "Calf stretches",
            "summary": "For runners",
            "kind": "handout",
            "body_markdown": "Stretch **gently**.<script>x()</script>",
            "reasons": ["sport"],
            "areas": ["legs"],
            "published": "on",
        },
    )
    assert created.status_code == 302
    with scopes_disabled():
        article = Article.objects.get(practice=practice, title="Calf stretches")
    assert article.updated_by == owner and article.reasons == ["sport"] and article.areas == ["legs"]
    page = as_owner.get(f"{base}{article.pk}/").content.decode()
    assert "<strong>gently</strong>" in page and "x()" not in page

    sport = as_owner.get(f"{base}?reason=sport").content.decode()
    assert "Calf stretches" in sport and "stiff neck" not in sport
    legs_handouts = as_owner.get(f"{base}?kind=handout&area=legs").content.decode()
    assert "Calf stretches" in legs_handouts and "tension headaches" not in legs_handouts

    edit = as_owner.post(
        f"{base}{article.pk}/edit/", {"title": "", "kind": "handout", "body_markdown": "x", "published": "on"}
    )
    assert edit.status_code == 400  # a title is needed
    preview = as_owner.post(f"{base}preview/", {"body_markdown": "**Hi** <script>x()</script>"})
    assert preview.content.decode().strip() == "<p><strong>Hi</strong> </p>"

    as_owner.post(f"{base}{article.pk}/publish/", {"published": "0"})
    article.refresh_from_db()
    assert not article.published


def test_therapists_read_published_articles_and_only_the_owner_manages(
    client_for, owner, therapist, front_desk, practice
):
    hidden = _article(practice, title="Draft on cupping", published=False)
    as_therapist = client_for(therapist)
    listed = as_therapist.get(f"/p/{practice.slug}/library/").content.decode()
    assert "stiff neck" in listed and "Draft on cupping" not in listed and "Write an article" not in listed
    assert as_therapist.get(f"/p/{practice.slug}/library/{hidden.pk}/edit/").status_code == 403
    assert as_therapist.post(f"/p/{practice.slug}/library/{hidden.pk}/delete/").status_code == 403
    assert client_for(front_desk).get(f"/p/{practice.slug}/library/").status_code == 403
    assert "Draft on cupping" in client_for(owner).get(f"/p/{practice.slug}/library/").content.decode()


def test_another_practices_article_is_not_there(client_for, owner, other_practice):
    theirs = _articles(other_practice)[0]
    as_owner = client_for(owner)
    slug = owner.memberships.get().practice.slug
    assert as_owner.get(f"/p/{slug}/library/{theirs.pk}/edit/").status_code == 404
    assert as_owner.post(f"/p/{slug}/library/{theirs.pk}/delete/").status_code == 404


def test_an_article_no_note_carries_is_deleted(client_for, owner, practice):
    article = _article(practice)
    client_for(owner).post(f"/p/{practice.slug}/library/{article.pk}/delete/")
    with scopes_disabled():
        assert not Article.objects.filter(pk=article.pk).exists()


def test_the_clients_page_opens_from_its_signed_link_only_while_published(client, practice):
    article = _article(practice, body_markdown=HOSTILE)
    url = article_url(article)
    page = client.get(url.removeprefix("http://testserver"))
    html = page.content.decode()
    assert page.status_code == 200 and "Calf stretches" in html and practice.name in html
    assert "<strong>Warm</strong>" in html and "javascript:" not in html and "<iframe" not in html
    assert "no-store" in page["Cache-Control"]

    token = article_token(article)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/handouts/{tampered}/").status_code == 404
    assert client.get(f"/handouts/{article.pk}/").status_code == 404  # an id is not a link
    with scope(practice=practice):
        article.published = False
        article.save()
    gone = client.get(f"/handouts/{token}/")
    assert gone.status_code == 404 and "not available" in gone.content.decode()


def test_the_email_includes_list_the_handouts_with_their_links(practice):
    article = _article(practice, title="Heat & ice", summary="Which <one>")
    handouts = [(article, "https://rebook.example/handouts/abc/")]
    text = get_template("library/_handouts_email.txt").template.render(
        Context({"handouts": handouts}, autoescape=False)
    )
    assert "Heat & ice: Which <one>" in text and "https://rebook.example/handouts/abc/" in text
    html = render_to_string("library/_handouts_email.html", {"handouts": handouts})
    assert 'href="https://rebook.example/handouts/abc/"' in html and "Heat &amp; ice" in html and "&lt;one&gt;" in html
    assert render_to_string("library/_handouts_email.txt", {"handouts": []}).strip() == ""  # nothing to say


def test_a_newsletter_inserts_an_article_as_a_block_with_its_link(client, client_for, owner, practice, other_practice):
    article = _article(practice)
    as_owner = client_for(owner)
    draft = {"subject": "Spring", "body_markdown": "Hello all.", "audience": "all"}
    as_owner.post(f"/p/{practice.slug}/newsletters/new/", {**draft, "insert_article": "", "article": str(article.pk)})
    with scopes_disabled():
        newsletter = Newsletter.objects.get(practice=practice)
    body = newsletter.body_markdown
    assert body.startswith("Hello all.\n\n## Calf stretches\n\nFor runners\n\n[Read it on our website](")
    link = body.rsplit("(", 1)[1].rstrip(")\n")
    assert client.get(link.removeprefix("http://testserver")).status_code == 200

    theirs = _articles(other_practice)[0]
    edit_url = f"/p/{practice.slug}/newsletters/{newsletter.pk}/"
    as_owner.post(edit_url, {**draft, "insert_article": "", "article": str(theirs.pk)})
    as_owner.post(edit_url, {**draft, "insert_article": "", "article": "not-an-id"})
    newsletter.refresh_from_db()
    assert newsletter.body_markdown == "Hello all."  # saved, nothing inserted
    assert "Insert an article" in as_owner.get(edit_url).content.decode()


def test_deleting_an_article_a_note_carries_unpublishes_it(practice, owner, therapist):
    from outreach.tests.factories import client_with_history
    from sessions.models import NoteHandout, SessionNote

    article = _article(practice)
    with scope(practice=practice):
        client, _ = client_with_history(practice, therapist, visits=1)
        note = SessionNote.objects.get(practice=practice, client=client)
        NoteHandout.objects.create(practice=practice, sessionnote=note, article=article)
        assert article_delete(article=article, actor=owner) is False
        article.refresh_from_db()
        assert not article.published
        with pytest.raises(Exception, match="stays in the library"):
            article_delete(article=article, actor=owner)
