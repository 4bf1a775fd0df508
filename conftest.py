"""Test personas (after healthchecks' alice/bob/charlie): an owner, a therapist and a front desk of
one practice, an outsider who owns another practice, and the anonymous visitor (pytest-django's
plain `client`); and a page in a real browser for user journeys."""

import os
import shutil

import pytest
from django.test import Client

from practice.models import Membership
from practice.tests.factories import MembershipFactory, PracticeFactory

Role = Membership.Role


@pytest.fixture
def practice(db):
    return PracticeFactory(name="Harbour Test Massage", slug="harbour-test")


@pytest.fixture
def other_practice(db):
    return PracticeFactory(name="Elsewhere Bodywork", slug="elsewhere")


def _member(practice, role, email):
    return MembershipFactory(practice=practice, role=role, user__email=email).user


@pytest.fixture
def owner(practice):
    return _member(practice, Role.OWNER, "owner@harbour-test.example")


@pytest.fixture
def therapist(practice):
    return _member(practice, Role.THERAPIST, "therapist@harbour-test.example")


@pytest.fixture
def front_desk(practice):
    return _member(practice, Role.FRONT_DESK, "desk@harbour-test.example")


@pytest.fixture
def outsider(other_practice):
    """Owns another practice: every permission there, none here."""
    return _member(other_practice, Role.OWNER, "owner@elsewhere.example")


@pytest.fixture
def personas(owner, therapist, front_desk, outsider):
    return {"owner": owner, "therapist": therapist, "front_desk": front_desk, "outsider": outsider}


@pytest.fixture
def send_outbox():
    """Run the outbox pipeline in this process, as beat and a worker would: claim what is due and
    deliver each message. Returns the statuses reached. (Real-worker tests live in outreach.)"""
    from outbox.dispatch import claim_due_messages, deliver

    def run():
        return [deliver(*claim) for claim in claim_due_messages()]

    return run


@pytest.fixture
def smtp():
    """An SMTP server on loopback that keeps what it receives (outreach/tests/live.py)."""
    from outreach.tests.live import SmtpSink

    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def client_for():
    """A fresh test client signed in as `user` (one per call, so several can be used side by side)."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def require_program(program: str, package: str) -> None:
    """Skip the test when `program` is not installed, or fail it when REBOOK_STRICT_TESTS is set (CI
    sets it: there a missing tool must not pass as a skip)."""
    if shutil.which(program):
        return
    if os.environ.get("REBOOK_STRICT_TESTS"):
        pytest.fail(
            f"{program} is missing (apt-get install {package}); REBOOK_STRICT_TESTS forbids skipping", pytrace=False
        )
    pytest.skip(f"{program} is not installed (apt-get install {package})")


@pytest.fixture(name="require_program")
def require_program_fixture():
    return require_program


# --- Test databases: migrated once, copied for each test process ----------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix, django_db_blocker):
    """pytest-django's hook for the database settings, which have their process suffix (_gw0 …) by
    now. With several processes, the first to arrive migrates a template database and each process's
    database is a copy of it (CREATE DATABASE … TEMPLATE, about a second) instead of running every
    migration itself: on 2 cores, three processes migrating at once cost half a minute. Django's own
    setup then finds the database there (--reuse-db) and applies nothing. With --create-db (CI) the
    process's database is copied afresh."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        with django_db_blocker.unblock():
            _copy_of_the_migrated_template(afresh=request.config.getvalue("create_db"))


@pytest.fixture(scope="session")
def django_db_createdb(request):
    """--create-db: a fresh database. With several processes each is already a fresh copy of the
    template (above), which Django must keep rather than drop and migrate again."""
    return request.config.getvalue("create_db") and not os.environ.get("PYTEST_XDIST_WORKER")


