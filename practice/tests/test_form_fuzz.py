"""The form fuzz sweep: every routed view that accepts POST (found through the resolver, as the
permission sweep finds them, so a new form is covered the moment it is routed) gets its forms
posted back with hostile values, by the least privileged role that may use it (anonymously for
public pages, with real tokens for token pages). For every view it guarantees:

1. no post answers 500, and no exception escapes the view;
2. no half-saved state: a refused post (4xx; a 200 that re-renders the form with errors; a redirect
   that carries an error message) leaves every row of the practice, clients, therapy_sessions,
   referrals and outreach apps as it was (audit events apart: reading health information is
   audited on any request);
3. a post without a CSRF token answers 403 (a view that is CSRF-exempt by design: not 500).

Forms are found by GETting every page of a small world (fuzz_world.py), submitting the GET forms
on them once (the booking page shows its slots that way), and parsing the <form method="post">
elements. A POST-only view uses the forms other pages point at it, or stand-in field names when
no page does. Each mutation starts from the form's own valid values (defaults, first options,
plausible text) and changes one kind of field. A page that takes GET and has no POST form reads
nothing from a post, so it gets one post with every mutation at once under plausible names, and
the CSRF post. A URL parameter the world cannot fill fails that view's case.

The world is built once per test process in a transaction rolled back when the module is done;
each case runs in pytest-django's transaction inside it and each post in a savepoint rolled back
after it, so cases and posts stay independent."""

import copy
import dataclasses
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connection, transaction
from django.forms import BaseForm
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from practice.access import PUBLIC, SIGNED_IN, declared_permission
from practice.models import Membership
from practice.permissions import PERMISSIONS
from practice.tenancy import across_practices
from practice.tests.factories import PASSWORD
from practice.tests.fuzz_world import Route, UnfilledURLParameter, World, build_world, routes

Role = Membership.Role
# Each case runs in pytest-django's transaction (rolled back at its end) inside the module's own.
# One test process takes the whole sweep (pytest.ini: --dist loadgroup): its world and crawl are
# built once, not once in every process.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("form-fuzz")]

# --- Discovery: every URL pattern, from the resolver --------------------------------------------

ROUTES = routes()

# The least privileged role that may use a view posts to it: what the front desk may do, the front
# desk does; owners post only where nobody else may.
ROLES_BY_PRIVILEGE = (Role.FRONT_DESK, Role.THERAPIST, Role.OWNER)


def role_for(route: Route) -> str | None:
    """The role whose browser posts to `route`; None for an anonymous visitor."""
    permission = declared_permission(route.callback)
    if permission == PUBLIC:
        return None
    if permission == SIGNED_IN:
        return Role.OWNER
    return next(role for role in ROLES_BY_PRIVILEGE if role in PERMISSIONS[permission])


# --- Forms, as a browser sees them -------------------------------------------------------------

TEXT_KINDS = {"text", "textarea", "email", "url", "tel", "search", "password"}
NUMBER_KINDS = {"number", "range"}
DATE_KINDS = {"date", "time", "datetime-local", "month", "week"}
CHOICE_KINDS = {"select", "radio", "checkbox"}
LOOKS_LIKE_A_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class Field:
    name: str
    kind: str  # an <input> type, "textarea" or "select"
    value: str = ""
    options: list = dataclasses.field(default_factory=list)  # select options, radio and checkbox values
    chosen: list = dataclasses.field(default_factory=list)  # selected options, checked boxes
    required: bool = False
    attrs: dict = dataclasses.field(default_factory=dict)

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def is_date(self) -> bool:
        return self.kind in DATE_KINDS or (self.kind == "hidden" and bool(LOOKS_LIKE_A_DATE.match(self.value)))


@dataclass
class Form:
    target: str  # the path it is sent to
    page: str  # the page it was found on
    method: str = "post"
    htmx: bool = False  # sent by htmx (hx-post): with the HX-Request header, as htmx sends it
    fields: dict = dataclasses.field(default_factory=dict)  # name -> Field, in document order
    buttons: list = dataclasses.field(default_factory=list)  # (name, value) of named submit buttons

    @property
    def signature(self) -> tuple:
        return tuple(sorted(self.fields)), self.htmx


