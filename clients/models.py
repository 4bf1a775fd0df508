"""Clients of a practice. The clients-and-intake issue grows this into the full record and the
versioned intake; the foundation needs the tenant-owned record itself for demo data and tests."""

from django.db import models

from practice.models import TenantModel


class Client(TenantModel):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["practice", "last_name", "first_name"], name="client_practice_name")]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"
