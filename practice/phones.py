"""Phone numbers, one way everywhere (clients, requests, partners, the practice): typed as people
type them, read in the practice's country unless they start with + and a country code, and stored
in E.164 (+16035550142), which text messages and tel: links need. Shown in the practice's national
format (`{{ number|phone:practice }}`)."""

import functools
import re

import phonenumbers
from django.core.exceptions import ValidationError

E164 = re.compile(r"^\+[1-9]\d{5,14}$")
NOT_A_NUMBER = "Enter a phone number, e.g. +1 603 555 0142 (the country code may be left out for local numbers)."


def to_e164(value: str, *, region: str | None) -> str:
    """The number in E.164, or ValidationError. Possible, not "valid": libphonenumber's list of
    allocated ranges lags reality, and a practice must be able to save a new number."""
    value = (value or "").strip()
    if not value:
        return ""
    if any(ch.isalpha() for ch in value):
        raise ValidationError(NOT_A_NUMBER)
    try:
        number = phonenumbers.parse(value, str(region or "") or None)
    except phonenumbers.NumberParseException:
        raise ValidationError(NOT_A_NUMBER) from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(NOT_A_NUMBER)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    """What is stored: E.164 (models normalise before validating, see PhoneNumbersInE164)."""
    if value and not E164.match(value):
        raise ValidationError(NOT_A_NUMBER)


@functools.lru_cache(maxsize=4096)  # lists show the same numbers page after page; parsing is slow
def phone_display(value: str, region: str | None) -> str:
    """National format for a number of the practice's country, international for others."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, str(region or "") or None)
    except phonenumbers.NumberParseException:
        return value  # kept as typed before numbers were normalised
    home = phonenumbers.region_code_for_number(number) == str(region or "")
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


class PhoneNumbersInE164:
    """Model mixin: the fields named in PHONE_FIELDS are turned into E.164 before the model's own
    validation, read in the country `phone_region()` gives (the practice's)."""

    PHONE_FIELDS: tuple[str, ...] = ("phone",)

    def phone_region(self) -> str | None:
        practice = getattr(self, "practice", None) if getattr(self, "practice_id", None) else None
        return str(practice.country) if practice else None

    def clean_fields(self, exclude=None):
        exclude = set(exclude or ())
        errors = {}
        region = self.phone_region()
        for name in self.PHONE_FIELDS:
            if name in exclude:
                continue
            try:
                setattr(self, name, to_e164(getattr(self, name), region=region))
            except ValidationError as error:
                errors[name] = error.messages
        try:
            super().clean_fields(exclude=exclude | set(errors))
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)


def stored_in_e164(model, fields: tuple[str, ...], region_path: str) -> None:
    """For data migrations: rewrite numbers saved as typed into E.164, read in the country found at
    `region_path` ("practice__country"). A number that cannot be read is kept as it was (the form
    asks for a correction at the next edit), so nothing is lost."""
    from practice.tenancy import across_practices

    with across_practices("a data migration rewrites every practice's phone numbers"):
        _rewrite_in_e164(model, fields, region_path)


def _rewrite_in_e164(model, fields, region_path) -> None:
    for row in model._base_manager.values("pk", region_path, *fields).iterator():
        changed = {}
        for name in fields:
            try:
                number = to_e164(row[name], region=row[region_path])
            except ValidationError:
                continue
            if number != row[name]:
                changed[name] = number
        if changed:
            model._base_manager.filter(pk=row["pk"]).update(**changed)


class PhoneNumbersForm:
    """Form mixin: the phone fields (the model's PHONE_FIELDS, or `phone_fields`) come out of
    cleaning in E.164, so what the view compares and saves is the stored form. The country is the
    instance's practice's; a form without an instance passes `phone_region`."""

    phone_fields: tuple[str, ...] = ()

    def __init__(self, *args, phone_region: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._phone_region = phone_region
        region = self.phone_region()
        for name in self._phone_field_names():  # edited as people write them, not as stored
            if self.initial.get(name):
                self.initial[name] = phone_display(self.initial[name], region)

    def _phone_field_names(self) -> tuple[str, ...]:
        return self.phone_fields or self._meta.model.PHONE_FIELDS

    def phone_region(self) -> str | None:
        instance = getattr(self, "instance", None)
        return self._phone_region or (instance.phone_region() if instance is not None else None)

    def clean(self):
        cleaned = super().clean()
        region = self.phone_region()
        for name in self._phone_field_names():
            if cleaned.get(name):
                try:
                    cleaned[name] = to_e164(cleaned[name], region=region)
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned
