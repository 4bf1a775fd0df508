"""Who may reach a view. Every view declares exactly one of:

- PUBLIC: anyone, signed in or not (login, password reset, invitation links);
- SIGNED_IN: any signed-in person, outside a practice (the practice picker, sign-out);
- a permission name from practice/permissions.py: a member of the practice in the URL whose role
  holds that permission.

AccessMiddleware reads the declaration and enforces it before the view runs, so a view cannot
forget its check, and a view with no declaration is refused (fail closed)."""

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
