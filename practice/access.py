"""Who may reach a view. Every view declares exactly one of:

- PUBLIC: anyone, signed in or not (login, password reset, invitation links);
- SIGNED_IN: any signed-in person, outside a practice (the practice picker, sign-out);
- a permission name from practice/permissions.py: a member of the practice in the URL whose role
  holds that permission.

AccessMiddleware reads the declaration and enforces it before the view runs, so a view cannot
forget its check, and a view with no declaration is refused (fail closed)."""

from collections.abc import Callable

PUBLIC = "public"
SIGNED_IN = "signed_in"


class AccessDeclarationMissing(Exception):
    """A URL's view says nothing about who may reach it."""


def requires(permission: str):
    """Decorate a function view with its access level (PUBLIC, SIGNED_IN or a permission name)."""

    def decorate(view):
        view.permission = permission  # functools.wraps in outer decorators carries it along
        return view

    return decorate


def declared_permission(view) -> str:
    """The access level a resolved view callback declares: its own attribute, or for a class-based
    view its class's `permission` attribute."""
    permission = getattr(view, "permission", None)
    if permission is None:
        permission = getattr(getattr(view, "view_class", None), "permission", None)
    if permission is None:
        name = getattr(view, "__qualname__", repr(view))
        raise AccessDeclarationMissing(f"{view.__module__}.{name} declares no permission")
    return permission


# Record rules: checks of *which* records a member may reach, beyond what their role may do (a
# practice can keep therapists to their own clients' notes). The apps that own the records register
# them in AppConfig.ready; AccessMiddleware runs each after the role check, inside the practice's
# scope, with the request, the view's permission and its URL arguments. A rule returns None to let
# the request through, or the response that refuses it.
RECORD_RULES: list[Callable] = []


def register_record_rule(rule: Callable) -> None:
    if rule not in RECORD_RULES:
        RECORD_RULES.append(rule)