def _copy_of_the_migrated_template(*, afresh: bool) -> None:
    import fcntl
    import hashlib
    import tempfile
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    name = connection.creation._get_test_db_name()
    if _database_exists(name):
        if not afresh:
            return  # kept from an earlier run (--reuse-db): Django migrates what it lacks
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    migrations = sorted(Path(settings.BASE_DIR).glob("*/migrations/*.py"))
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in migrations)).hexdigest()[:10]
    template = f"{name.rsplit('_gw', 1)[0]}_tpl_{digest}"  # a new migration makes a new template
    lock_path = Path(tempfile.gettempdir()) / f"{template}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process migrates; the others wait, then copy
        if not _database_exists(template):
            _migrate_into(template)
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def _database_exists(name: str) -> bool:
    from django.db import connection

    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _migrate_into(template: str) -> None:
    """Migrate a database under a temporary name, then give it the template's name: a run killed
    half-way leaves no half-migrated template behind."""
    from django.conf import settings
    from django.db import connection

    building = f"{template}_building"
    test_settings, saved = connection.settings_dict["TEST"], dict(connection.settings_dict)
    saved_test_name = test_settings.get("NAME")
    test_settings["NAME"] = building
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        connection.close()
        test_settings["NAME"] = saved_test_name
        connection.settings_dict["NAME"] = saved["NAME"]
        settings.DATABASES[connection.alias]["NAME"] = saved["NAME"]
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')


@pytest.fixture(scope="session", autouse=True)
def _leave_the_broker_empty():
    """Views in transactional tests publish tasks after commit (render a report, dispatch soon) to the
    configured broker, where no worker of this run takes them. Each test process publishes to a queue
    of its own (config.settings.test) and deletes it at the end, so nothing is left queued."""
    yield
    from django.conf import settings

    from config.celery_app import app

    name = settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        with app.connection_for_write() as connection:
            # Declared first, so that deleting it removes its exchange binding too.
            queue = app.amqp.queues[name].bind(connection.default_channel)
            queue.declare()
            queue.delete()
    except Exception as error:  # an unreachable broker holds nothing of ours either
        print(f"could not delete the test queue {name}: {error!r}")


CHROMIUM = "/usr/bin/chromium"
# Without these flags Chromium tries to reach Google's services on a closed network and stalls.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


SERIOUS = ("serious", "critical")  # axe-core's impacts that fail a journey


def _described(violations, url) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}) on {url}: {v['help']}: "
        + "; ".join(
            f"{node['html'][:90]} ({node['failureSummary'].splitlines()[-1].strip()[:120]})" for node in v["nodes"][:4]
        )
        for v in violations
        if v["impact"] in SERIOUS
    ]


def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state()  # not halfway through a navigation the journey's last click started
    watch = AxeOnEveryPage.of(page)
    if watch:
        watch.wait_until_checked()  # one axe run at a time in a page
    return _described(Axe().run(page).response["violations"], page.url)


@pytest.fixture(name="assert_accessible")
def assert_accessible_fixture():
    """Check a screen mid-journey, after an htmx swap say (every page a journey loads is checked anyway)."""

    def check(page):
        assert not accessibility_problems(page)

    return check


# The page runs axe-core itself once its document is ready and reports through a binding. Python cannot
# ask: Playwright answers no evaluate while a navigation is pending (a sync-API event handler or a route
# handler that evaluates deadlocks the journey's next click), but the page's own scripts keep running and
# a binding still reaches Python then. The script is added as an init script, which the CSP does not see.
_AXE_ON_READY = """
(() => {
  if (window !== window.top || !location.protocol.startsWith("http")) return;
  const check = () => {
    window.__rebookAxe({state: "started"});
    axe.run(document, {resultTypes: ["violations"]}).then(  // no details of what passed: faster
      (results) => window.__rebookAxe({state: "done", url: location.href, violations: results.violations.filter(
        (v) => v.impact === "serious" || v.impact === "critical")}),
      (error) => window.__rebookAxe({state: "done", url: location.href, error: String(error)}));
  };
  // After the page's own DOMContentLoaded handlers; its stylesheets are in by then (base.html's
  // scripts at the end of <body> wait for them).
  const soon = () => setTimeout(check, 0);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", soon); else soon();
})();
"""


