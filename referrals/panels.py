"""The owner's home: referral partners whose next contact is due."""

from .selectors import contacts_due


def contacts_due_panel(request):
    if not request.membership.has_perm("partners.manage"):
        return None
    due = list(contacts_due(practice=request.practice)[:8])
    return ("referrals/_contacts_due_panel.html", {"due": due}) if due else None