class FormParser(HTMLParser):
    """A page's forms: target (action, or hx-post), fields, options and submit buttons. The CSRF
    token is left out: the sweep's browsers do not check it, and the CSRF post must not have it."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._htmx_targets: list[str] = []  # hx-post on elements inside the form (a live preview)
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._open_form(attrs)
            return
        if self._form is None:
            return
        if "hx-post" in attrs:
            self._htmx_targets.append(self._path(attrs["hx-post"]))
        if tag == "input":
            self._input(attrs)
        elif tag == "button" and attrs.get("name") and attrs.get("type", "submit") == "submit":
            self._form.buttons.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select" and attrs.get("name"):
            self._select = self._add(Field(attrs["name"], "select", attrs=attrs))
        elif tag == "option" and self._select is not None:
            self._select.options.append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select.chosen.append(attrs.get("value", ""))
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = self._add(Field(attrs["name"], "textarea", attrs=attrs))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self._close_form()

    def _open_form(self, attrs):
        method = attrs.get("method", "get").lower()
        action = self._path(attrs.get("action", ""))
        hx_post = self._path(attrs["hx-post"]) if "hx-post" in attrs else None
        self._htmx_targets = []
        if method == "post" and hx_post == action:  # htmx sends it, with its header
            self._form = Form(target=action, page=self.page, htmx=True)
        elif method == "post":  # submitted to its action; htmx may send it elsewhere as one types
            self._form = Form(target=action, page=self.page)
            self._htmx_targets = [hx_post] if hx_post else []
        elif hx_post:
            self._form = Form(target=hx_post, page=self.page, htmx=True)
        else:
            self._form = Form(target=action, page=self.page, method="get")

    def _close_form(self):
        form, self._form = self._form, None
        self.forms.append(form)
        for target in self._htmx_targets:
            self.forms.append(dataclasses.replace(form, target=target, htmx=True, fields=dict(form.fields)))

    def _input(self, attrs):
        name, kind = attrs.get("name"), attrs.get("type", "text").lower()
        if not name or name == "csrfmiddlewaretoken" or kind in ("file", "image", "reset", "button"):
            return
        if kind == "submit":
            self._form.buttons.append((name, attrs.get("value", "")))
        elif kind in ("radio", "checkbox"):
            group = self._add(Field(name, kind, attrs=attrs))
            group.options.append(attrs.get("value", "on"))
            group.required = group.required or "required" in attrs
            if "checked" in attrs:
                group.chosen.append(attrs.get("value", "on"))
        else:
            self._add(Field(name, kind, value=attrs.get("value", ""), required="required" in attrs, attrs=attrs))

    def _add(self, new: Field) -> Field:
        return self._form.fields.setdefault(new.name, new)

    def _path(self, action: str) -> str:
        return urlsplit(urljoin(self.page, action or self.page)).path


def forms_on(page: str, html: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    parser.close()
    return parser.forms


# A POST-only view no page has a form for gets these stand-ins, one field of each kind.
STAND_IN_FORM = Form(
    target="",
    page="(no page has a form for this view: stand-in field names)",
    fields={
        "name": Field("name", "text"),
        "note": Field("note", "textarea"),
        "email": Field("email", "email"),
        "count": Field("count", "number"),
        "day": Field("day", "date"),
        "status": Field("status", "select", options=["active", "done"]),
    },
)

# --- Values: a valid baseline, then one kind of field at a time turned hostile ----------------------

LONG_TEXT = "x" * 10_000
RTL_AND_EMOJI = "\u202egnp.exe 🙂👍🏽"
IMPOSSIBLE_DATES = ("2026-02-30", "0000-00-00", "31/31/2031")
HUGE_NUMBER = "99999999999999999999"
UNKNOWN_CHOICE = "not-a-choice"
BASELINE = "valid baseline"

# A page that takes GET and has no POST form: every mutation at once, under plausible names.
EVERYTHING_AT_ONCE = {
    "name": [LONG_TEXT],
    "note": ["Fuzz\x00text"],
    "title": [RTL_AND_EMOJI],
    "count": ["-1"],
    "amount": [HUGE_NUMBER],
    "day": [IMPOSSIBLE_DATES[0]],
    "date": [IMPOSSIBLE_DATES[1]],
    "starts_at": [IMPOSSIBLE_DATES[2]],
    "status": [UNKNOWN_CHOICE],
    "kind": ["client", "partner"],
}


def plausible(field: Field, hints: dict) -> str:
    """What a person would type into an empty field: the world's hint for that name, else a value
    that fits the field's type (an end a little after a start, a birthday in the past)."""
    if field.name in hints:
        return hints[field.name]
    name = field.name.lower()
    if "phone" in name or "fax" in name:
        return "+1 603 555 0100"
    if "slug" in name:
        return "fuzz-new-practice"
    today = timezone.localdate()
    later = any(word in name for word in ("end", "until", "expires"))
    if field.kind == "date":
        return "1985-06-15" if "birth" in name else (today + timedelta(days=7 if later else 0)).isoformat()
    by_kind = {
        "email": "fuzz.person@example.com",
        "url": "https://example.com/",
        "tel": "+1 603 555 0100",
        "password": PASSWORD,
        "number": _at_least_one(field),
        "range": _at_least_one(field),
        "time": "17:00" if later else "10:00",
        "datetime-local": f"{today + timedelta(days=2 if later else 1)}T{'17' if later else '10'}:00",
        "hidden": "",
    }
    return by_kind.get(field.kind, "Fuzz text")


