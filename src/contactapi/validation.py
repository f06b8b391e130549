"""Field validators shared by the domains: each returns the normalised value or raises
`FieldInvalid`, which the caller files under the field's key (contract: 422, field-keyed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Generic, TypeVar
from zoneinfo import available_timezones

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from contactapi.errors import FieldErrors, ValidationFailed

MAX_TEXT = 255


class FieldInvalid(Exception):
    def __init__(self, message: str, rule: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule


def snake_case(name: str) -> str:
    """`Favourite Colour` -> `favourite_colour`, `dateOfBirth2` -> `date_of_birth2`: the name
    part of a custom field's or custom value's key."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return "_".join(re.findall(r"[^\W_]+", spaced.lower()))


def storable(value: str) -> bool:
    """Whether both databases can take the string as a query argument: PostgreSQL refuses NUL
    in text, and neither driver encodes a lone surrogate. Such a string names no record."""
    if "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def label(field: str) -> str:
    """`dateOfBirth` -> `date of birth`, for messages."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", field).lower()


def text(field: str, value: Any, max_length: int = MAX_TEXT) -> str | None:
    """A string, trimmed; empty means no value. NUL bytes are refused (PostgreSQL can't store
    them, and no name or address holds one)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldInvalid(f"The {label(field)} must be a string.")
    if "\x00" in value:
        raise FieldInvalid(f"The {label(field)} must not contain NUL characters.")
    value = value.strip()
    if len(value) > max_length:
        raise FieldInvalid(
            f"The {label(field)} may not be greater than {max_length} characters.", "max"
        )
    return value or None


# An ASCII dot-atom local part: what email-validator accepts without further rules.
_PLAIN_LOCAL_PART = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$"
)


