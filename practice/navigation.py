"""The main navigation: each entry names the permission it needs, so a role sees what it may use."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    manage: bool = False  # running the practice rather than the day: grouped under "Manage"


# Later features add their entries here (clients, calendar, call list, referrals, newsletters).
NAV_ITEMS = [
    NavItem("Home", "practice:practice-home", "practice.view"),
    NavItem("Calendar", "sessions:day", "calendar.view"),
    NavItem("My day", "sessions:today", "calendar.view"),
    NavItem("Clients", "clients:client-list", "clients.view"),
    NavItem("Calls", "outreach:call-list", "calls.work"),
    NavItem("Requests", "referrals:requests", "referrals.attribute"),
    NavItem("Figures", "sessions:figures", "figures.view"),
    NavItem("Partners", "referrals:board", "partners.manage"),
    NavItem("Reports", "outreach:report-list", "reports.manage"),
    NavItem("Outbox", "outreach:outbox-list", "outbox.view"),
    NavItem("Staff", "practice:staff-list", "staff.manage", manage=True),
    NavItem("Audit log", "practice:audit-list", "audit.view", manage=True),
    NavItem("Schedule", "sessions:setup", "schedule.manage", manage=True),
    NavItem("Newsletters", "outreach:newsletter-list", "newsletters.manage", manage=True),
    NavItem("Follow-ups", "outreach:followup-settings", "outreach.settings", manage=True),
    NavItem("Settings", "practice:practice-settings", "practice.settings", manage=True),
]
