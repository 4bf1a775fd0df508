from django.urls import path

from library import views
from practice.routing import under_practice

app_name = "library"

practice_urlpatterns = [
    path("library/", views.article_list, name="article-list"),
    path("library/new/", views.article_edit, name="article-create"),
    path("library/preview/", views.article_preview, name="article-preview"),
    path("library/<uuid:article_id>/", views.article_detail, name="article-detail"),
    path("library/<uuid:article_id>/edit/", views.article_edit, name="article-edit"),
    path("library/<uuid:article_id>/publish/", views.article_publish, name="article-publish"),
    path("library/<uuid:article_id>/delete/", views.article_delete, name="article-delete"),
]

urlpatterns = [
    path("handouts/<str:token>/", views.handout, name="handout"),
    *under_practice(practice_urlpatterns),
]
