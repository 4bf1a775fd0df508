"""Benchmark: rendering a 20-visit progress report to PDF with WeasyPrint.

    .venv/bin/python bench/report_render.py [report.pdf]     (or: make bench)

Seeds a practice "bench-reports" (once) with a client who had 20 visits with signed notes and pain
ratings, a partner and a signed release, then signs a fresh report and renders it the way the
worker does, several times. Prints the median and worst render time and CPU time, the PDF's pages
and size, the peak Python memory of one render (tracemalloc) and the process's peak resident memory
(which also counts Pango's and cairo's allocations). Goal: under 1 s of CPU and 120 MB. With a file
name, the PDF is also written there, to look at (e.g. `pdftoppm -png -r 60 report.pdf page`).
"""

import os
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402
from django_scopes import scope  # noqa: E402

from clients.models import Client  # noqa: E402
from outreach.pdf import html_to_pdf  # noqa: E402
from outreach.releases import release_record, valid_release  # noqa: E402
from outreach.reports import default_period, report_create, report_html, report_sign  # noqa: E402
from practice.models import Membership, Practice, User  # noqa: E402
from referrals.models import Partner  # noqa: E402
from sessions.models import Appointment, Service, SessionNote  # noqa: E402

VISITS = 20
RUNS = 5


def seed() -> tuple[Practice, User, Client, Partner]:
    practice, _ = Practice.objects.get_or_create(
        slug="bench-reports",
        defaults={
            "name": "Bench Reports Massage",
            "time_zone": "America/New_York",
            "address": "1 Example Street\nPortsmouth",
            "phone": "+1 603 555 0100",
        },
    )
    therapist, _ = User.objects.get_or_create(
        email="therapist@bench-reports.example", defaults={"first_name": "Bench", "last_name": "Therapist"}
    )
    Membership.objects.get_or_create(practice=practice, user=therapist, defaults={"role": "therapist"})
    with scope(practice=practice):
        client = Client.objects.filter(practice=practice).first()
        if client is None:
            client = Client.objects.create(
                practice=practice, first_name="Sample", last_name="Client", date_of_birth=datetime(1980, 1, 1).date()
            )
            service = Service.objects.create(practice=practice, name="Therapeutic massage 60")
            today = timezone.localdate(timezone=practice.zone)
            for n in range(VISITS):  # every fourth day, ending yesterday: all inside the default period
                starts = datetime.combine(
                    today - timedelta(days=1 + 4 * (VISITS - 1 - n)), clock(10), tzinfo=practice.zone
                )
                visit = Appointment.objects.create(
                    practice=practice,
                    client=client,
                    therapist=therapist,
                    service=service,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    blocked_until=starts + timedelta(hours=1),
                    status="completed",
                )
                SessionNote.objects.create(
                    practice=practice,
                    visit=visit,
                    client=client,
                    therapist=therapist,
                    pressure_used="firm",
                    areas_worked=["neck", "upper_back", "lower_back"],
                    pain_ratings={"neck": max(1, 9 - n // 3), "lower_back": max(0, 7 - n // 4)},
                    subjective="Stiff in the mornings.",
                    assessment="Responded well.",
                    duration_minutes=60,
                    tissue_quality="Hypertonic paraspinals.",
                    plan_focus="Lower back.",
                    plan_interval_days=7,
                    signed_at=starts + timedelta(hours=1),
                )
        partner = Partner.objects.filter(practice=practice).first() or Partner.objects.create(
            practice=practice, organisation="Sample Chiropractic", kind="chiropractor", email="dr@sample.example"
        )
        if valid_release(client=client, partner=partner) is None:
            release_record(client=client, partner=partner, signed_name=client.full_name, actor=therapist)
    return practice, therapist, client, partner


def main():
    practice, therapist, client, partner = seed()
    with scope(practice=practice):
        start, end = default_period(practice)
        report = report_create(client=client, partner=partner, period_start=start, period_end=end, actor=therapist)
        report_sign(report=report, actor=therapist)
        html = report_html(report)
        visits = len(report.facts["visits"])
        html_to_pdf(html)  # warm up: fonts and Pango load once per process
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        timings, cpu = [], []
        for _ in range(RUNS):
            began, began_cpu = time.perf_counter(), time.process_time()
            pdf = html_to_pdf(report_html(report))
            timings.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before tracemalloc, which costs memory too
        tracemalloc.start()
        html_to_pdf(report_html(report))
        python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        report.delete()  # the benchmark leaves no report behind
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_bytes(pdf.content)
    print(f"progress report with {visits} visits: {pdf.pages} pages, {len(pdf.content) / 1024:.0f} KiB")
    print(
        f"  render (template + WeasyPrint), {RUNS} runs: median {statistics.median(timings) * 1000:.0f} ms, "
        f"worst {max(timings) * 1000:.0f} ms; CPU median {statistics.median(cpu) * 1000:.0f} ms, "
        f"worst {max(cpu) * 1000:.0f} ms (goal: under 1 s of CPU)"
    )
    print(f"  peak Python memory of one render: {python_peak / 2**20:.1f} MiB (tracemalloc)")
    print(
        f"  peak resident memory of the process: {rss_peak / 1024:.0f} MiB "
        f"({rss_before / 1024:.0f} MiB after the warm-up render; goal: under 120 MB)"
    )


if __name__ == "__main__":
    main()