def _at_least_one(field: Field) -> str:
    """1, or the field's minimum when that is higher (a count of visits starts at 2)."""
    try:
        lowest = float(field.attrs.get("min") or 1)
    except ValueError:
        lowest = 1
    return str(max(math.ceil(lowest), 1))


def _baseline_value(field: Field, hints: dict) -> list:
    if field.kind == "select":
        picked = [option for option in field.chosen if option]  # Django preselects its "---------"
        return picked or [option for option in field.options if option][:1]
    if field.kind == "radio":
        return field.chosen[:1] or field.options[:1]
    if field.kind == "checkbox":
        if field.name in hints:  # a consent the form needs ticked
            return [hints[field.name]]
        return field.chosen or (field.options[:1] if field.required else [])
    return [field.value.strip() or plausible(field, hints)]


def baseline(form: Form, hints: dict, button=None) -> dict:
    """The form as its defaults, first options and plausible text would send it, with its first
    named submit button (what pressing Enter sends) or `button`."""
    data = {field.name: _baseline_value(field, hints) for field in form.fields.values()}
    name, value = button or (form.buttons[0] if form.buttons else (None, None))
    if name:
        data[name] = [value]
    return data


def _set(data: dict, form: Form, applies, value_for) -> dict | None:
    """`data` with every field that `applies` set to `value_for(field, current)`; None if none applies."""
    fields = [field for field in form.fields.values() if applies(field)]
    if not fields:
        return None
    return {**data, **{field.name: value_for(field, data.get(field.name) or [""]) for field in fields}}


def _with_nul(field, current):
    text = current[0] or "Fuzz text"
    return [text[:1] + "\x00" + text[1:]]


def _impossible_date(date_text):
    def value_for(field, current):
        # A date and time keeps its time, so that the date is what is tested.
        tail = current[0][10:] if field.kind != "date" and LOOKS_LIKE_A_DATE.match(current[0]) else ""
        return [date_text + tail]

    return value_for


def _unknown_choice(field, current):
    return [*current, UNKNOWN_CHOICE] if field.kind == "checkbox" and len(field.options) > 1 else [UNKNOWN_CHOICE]


def _another_value(field: Field | None, current: list) -> str:
    """A different, still plausible value for the same field."""
    others = [option for option in (field.options if field else []) if option and option not in current]
    if others:
        return others[0]
    if field and field.kind in NUMBER_KINDS:
        return "2" if current[:1] != ["2"] else "3"
    if field and field.is_date:
        return (timezone.localdate() + timedelta(days=3)).isoformat()
    return (current[0] if current else "") + " again"


def _duplicated(data: dict, form: Form) -> dict:
    """Every field sent twice: its value, then another. A form reads the last of a repeated name, a
    multiple choice both, and code that reads request.POST by hand whichever it reads."""
    return {name: [*values, _another_value(form.fields.get(name), values)] for name, values in data.items()}


