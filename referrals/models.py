"""referrals models: built by a later issue; the app exists so its label and migrations start clean."""
