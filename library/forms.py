from django import forms

from clients.models import BODY_AREAS

from .models import REASONS, Article


class ArticleForm(forms.ModelForm):
    reasons = forms.MultipleChoiceField(
        choices=REASONS, widget=forms.CheckboxSelectMultiple, required=False, label="Reasons for a visit"
    )
    areas = forms.MultipleChoiceField(
        choices=BODY_AREAS, widget=forms.CheckboxSelectMultiple, required=False, label="Body areas"
    )

    class Meta:
        model = Article
        fields = ["title", "summary", "kind", "body_markdown", "reasons", "areas", "published"]
        widgets = {"body_markdown": forms.Textarea(attrs={"rows": 16})}


class ArticleFilterForm(forms.Form):
    SELECT = forms.Select(attrs={"class": "form-select"})

    kind = forms.ChoiceField(choices=[("", "Any kind"), *Article.Kind.choices], required=False, widget=SELECT)
    reason = forms.ChoiceField(
        choices=[("", "Any reason"), *REASONS], required=False, label="Reason for a visit", widget=SELECT
    )
    area = forms.ChoiceField(
        choices=[("", "Any body area"), *BODY_AREAS], required=False, label="Body area", widget=SELECT
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