@lru_cache(maxsize=4096)
def _domain_accepted(domain: str) -> bool:
    try:
        validate_email("x@" + domain, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def email(field: str, value: Any) -> str | None:
    """Validated by email-validator, and normalised as it does (NFC, the domain's Unicode
    form), so that equivalent spellings of one address are one contact. Its domain verdict is
    cached: most addresses share a few domains, and it is the costly half of the check (~80 us
    of ~120 us)."""
    raw = text(field, value, 254)
    if raw is None:
        return None
    local, _, domain = raw.rpartition("@")
    if (
        len(local) <= 64
        and _PLAIN_LOCAL_PART.match(local)
        and domain.isascii()
        and "xn--" not in domain.lower()  # an IDNA domain is normalised to its Unicode form
        and _domain_accepted(domain)
    ):
        return raw
    try:
        return str(validate_email(raw, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise FieldInvalid(f"The {label(field)} must be a valid email address.") from exc


def email_key(value: str) -> str:
    """What two emails share when they are one address: the normalised form, lowercased. An
    address email-validator refuses is only lowercased (a lookup for it finds nothing)."""
    try:
        return (email("email", value) or "").lower()
    except FieldInvalid:
        return value.lower()


def phone(field: str, value: Any, country: str, *, stored: bool = True) -> str | None:
    """E.164, parsed with the location's default country. `stored`: the number is to be
    kept, so it must be one that can exist; a number only looked up need merely be shaped
    like one (it then matches nothing)."""
    raw = text(field, value, 64)
    if raw is None:
        return None
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException as exc:
        raise FieldInvalid(f"The {label(field)} must be a valid phone number.") from exc
    # Valid, not merely possible: `+1 000 000 0000` has the right length but no such number
    # can exist, and storing it would make every such typo one contact. The location's own
    # country is tried first: a +1 number otherwise goes through the rules of 25 countries.
    if not (
        phonenumbers.is_valid_number_for_region(number, country)
        or phonenumbers.is_valid_number(number)
        or (not stored and phonenumbers.is_possible_number(number))
    ):
        raise FieldInvalid(f"The {label(field)} must be a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country(field: str, value: Any) -> str | None:
    raw = text(field, value, 2)
    if raw is None:
        return None
    found = pycountry.countries.get(alpha_2=raw.upper()) if len(raw) == 2 else None
    if found is None:
        raise FieldInvalid(f"The {label(field)} must be an ISO 3166-1 alpha-2 country code.")
    return str(found.alpha_2)


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone(field: str, value: Any) -> str | None:
    raw = text(field, value, 64)
    if raw is None:
        return None
    if raw not in _timezones():
        raise FieldInvalid(f"The {label(field)} must be a valid IANA time zone.")
    return raw


_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


def website(field: str, value: Any) -> str | None:
    """An http(s) URL; a bare host (`www.example.com`) gets `http://` in front, as browsers do."""
    raw = text(field, value, 2048)
    if raw is None:
        return None
    if "://" not in raw:
        raw = "http://" + raw
    if not _URL.match(raw):
        raise FieldInvalid(f"The {label(field)} must be a valid URL.")
    return raw


def url(field: str, value: Any) -> str | None:
    """An http(s) URL with its scheme (a file or signature link, not a typed-in website)."""
    raw = text(field, value, 2048)
    if raw is None:
        return None
    if not _URL.match(raw):
        raise FieldInvalid(f"The {label(field)} must be a valid http(s) URL.")
    return raw


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_date(field: str, value: Any) -> str | None:
    raw = text(field, value, 10)
    if raw is None:
        return None
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        date.fromisoformat(raw)
    except ValueError as exc:
        raise FieldInvalid(f"The {label(field)} must be a date in YYYY-MM-DD format.") from exc
    return raw


def boolean(field: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise FieldInvalid(f"The {label(field)} field must be true or false.")


def choice(field: str, value: Any, allowed: tuple[str, ...]) -> str | None:
    raw = text(field, value, 64)
    if raw is None:
        return None
    if raw.lower() not in allowed:
        raise FieldInvalid(f"The {label(field)} must be one of: {', '.join(allowed)}.")
    return raw.lower()


# The instants a date-time may name: answers render them (and a slot's end, up to a day later)
# in UTC, and Python's datetimes stop at years 1 and 9999.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9998, 12, 31, tzinfo=UTC)


def datetime_with_offset(field: str, value: Any) -> int | None:
    """An ISO 8601 date-time with an offset or `Z`, as epoch milliseconds."""
    raw = text(field, value, 64)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise FieldInvalid(
            f"The {label(field)} must be an ISO 8601 date-time with a time zone offset."
        ) from exc
    if parsed.tzinfo is None or "T" not in raw.upper():
        raise FieldInvalid(
            f"The {label(field)} must be an ISO 8601 date-time with a time zone offset."
        )
    if not _EARLIEST <= parsed <= _LATEST:
        raise FieldInvalid(f"The {label(field)} must be between 0001-01-02 and 9998-12-31.")
    return (parsed - _EPOCH) // timedelta(milliseconds=1)


Validator = Callable[[str, Any], Any]
T = TypeVar("T")


class Errors:
    """The failing fields of one request, collected so that every one is reported in one 422
    (the contract's field-keyed map): the one way the domains gather validation failures."""

    __slots__ = ("fields",)

    def __init__(self) -> None:
        self.fields: FieldErrors = {}

    def __bool__(self) -> bool:
        return bool(self.fields)

    def add(self, key: str, message: str, rule: str = "invalid") -> None:
        self.fields[key] = {"message": message, "rule": rule}

    def update(self, errors: FieldErrors) -> None:
        self.fields.update(errors)

    def read(self, key: str, validate: Validator, value: Any, *, required: bool = False) -> Any:
        """`validate(key, value)`, or None with the failure filed under `key`."""
        try:
            result = validate(key, value)
        except FieldInvalid as exc:
            self.add(key, exc.message, exc.rule)
            return None
        if result is None and required:
            self.add(key, f"The {label(key)} field is mandatory.", "required")
        return result

    def raise_any(self) -> None:
        if self.fields:
            raise ValidationFailed(dict(self.fields))


@dataclass(frozen=True, slots=True)
class Checked(Generic[T]):
    """A body read before the transaction: what it holds, and the failures found, kept to be
    reported at the point the handler reaches them, with any the database finds."""

    value: T
    errors: FieldErrors

    def get(self) -> T:
        if self.errors:
            raise ValidationFailed(self.errors)
        return self.value


def checked(read: Callable[[Errors], T]) -> Checked[T]:
    """Runs `read` with a fresh accumulator: its value and its failures."""
    errors = Errors()
    value = read(errors)
    return Checked(value, errors.fields)


def name_and_status(
    body: dict[str, Any], statuses: tuple[str, ...], errors: Errors
) -> tuple[str, str]:
    """A required `name` and an optional `status` among `statuses` (default `draft`), for the
    records that have just these two (campaigns, workflows). Failures are filed in `errors`;
    the pair means something only when none was."""
    name = errors.read("name", text, body.get("name"), required=True)
    status = errors.read(
        "status", lambda key, value: choice(key, value, statuses), body.get("status")
    )
    return name, status or "draft"


def require_found(errors: Errors, *checks: tuple[bool, str, str]) -> None:
    """Each `(found, param, kind)` not found is filed as an unknown `param` id (after any
    failures already in `errors`), then every failure is raised in one 422: a request naming
    two bad ids hears of both."""
    from contactapi.errors import unknown_id

    for found, param, kind in checks:
        if not found:
            errors.update(unknown_id(param, kind).errors)
    errors.raise_any()