class AxeOnEveryPage:
    """axe-core on every document a page loads, not only where the journey ends: each document checks
    itself when ready, and the page's next navigation is held (by a route) until that check is in."""

    WAIT_MS = 20
    PATIENCE_MS = 20_000

    def __init__(self, page, problems: list):
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.problems, self.running, self.checked = page, problems, False, []
        page._rebook_axe = self
        page.expose_binding("__rebookAxe", lambda source, report: self._reported(report))
        page.add_init_script(Axe().axe_script + "\n" + _AXE_ON_READY)
        page.route("**/*", self._hold_navigation)

    @staticmethod
    def of(page):
        return getattr(page, "_rebook_axe", None)

    def _reported(self, report):
        if report["state"] == "started":
            self.running = True
            return
        self.running = False
        self.checked.append(report["url"])
        if report.get("error"):
            self.problems.append(f"axe-core failed on {report['url']}: {report['error']}")
        else:
            self.problems += _described(report["violations"], report["url"])

    def _hold_navigation(self, route):
        request = route.request
        try:
            if request.is_navigation_request() and request.frame == self.page.main_frame:
                self.wait_until_checked()
        finally:
            route.fallback()

    def wait_until_checked(self):
        """Until the current document's check is in (Playwright's own timer: bindings keep arriving)."""
        waited = 0
        while self.running and waited < self.PATIENCE_MS:
            self.page.wait_for_timeout(self.WAIT_MS)
            waited += self.WAIT_MS
        if self.running:
            self.running = False
            self.problems.append(f"axe-core did not finish on {self.page.url} within {self.PATIENCE_MS} ms")


class WatchedBrowser:
    """The launched browser; every page it opens reports console errors, uncaught exceptions and
    axe-core's serious violations on every document it loads."""

    def __init__(self, launched):
        self._launched = launched
        self.pages = []
        self.problems = []
        self.expected = []  # console texts a journey causes on purpose (allow)

    def allow(self, *texts: str) -> None:
        """Console errors containing any of `texts` are the journey's own doing (a request it fails on
        purpose). Judged when the test ends: Chromium may report them after the step that caused them."""
        self.expected += texts

    def unexpected_problems(self) -> list[str]:
        return [problem for problem in self.problems if not any(text in problem for text in self.expected)]

    # Reduced motion turns Bootstrap's colour transitions off, so axe-core reads a button's
    # colours as they are, not half-way through a hover fade (a false contrast failure).
    STILL = {"reduced_motion": "reduce"}

    def new_page(self, **options):
        return self._watch(self._launched.new_page(**{**self.STILL, **options}))

    def new_context(self, **options):
        context = self._launched.new_context(**{**self.STILL, **options})
        context.on("page", self._watch)
        return context

    def _watch(self, page):
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception on {page.url}: {error}"))
        AxeOnEveryPage(page, self.problems)
        self.pages.append(page)
        return page

    def _console(self, page, message):
        # A page the test opened may answer 4xx on purpose (a form with errors is a 400); Chromium
        # logs that as an error too. Anything else failing to load (a script, a style) counts.
        its_own_status = message.text.startswith("Failed to load resource") and message.location.get("url") == page.url
        if message.type == "error" and not its_own_status:
            self.problems.append(f"console error on {page.url}: {message.text}")

    def __getattr__(self, name):
        return getattr(self._launched, name)


@pytest.fixture
def browser():
    """Headless chromium (skipped without /usr/bin/chromium, failed instead under REBOOK_STRICT_TESTS).
    When the test ends, every page it opened must have logged no console error or uncaught
    exception, and must have shown no serious accessibility violation (axe-core) on any document it
    loaded, nor where it ended (after any htmx swaps)."""
    require_program(CHROMIUM, "chromium")
    # Playwright's sync API runs an event loop in this thread; the ORM calls that tests make around
    # it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        watched = WatchedBrowser(playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS))
        yield watched
        at_the_end = [
            problem
            for page in watched.pages
            if not page.is_closed() and page.url.startswith("http")
            for problem in accessibility_problems(page)
        ]
        # A page's own check and the last one may report the same problem: once is enough.
        problems = list(dict.fromkeys(watched.unexpected_problems() + at_the_end))
        watched.close()
        assert not problems, "\n".join(problems)


@pytest.fixture
def browser_page(browser):
    """A fresh page at a tablet-sized viewport."""
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.set_default_timeout(15_000)
    return page


@pytest.fixture(name="main_menu")
def main_menu_fixture():
    """The main navigation of `page`, opened first where it is collapsed behind its toggler (below
    1200 px, as on a tablet), the way a person would."""

    def open_menu(page):
        nav = page.get_by_role("navigation", name="Main")
        toggler = nav.get_by_role("button", name="Show navigation")
        if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
            toggler.click()
            nav.locator(".navbar-collapse.show").wait_for()
        return nav

    return open_menu