def mutations(form: Form, hints: dict) -> list[tuple[str, dict]]:
    """(label, data) for every mutation that applies to the form, the valid baseline first."""
    valid = baseline(form, hints)
    choices = [field for field in form.fields.values() if field.is_choice]
    last_choice = choices[-1].name if len(choices) > 1 else None  # the ones before it are valid
    texts, numbers = (lambda f: f.kind in TEXT_KINDS), (lambda f: f.kind in NUMBER_KINDS)
    candidates = [
        (BASELINE, valid),
        *[(f"valid, with button {n}={v}", baseline(form, hints, (n, v))) for n, v in form.buttons[1:3]],
        ("empty values", _set(valid, form, lambda f: f.kind != "hidden", lambda f, c: [""])),
        ("10,000-character text", _set(valid, form, texts, lambda f, c: [LONG_TEXT])),
        ("NUL byte inside text", _set(valid, form, texts, _with_nul)),
        ("right-to-left and emoji text", _set(valid, form, texts, lambda f, c: [RTL_AND_EMOJI])),
        ("negative numbers", _set(valid, form, numbers, lambda f, c: ["-1"])),
        ("huge numbers", _set(valid, form, numbers, lambda f, c: [HUGE_NUMBER])),
        *[
            (f"impossible date {d}", _set(valid, form, lambda f: f.is_date, _impossible_date(d)))
            for d in IMPOSSIBLE_DATES
        ],
        ("unknown choices", _set(valid, form, lambda f: f.is_choice, _unknown_choice)),
        (f"unknown choice in {last_choice} only", _set(valid, form, lambda f: f.name == last_choice, _unknown_choice)),
        ("every field twice, with another value", _duplicated(valid, form)),
    ]
    seen, chosen = set(), []
    for label, data in candidates:
        key = None if data is None else repr(sorted(data.items()))
        if key is not None and key not in seen:
            seen.add(key)
            chosen.append((label, data))
    return chosen


# --- Rows: what a refused post must leave alone ---------------------------------------------------

TRACKED_APPS = ("practice", "clients", "therapy_sessions", "referrals", "outreach")
# Written on any request that reads health information (the audit trail of reads). Sessions and
# django-axes' attempts and logs live in other apps and are not tracked either.
WRITTEN_ON_ANY_REQUEST = {"practice.AuditEvent"}
# Rows a view writes on purpose when it refuses (model -> the fields it may change; None: any row):
# the partner's page records every wrong code and counts it, as a lock-out counts failed sign-ins.
WRITTEN_WHEN_REFUSED = {
    "outreach:shared-report": {"outreach.ShareAccess": None, "outreach.ReportShare": {"code_failures"}},
}


def tracked_models() -> list:
    return [
        model
        for label in TRACKED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label not in WRITTEN_ON_ANY_REQUEST
    ]


TRACKED_MODELS = tracked_models()


def fingerprint() -> list[str]:
    """One digest per tracked table, all in one query (rows compared as text, in a stable order), so
    that rows are read only from a table that did change."""
    quote = connection.ops.quote_name
    query = " UNION ALL ".join(
        f"SELECT {n}, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {quote(model._meta.db_table)} t"
        for n, model in enumerate(TRACKED_MODELS)
    )
    with across_practices("test: the fuzz sweep digests whole tables to prove a refused post wrote nothing"):
        with connection.cursor() as cursor:
            cursor.execute(query)
            return [digest for _, digest in sorted(cursor.fetchall())]


def rows_of(model) -> dict:
    with scopes_disabled(), across_practices("test: the fuzz sweep compares the rows of a table that changed"):
        return {row[model._meta.pk.attname]: row for row in model._base_manager.values()}


def describe_changes(model, before: dict, after: dict, allowed_fields: set) -> list[str]:
    """'+1 row', '-1 row' or '<pk> changed <fields>' for one table."""
    label, found = model._meta.label, []
    for sign, pks in (("+", after.keys() - before.keys()), ("-", before.keys() - after.keys())):
        if pks:
            found.append(f"{label}: {sign}{len(pks)} row{'s' if len(pks) > 1 else ''}")
    for pk in before.keys() & after.keys():
        changed = [name for name, value in after[pk].items() if before[pk].get(name) != value]
        changed = [name for name in changed if name not in allowed_fields]
        if changed:
            found.append(f"{label} {pk}: changed {', '.join(sorted(changed))}")
    return found


def changes_since(before: list[str], savepoint, allowed: dict) -> list[str]:
    """What the post changed in tracked tables; `savepoint` holds the state before it (it is rolled
    back to here, to read the rows as they were)."""
    # An exception inside a save marks the transaction for rollback even when the database is fine
    # (psycopg refuses a NUL byte before sending anything), and the rows can still be read.
    transaction.set_rollback(False)
    try:
        after = fingerprint()
    except DatabaseError as error:  # the view's own failed query aborted the transaction
        return [f"(rows could not be compared: {str(error).strip().splitlines()[0]})"]
    differing = [model for model, old, new in zip(TRACKED_MODELS, before, after, strict=True) if old != new]
    differing = [model for model in differing if allowed.get(model._meta.label, ()) is not None]
    after_rows = {model: rows_of(model) for model in differing}
    transaction.savepoint_rollback(savepoint)
    found = []
    for model in differing:
        found += describe_changes(model, rows_of(model), after_rows[model], allowed.get(model._meta.label) or set())
    return found


