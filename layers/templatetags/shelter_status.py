"""Template filters for shelter status, so templates say what layers.status.vocabulary says."""

from django import template

from ..status import vocabulary

register = template.Library()

register.filter("opening_label", vocabulary.opening_label)
register.filter("congestion_label", vocabulary.congestion_label)
register.filter("is_open", vocabulary.is_open)