@pytest.fixture
def sign_in(live_server):
    """Sign `page` in through the login form as `email` and wait for the practice home."""
    from practice.tests.factories import PASSWORD

    def run(page, email, *, password=PASSWORD, practice_slug):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/p/{practice_slug}/")

    return run


# --- The query checker (practice/tests/tenant_sql.py) ------------------------------------------


class TenantSqlWatch:
    """Reads every statement run on any connection (the live server's thread included) while a
    test runs; what a sharded database could not route fails the test at teardown. A statement
    the test's own code runs (reading rows back to assert on them) is counted apart: the app
    never runs it."""

    def __init__(self):
        self.problems: list[str] = []
        self.checked = 0
        self.by_tests = 0
        self.across: dict[str, int] = {}

    def __call__(self, execute, sql, params, many, context):
        from practice.tenancy import current_reason
        from practice.tests.tenant_sql import statement_problems

        reason = current_reason()
        if reason:
            self.across[reason] = self.across.get(reason, 0) + 1
        else:
            self.checked += 1
            problems = statement_problems(sql)
            if problems:
                place = _app_frame()
                if place is None:
                    self.by_tests += 1
                else:
                    self.problems += [f"{problem} ({place}): {sql[:300]}" for problem in problems]
        return execute(sql, params, many, context)


def _app_frame() -> str | None:
    """Where in the app's own code a statement comes from (innermost first), or None when the
    innermost project frame is a test's."""
    import traceback

    root = os.path.dirname(os.path.abspath(__file__))
    plumbing = {os.path.join(root, "practice", name) for name in ("models.py", "tenancy.py")}  # the ORM's own
    for frame in reversed(traceback.extract_stack()):
        path = os.path.abspath(frame.filename)
        if not path.startswith(root) or "/.venv/" in path or path == os.path.abspath(__file__) or path in plumbing:
            continue
        relative = os.path.relpath(path, root)
        return None if "/tests/" in f"/{relative}" else f"{relative}:{frame.lineno}"
    return None


SQL_TOTALS = {"checked": 0, "by_tests": 0, "across": {}}


def _add_totals(into: dict, more: dict) -> None:
    into["checked"] += more["checked"]
    into["by_tests"] += more["by_tests"]
    for reason, count in more["across"].items():
        into["across"][reason] = into["across"].get(reason, 0) + count


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):  # an xdist worker hands its figures to the controller
        session.config.workeroutput["sql_totals"] = SQL_TOTALS


def pytest_testnodedown(node, error):
    if "sql_totals" in getattr(node, "workeroutput", {}):
        _add_totals(SQL_TOTALS, node.workeroutput["sql_totals"])


def pytest_terminal_summary(terminalreporter):
    if hasattr(terminalreporter.config, "workeroutput") or not SQL_TOTALS["checked"]:
        return
    write = terminalreporter.write_line
    write(
        f"query checker: {SQL_TOTALS['checked']} statements held to one practice each; of those, "
        f"{SQL_TOTALS['by_tests']} the tests' own reads (not held); across practices by design:"
    )
    for reason, count in sorted(SQL_TOTALS["across"].items()):
        write(f"  {count:6d}  {reason}")


@pytest.fixture(autouse=True)
def tenant_sql_watch(request):
    from django.db import connections
    from django.db.backends.signals import connection_created

    watch = TenantSqlWatch()

    def attach(sender, connection, **kwargs):
        if watch not in connection.execute_wrappers:
            connection.execute_wrappers.append(watch)

    for connection in connections.all(initialized_only=True):
        attach(None, connection)
    connection_created.connect(attach, weak=False, dispatch_uid="tenant-sql-watch")
    yield watch
    connection_created.disconnect(dispatch_uid="tenant-sql-watch")
    for connection in connections.all(initialized_only=True):
        if watch in connection.execute_wrappers:
            connection.execute_wrappers.remove(watch)
    _add_totals(SQL_TOTALS, {"checked": watch.checked, "by_tests": watch.by_tests, "across": watch.across})
    census = os.environ.get("REBOOK_SQL_CENSUS")
    if census:
        import json

        with open(census, "a") as out:
            for problem in watch.problems:
                out.write(json.dumps({"test": request.node.nodeid, "problem": problem}) + "\n")
    elif watch.problems:
        listed = "\n".join(sorted(set(watch.problems))[:20])
        pytest.fail(f"{len(watch.problems)} statements a sharded database could not route:\n{listed}")
