from django import template

from clients.intake import intake_answers

register = template.Library()

register.filter("intake_answers", intake_answers)
