"""`{{ number|phone:practice }}` in every template (a builtin, see settings.TEMPLATES)."""

from django import template

from practice.phones import phone_display

register = template.Library()


@register.filter
def phone(value, practice=None):
    return phone_display(value, str(practice.country) if practice else None)
