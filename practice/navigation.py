"""The main navigation: each entry names the permission it needs, so a role sees what it may use.
This bottom layer lists its own entries; the apps above add theirs in their AppConfig.ready with
`register_nav` (this module may not name their URLs). `position` keeps the bar's order whoever
registers first."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    position: int
    manage: bool = False  # running the practice rather than the day: grouped under "Manage"


NAV_ITEMS = [
    NavItem("Home", "practice:practice-home", "practice.view", position=0),
    NavItem("Staff", "practice:staff-list", "staff.manage", position=100, manage=True),
    NavItem("Audit log", "practice:audit-list", "audit.view", position=110, manage=True),
    NavItem("Settings", "practice:practice-settings", "practice.settings", position=190, manage=True),
]


def register_nav(*items: NavItem) -> None:
    NAV_ITEMS.extend(items)
    NAV_ITEMS.sort(key=lambda item: item.position)