# --- Posting ----------------------------------------------------------------------------------------

# How a page says it refused what was sent: crispy's invalid fields, an error box, an alert.
ERROR_MARKERS = (b"is-invalid", b"invalid-feedback", b'role="alert"', b"alert-danger")


@dataclass
class Outcome:
    mutation: str
    status: int  # 500 as well when an exception escaped the view
    error: str = ""  # the exception, and where it was raised
    refused: bool = False
    reason: str = ""  # what a refusing page said
    changes: list = dataclasses.field(default_factory=list)


def error_messages(response) -> list[str]:
    """Error-level messages the view queued (how a redirect carries its refusal)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is None:
        return []
    queued = [*(getattr(storage, "_loaded_data", None) or []), *storage._queued_messages]
    return [str(message) for message in queued if message.level >= messages.ERROR]


def is_refusal(response) -> bool:
    if response.status_code >= 400 or error_messages(response):
        return True
    if 300 <= response.status_code < 400:
        return False
    return "html" in response.get("Content-Type", "") and any(marker in response.content for marker in ERROR_MARKERS)


def _bound_forms(value, depth=0):
    """The bound forms in a template context (forms sit in dicts and lists too: setup's forms)."""
    if isinstance(value, BaseForm):
        yield from [value] if value.is_bound else []
    elif hasattr(value, "flatten") and depth < 3:
        yield from _bound_forms(value.flatten(), depth + 1)
    elif isinstance(value, dict | list | tuple) and depth < 3:
        for item in value.values() if isinstance(value, dict) else value:
            yield from _bound_forms(item, depth + 1)


def refusal_reason(response) -> str:
    """What the page said was wrong: its bound forms' errors, and its error messages."""
    found = [
        f"{name}: {' '.join(errors)}" for form in _bound_forms(response.context) for name, errors in form.errors.items()
    ]
    said = response.context.get("error") if response.context is not None else None  # hand-made forms say it so
    found += [said] if isinstance(said, str) and said else []
    return "; ".join(dict.fromkeys(found + error_messages(response)))[:300]


PROJECT = f"{settings.BASE_DIR}/"


def where_it_broke(error: BaseException) -> str:
    """The exception's last line, the innermost frame of Rebook's own code and the view's frame."""
    frames, tb = [], error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(PROJECT) and not any(part in filename for part in ("/.venv/", "/tests/", "middleware")):
            frames.append(f"{filename.removeprefix(PROJECT)}:{tb.tb_lineno}")
        tb = tb.tb_next
    place = ""
    if frames:
        place = f" (at {frames[-1]}" + (f", from {frames[0]}" if len(frames) > 1 else "") + ")"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}{place}"


def _fresh_rate_limits() -> None:
    """Rate limits count in the cache, which no rollback undoes: without this, the fifth post to a
    public form would be answered 429 instead of being tested. Only a per-process memory cache is
    cleared; a shared one is never wiped."""
    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        cache.clear()


