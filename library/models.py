"""The practice's library: its own articles and self-care handouts, written in Markdown, tagged by
the reasons clients come for and the body areas they concern. Therapists attach them to a note's
home-care plan (sessions), and the client reads them through a signed link (library.links)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from clients.models import BODY_AREAS, area_label
from practice.markdown import render_markdown
from practice.models import TenantModel

# Why clients come, as the library tags it. The intake asks for the reason in the client's own
# words (free text), so an article is suggested for a reason when one of its words appears there.
REASONS = [
    ("tension", "Stress and tension"),
    ("pain", "Aches and pain"),
    ("headache", "Headaches"),
    ("desk", "Desk work and posture"),
    ("sport", "Sport and recovery"),
    ("sleep", "Sleep and relaxation"),
]
REASON_LABELS = dict(REASONS)
# Words in the intake's reason or goals that point to a reason (lower case, matched as words' starts).
REASON_WORDS = {
    "tension": ["stress", "tense", "tension", "tight", "stiff", "relax"],
    "pain": ["pain", "ache", "aching", "sore", "hurt"],
    "headache": ["headache", "migraine", "head"],
    "desk": ["desk", "computer", "posture", "sitting", "office", "laptop"],
    "sport": ["sport", "run", "training", "gym", "marathon", "cycling", "recovery"],
    "sleep": ["sleep", "insomnia", "rest", "relax", "calm"],
}


class Article(TenantModel):
    """One article or handout. Its Markdown is only ever shown rendered and sanitised (`body_html`).
    Once a note carries it, it is unpublished rather than deleted (the note's record keeps it)."""

    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        HANDOUT = "handout", "Self-care handout"

    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=200, blank=True, help_text="One line, shown in lists and emails.")
    body_markdown = models.TextField(
        max_length=20_000,
        verbose_name="text",
        help_text="Markdown: **bold**, *italic*, lists, ## headings, [links](https://…).",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HANDOUT)
    reasons = ArrayField(
        models.CharField(max_length=20, choices=REASONS), default=list, blank=True, verbose_name="reasons for a visit"
    )
    areas = ArrayField(
        models.CharField(max_length=20, choices=BODY_AREAS), default=list, blank=True, verbose_name="body areas"
    )
    published = models.BooleanField(
        default=True, help_text="Therapists can attach it to notes and clients can read it through their links."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def body_html(self) -> str:
        return render_markdown(self.body_markdown)

    @property
    def reason_labels(self) -> list[str]:
        return [REASON_LABELS.get(key, key) for key in self.reasons]

    @property
    def area_labels(self) -> list[str]:
        return [area_label(key) for key in self.areas]

    @property
    def tag_labels(self) -> list[str]:
        return self.reason_labels + self.area_labels
