"""Reads of the library. Each takes the practice (or a row of it) and reads only that practice's
articles; call inside the practice's scope (public links enter it themselves)."""

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from .models import REASON_WORDS, Article


def articles_list(*, practice, kind: str = "", reason: str = "", area: str = "", published=None) -> QuerySet:
    """The practice's articles, filtered by kind, a reason tag, a body-area tag and publication."""
    articles = Article.objects.filter(practice=practice)
    if kind:
        articles = articles.filter(kind=kind)
    if reason:
        articles = articles.filter(reasons__contains=[reason])
    if area:
        articles = articles.filter(areas__contains=[area])
    if published is not None:
        articles = articles.filter(published=published)
    return articles.order_by("title")


def article_get(*, practice, article_id) -> Article:
    """The practice's article, or 404 (another practice's article is not there either)."""
    return get_object_or_404(Article, practice=practice, pk=article_id)


def reasons_in(text: str) -> list[str]:
    """The reason tags whose words appear in `text` (the intake's reason for the visit and goals)."""
    words = set(re.findall(r"[a-z]+", (text or "").lower()))
    return [
        reason
        for reason, stems in REASON_WORDS.items()
        if any(word.startswith(stem) for word in words for stem in stems)
    ]


def articles_for_note(*, practice, focus_areas=(), reason_text: str = "", attached_ids=()) -> QuerySet:
    """What a note's handout picker offers: the published articles, and any the note already carries
    (an article unpublished since stays on its note). Those tagged with one of the client's focus
    areas or a reason their intake names come first, annotated `suggested`."""
    reasons = reasons_in(reason_text)
    matches = Q(pk__in=[])
    if focus_areas:
        matches |= Q(areas__overlap=list(focus_areas))
    if reasons:
        matches |= Q(reasons__overlap=reasons)
    return (
        Article.objects.filter(practice=practice)
        .filter(Q(published=True) | Q(pk__in=list(attached_ids)))
        .annotate(suggested=Case(When(matches, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .only("id", "practice_id", "title", "kind", "reasons", "areas", "published")
        .order_by("-suggested", "title")
    )


def handouts_for_visit(visit) -> list[Article]:
    """The published articles attached to the visit's note, once the note is signed (the attachments
    are part of the signed record; a draft may still change). For the next-day email and the
    client's pages. The relation is the sessions layer's (its note-handout table), reached by name."""
    return list(
        Article.objects.filter(
            practice_id=visit.practice_id,
            published=True,
            note_links__sessionnote__visit_id=visit.pk,
            note_links__sessionnote__signed_at__isnull=False,
        )
        .distinct()
        .order_by("title")
    )


def is_attached(article: Article) -> bool:
    """Whether any note carries the article (then it is unpublished rather than deleted)."""
    return article.note_links.exists()