def post(browser: Client, url: str, data: dict, *, htmx: bool, mutation: str, before: list, allowed: dict) -> Outcome:
    """Post once, judge the answer, compare the rows if it was a refusal, and undo it all."""
    _fresh_rate_limits()
    cookies = copy.deepcopy(browser.cookies)
    savepoint = transaction.savepoint()
    try:
        try:
            response = browser.post(url, data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
        except Exception as error:  # an exception escaping the view is what the sweep is here to find
            outcome = Outcome(mutation, 500, where_it_broke(error), refused=True)
        else:
            refused = is_refusal(response)
            outcome = Outcome(mutation, response.status_code, refused=refused)
            # Only a refused baseline is explained: walking every template context costs time.
            outcome.reason = refusal_reason(response) if refused and mutation == BASELINE else ""
        if outcome.refused:
            outcome.changes = changes_since(before, savepoint, allowed)
    finally:
        transaction.savepoint_rollback(savepoint)
        transaction.set_rollback(False)  # back to the state before the post, which was sound
        browser.cookies = cookies
    return outcome


def problems_in(outcome: Outcome, *, csrf: bool = False, csrf_exempt: bool = False) -> list[str]:
    found = []
    if outcome.status >= 500:
        found.append(f"answered {outcome.status}" + (f": {outcome.error}" if outcome.error else ""))
    elif csrf and not csrf_exempt and outcome.status != 403:
        found.append(f"answered {outcome.status} without a CSRF token, not 403")
    if outcome.changes:
        found.append(f"refused ({outcome.status}) but changed rows: {'; '.join(outcome.changes)}")
    return [f"{outcome.mutation}: {problem}" for problem in found]


# --- The sweep's world, browsers and catalogue of forms ------------------------------------------


@dataclass
class Sweep:
    world: World
    browsers: dict  # role (None: anonymous) -> a signed-in test client
    csrf_browsers: dict  # the same people, in browsers that check CSRF tokens
    get_status: dict = dataclasses.field(default_factory=dict)  # route name -> what a GET answered
    forms_by_target: dict = dataclasses.field(default_factory=dict)  # path -> [Form]
    forms_by_route: dict = dataclasses.field(default_factory=dict)  # route name -> [Form]
    figures: Counter = dataclasses.field(default_factory=Counter)
    notes: list = dataclasses.field(default_factory=list)  # printed with the figures

    def url_of(self, route: Route) -> str:
        return reverse(route.name, kwargs=self.world.url_kwargs(route.name, route.params))

    def forms_for(self, url: str, route: Route) -> list[Form]:
        return self.forms_by_target.get(url) or self.forms_by_route.get(route.name) or []

    def catalogue(self, forms: list[Form]) -> None:
        for form in forms:
            try:
                route_name = resolve(form.target).view_name
            except Resolver404:
                continue
            for index, key in ((self.forms_by_target, form.target), (self.forms_by_route, route_name)):
                known = index.setdefault(key, [])
                if form.signature not in {other.signature for other in known}:
                    known.append(form)


def _browsers(world: World, *, enforce_csrf_checks: bool) -> dict:
    browsers = {None: Client(enforce_csrf_checks=enforce_csrf_checks)}
    for role, user in world.people.items():
        browsers[role] = Client(enforce_csrf_checks=enforce_csrf_checks)
        browsers[role].force_login(user)
    return browsers


def _read_page(sweep: Sweep, route: Route, url: str, browser: Client) -> None:
    """GET the page (after its primer), and each GET form on it once; catalogue the POST forms."""
    primer = sweep.world.primers.get(route.name)
    if primer:
        browser.get(primer())
    response = browser.get(url)
    sweep.get_status.setdefault(route.name, response.status_code)
    sweep.figures["pages read"] += 1
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return
    forms = forms_on(url, response.content.decode())
    for form in [form for form in forms if form.method == "get"]:  # once: not the pages they lead to
        query = urlencode(baseline(form, sweep.world.hints), doseq=True)
        answer = browser.get(f"{form.target}?{query}")
        sweep.figures["pages read"] += 1
        if answer.status_code == 200 and "html" in answer.get("Content-Type", ""):
            forms += forms_on(form.target, answer.content.decode())
    sweep.catalogue([form for form in forms if form.method == "post"])


def _pages(sweep: Sweep):
    """(route, URL) of every page the world can fill, and the world's extra pages."""
    by_name = {route.name: route for route in ROUTES}
    for route in ROUTES:
        try:
            yield route, sweep.url_of(route)
        except UnfilledURLParameter:
            continue  # that view's own case fails and says why
    for name, kwargs in sweep.world.extra_pages:
        yield by_name[name], reverse(name, kwargs=kwargs)


def _crawl(sweep: Sweep) -> None:
    """Read every page as the role that may see it, each in a savepoint rolled back after it."""
    for route, url in _pages(sweep):
        browser = sweep.browsers[role_for(route)]
        cookies = copy.deepcopy(browser.cookies)
        savepoint = transaction.savepoint()
        try:
            _read_page(sweep, route, url, browser)
        except Exception as error:  # a page that cannot be read offers no forms; said at the end
            sweep.notes.append(f"GET {route.name} failed: {where_it_broke(error)}")
        finally:
            transaction.savepoint_rollback(savepoint)
            transaction.set_rollback(False)
            browser.cookies = cookies


@pytest.fixture(scope="module")
def sweep(django_db_setup, django_db_blocker, pytestconfig, tmp_path_factory):
    """The world, its browsers and forms, built once per test process in a transaction rolled back
    when the module is done."""
    private_files = override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("fuzz-private"))
    with private_files, django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        found = Sweep(world, _browsers(world, enforce_csrf_checks=False), _browsers(world, enforce_csrf_checks=True))
        _crawl(found)
        yield found
        transaction.set_rollback(True)
    _print_figures(found, pytestconfig)


