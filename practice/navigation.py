"""The main navigation: each entry names the permission it needs, so a role sees what it may use."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str


# Later features add their entries here (clients, calendar, call list, referrals, newsletters).
NAV_ITEMS = [
    NavItem("Home", "practice:practice-home", "practice.view"),
    NavItem("Calendar", "sessions:day", "calendar.view"),
    NavItem("My day", "sessions:today", "calendar.view"),
    NavItem("Clients", "clients:client-list", "clients.view"),
    NavItem("Figures", "sessions:figures", "figures.view"),
    NavItem("Outbox", "outreach:outbox-list", "outbox.view"),
    NavItem("Staff", "practice:staff-list", "staff.manage"),
    NavItem("Audit log", "practice:audit-list", "audit.view"),
    NavItem("Schedule setup", "sessions:setup", "schedule.manage"),
    NavItem("Settings", "practice:practice-settings", "practice.settings"),
]
