"""The library's pages: the owner's list and editor (therapists read), and the client's page of one
article reached through its signed link."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from practice.access import PUBLIC, requires
from practice.actions import attempt
from practice.markdown import render_markdown

from . import selectors, services
from .forms import ArticleFilterForm, ArticleForm
from .links import article_from_token
from .models import Article


@requires("library.view")
def article_list(request, practice_slug):
    filters = ArticleFilterForm(request.GET or None)
    articles = selectors.articles_list(practice=request.practice, **filters.filters()).select_related("updated_by")
    if not request.membership.has_perm("library.manage"):
        articles = articles.filter(published=True)
    return render(request, "library/article_list.html", {"articles": articles, "filters": filters})


@requires("library.view")
def article_detail(request, practice_slug, article_id):
    """The article as the client reads it (therapists look before attaching one)."""
    article = selectors.article_get(practice=request.practice, article_id=article_id)
    return render(request, "library/article_detail.html", {"article": article})


@requires("library.manage")
def article_edit(request, practice_slug, article_id=None):
    article = (
        selectors.article_get(practice=request.practice, article_id=article_id)
        if article_id
        else Article(practice=request.practice)
    )
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        article = services.article_save(article=form.save(commit=False), practice=request.practice, actor=request.user)
        messages.success(request, f"“{article.title}” saved.")
        return redirect("library:article-edit", practice_slug=practice_slug, article_id=article.pk)
    return render(
        request,
        "library/article_form.html",
        {
            "article": article,
            "form": form,
            "preview": render_markdown(form["body_markdown"].value() or ""),
            "attached": bool(article.pk) and selectors.is_attached(article),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@requires("library.manage")
def article_preview(request, practice_slug):
    """htmx, while typing: the Markdown as the client will read it."""
    return HttpResponse(render_markdown(request.POST.get("body_markdown", "")))


@require_POST
@requires("library.manage")
def article_publish(request, practice_slug, article_id):
    article = selectors.article_get(practice=request.practice, article_id=article_id)
    published = request.POST.get("published") == "1"
    services.article_set_published(article=article, published=published, actor=request.user)
    messages.success(request, f"“{article.title}” is {'published' if published else 'unpublished'}.")
    return redirect("library:article-list", practice_slug=practice_slug)


@require_POST
@requires("library.manage")
def article_delete(request, practice_slug, article_id):
    article = selectors.article_get(practice=request.practice, article_id=article_id)
    attempt(
        request,
        lambda: services.article_delete(article=article, actor=request.user),
        done=lambda deleted: (
            f"“{article.title}” deleted."
            if deleted
            else f"Notes carry “{article.title}”, so it was unpublished rather than deleted."
        ),
    )
    return redirect("library:article-list", practice_slug=practice_slug)


@requires(PUBLIC)
def handout(request, token):
    """The client's page: one published article, from a signed link, on a plain phone-friendly page."""
    article = article_from_token(token)
    if article is None:
        return render(request, "library/handout.html", {"invalid": True}, status=404)
    return render(request, "library/handout.html", {"article": article, "practice": article.practice})