def _print_figures(sweep: Sweep, pytestconfig) -> None:
    figures = sweep.figures
    lines = [
        f"form fuzz sweep: {figures['views swept']} views swept, {figures['posts']} posts, "
        f"{figures['500s']} answered 500; {figures['no POST']} views answer 405 to POST; "
        f"{figures['pages read']} pages read for their forms",
        *[f"  {note}" for note in sweep.notes],
    ]
    text = "\n" + "\n".join(lines)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # A worker's own output goes nowhere: captured, the figures join the last case's report
        # (shown with -rA), as each worker's share.
        print(text)
        return
    with pytestconfig.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print(text)


# --- The sweep ----------------------------------------------------------------------------------------


def _posts_for(sweep: Sweep, url: str, route: Route) -> list[tuple[Form, list]]:
    """(form, [(mutation, data)]) for the view: its forms' mutations; stand-ins for a POST-only
    view no page points at; one all-at-once post for a page that has no POST form."""
    hints = sweep.world.hints
    forms = sweep.forms_for(url, route)
    if forms:
        return [(form, mutations(form, hints)) for form in forms]
    if sweep.get_status.get(route.name) == 405:
        return [(STAND_IN_FORM, mutations(STAND_IN_FORM, hints))]
    plain = Form(target=url, page="(a page without a POST form)")
    return [(plain, [("every mutation at once, under plausible names", EVERYTHING_AT_ONCE)])]


@dataclass
class Case:
    """One view's posts: who sends them, where, and the state every refusal must leave alone."""

    sweep: Sweep
    route: Route
    url: str
    role: str | None
    before: list = dataclasses.field(default_factory=list)  # the fingerprint before any post
    problems: list = dataclasses.field(default_factory=list)

    def send(self, form: Form, mutation: str, data: dict, *, without_csrf: bool = False) -> Outcome:
        browsers = self.sweep.csrf_browsers if without_csrf else self.sweep.browsers
        allowed = WRITTEN_WHEN_REFUSED.get(self.route.name, {})
        outcome = post(
            browsers[self.role], self.url, data, htmx=form.htmx, mutation=mutation, before=self.before, allowed=allowed
        )
        self.sweep.figures["posts"] += 1
        self.sweep.figures["500s"] += outcome.status >= 500
        csrf_exempt = getattr(self.route.callback, "csrf_exempt", False)
        self.problems += problems_in(outcome, csrf=without_csrf, csrf_exempt=csrf_exempt)
        return outcome

    def note_a_refused_baseline(self, form: Form, outcome: Outcome) -> None:
        """A baseline the view refuses tests its refusal, not the mutated field: said at the end,
        so that the world or the plausible values can be put right."""
        if outcome.mutation == BASELINE and outcome.refused and outcome.status < 500:
            self.sweep.notes.append(
                f"valid baseline refused: {self.route.name} ({form.page}): {outcome.status} {outcome.reason}"
            )


def _prime(sweep: Sweep, route: Route) -> None:
    primer = sweep.world.primers.get(route.name)
    for role_browsers in (sweep.browsers, sweep.csrf_browsers) if primer else ():
        role_browsers[role_for(route)].get(primer())


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
def test_it_survives_hostile_posts_to(route, sweep):
    try:
        case = Case(sweep, route, sweep.url_of(route), role_for(route))
    except UnfilledURLParameter as missing:
        pytest.fail(str(missing), pytrace=False)
    _prime(sweep, route)
    case.before = fingerprint()
    for form, posts in _posts_for(sweep, case.url, route):
        for mutation, data in posts:
            outcome = case.send(form, mutation, data)
            if outcome.status == 405:  # the view does not accept POST
                sweep.figures["no POST"] += 1
                return
            case.note_a_refused_baseline(form, outcome)
        case.send(form, "no CSRF token", posts[0][1], without_csrf=True)
    sweep.figures["views swept"] += 1
    if case.problems:
        who = case.role or "an anonymous visitor"
        pytest.fail(f"{route.name} ({case.url} as {who}):\n  " + "\n  ".join(case.problems), pytrace=False)
