"""The client's link to an article: signed (practice.tokens), naming the practice, the article and
the visit it was given for, so it needs no sign-in, cannot be guessed or altered, and leads only to
that one article while it is published. Newsletters link with no visit."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django_scopes import scope

from practice.tokens import claimed_practice, signed_for_practice

from .models import Article

SALT = "library.article"


def article_token(article: Article, visit=None) -> str:
    claim = {"a": str(article.pk)}
    if visit is not None:
        claim["v"] = str(visit.pk)
    return signed_for_practice(claim, practice_id=article.practice_id, salt=SALT, compress=True)


def article_url(article: Article, visit=None) -> str:
    """The absolute address of the article's public page for a client (for emails)."""
    return settings.SITE_URL + reverse("library:handout", args=[article_token(article, visit)])


def article_from_token(token: str) -> Article | None:
    """The published article a genuine link names, with its practice; None for a tampered,
    unsigned or other link, or an article unpublished or deleted since."""
    try:
        claim = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    practice = claimed_practice(claim)
    if practice is None or not isinstance(claim.get("a"), str):
        return None
    with scope(practice=practice):
        return Article.objects.filter(practice=practice, pk=claim["a"], published=True).first()


def handout_links(visit) -> list[tuple[Article, str]]:
    """(article, its link for this visit) for each handout the visit's signed note gives: the
    `handouts` context of library/_handouts_email.{txt,html}."""
    from .selectors import handouts_for_visit

    return [(article, article_url(article, visit)) for article in handouts_for_visit(visit)]
