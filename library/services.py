"""Writes of the library: keyword-only arguments, ValidationError with a message for the owner.
Call inside the practice's scope."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import RestrictedError

from .models import Article


def article_save(*, article: Article, practice, actor) -> Article:
    """Create or change an article (the article form's validated instance)."""
    article.practice, article.updated_by = practice, actor
    article.full_clean()
    article.save()
    return article


def article_set_published(*, article: Article, published: bool, actor) -> Article:
    article.published, article.updated_by = published, actor
    article.save(update_fields=["published", "updated_by", "updated_at"])
    return article


def article_delete(*, article: Article, actor) -> bool:
    """Delete the article; one that a note carries is unpublished instead (the note's record keeps
    it, and the database refuses the delete). Returns True when it was deleted."""
    try:
        with transaction.atomic():
            article.delete()
        return True
    except RestrictedError:
        if not article.published:
            raise ValidationError("Notes carry this article, so it stays in the library, unpublished.") from None
        article_set_published(article=article, published=False, actor=actor)
        return False
