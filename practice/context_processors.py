from django.urls import reverse

from practice.navigation import NAV_ITEMS
from practice.permissions import perms_for_role


def navigation(request):
    """The current practice, the entries its member's role may use, the role's permissions (for
    templates: `{% if "intake.view" in role_perms %}`), and the other practices the person can
    switch to. Empty outside a practice."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    slug = membership.practice.slug
    current = getattr(request.resolver_match, "view_name", "")
    items = [
        {
            "label": item.label,
            "url": reverse(item.url_name, kwargs={"practice_slug": slug}),
            "active": item.url_name == current,
            "manage": item.manage,
        }
        for item in NAV_ITEMS
        if membership.has_perm(item.permission)
    ]
    return {
        "practice": membership.practice,
        "membership": membership,
        "nav_items": [item for item in items if not item["manage"]],
        "manage_items": [item for item in items if item["manage"]],
        "role_perms": perms_for_role(membership.role),
        "switch_to": [m for m in request.memberships if m.practice_id != membership.practice_id],
    }
