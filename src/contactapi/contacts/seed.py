"""`contactapi seed`: synthetic contacts loaded straight into the database, for benchmarks and
demos. Varied (names, emails, phones, companies, tags, dates spread over five years) and
deterministic: the same location, count and starting size give the same contacts.

Rows go in by the thousands per statement (executemany on SQLite, COPY on PostgreSQL), and
the search index is complete when the command returns.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from contactapi.contacts.document import search_columns
from contactapi.contacts.repository import COLUMNS, SEARCH_COLUMNS
from contactapi.core import new_id
from contactapi.db.bulk import BulkContacts, UnknownLocation, load_contacts
from contactapi.settings import Settings

__all__ = ["SeedReport", "UnknownLocation", "seed"]

BATCH = 50_000


def _words(text: str) -> list[str]:
    return text.split()


YEARS_MS = 5 * 365 * 24 * 3600 * 1000

FIRST_NAMES = _words("""james mary robert patricia john jennifer michael linda david elizabeth
william
barbara richard susan joseph jessica thomas sarah charles karen christopher lisa daniel nancy
matthew betty anthony sandra mark margaret donald ashley steven kimberly paul emily andrew donna
joshua michelle kenneth carol kevin amanda brian dorothy george melissa timothy deborah ronald
stephanie edward rebecca jason sharon jeffrey laura ryan cynthia jacob kathleen gary amy nicholas
angela eric shirley jonathan anna stephen brenda larry pamela justin emma scott nicole brandon
helen benjamin samantha samuel katherine gregory christine alexander debra frank rachel patrick
carolyn raymond janet jack catherine dennis maria jerry heather tyler diane aaron ruth jose julie
adam olivia nathan joyce henry virginia douglas victoria zachary kelly peter lauren kyle christina
ethan joan walter evelyn noah judith jeremy megan christian andrea keith cheryl roger hannah
terry jacqueline gerald martha harold gloria sean teresa austin ann carl sara arthur madison
lawrence frances dylan kathryn jesse janice jordan jean bryan abigail billy alice joe julia bruce
judy gabriel sophia logan grace albert denise willie amber alan doris juan marilyn wayne danielle
elijah beverly randy isabella roy theresa vincent diana ralph natalie eugene brittany russell
charlotte bobby marie mason kayla philip alexis louis lori""")

LAST_NAMES = _words("""smith johnson williams brown jones garcia miller davis rodriguez martinez
hernandez lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson
white harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres
nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez
phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook
rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward
richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez
castillo sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan bell
coleman butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson
alexander hamilton graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson
ellis tran medina aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald
woods washington kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson
simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes
palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza
daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins
arnold pierce vazquez hansen peters santos hart bradley knight elliott cunningham duncan armstrong
hudson carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston matthews
pena richards contreras willis carpenter lawrence sandoval""")

COMPANY_WORDS = _words("""acme summit harbor pioneer granite cedar atlas beacon crescent horizon
liberty meridian northstar oakridge pinnacle redwood silverline trident vanguard
evergreen bluewater ironclad lakeshore brightpath frontier highland keystone lighthouse
maple momentum nexus orchard paragon quantum riverbend sterling sunrise timberline united
westfield zenith apex cobalt delta ember falcon""")
COMPANY_SUFFIXES = ["Realty", "Homes", "Properties", "Capital", "Group", "Holdings", "LLC",
                    "Investments", "Partners", "Estates"]  # fmt: skip
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com",
           "proton.me", "comcast.net"]  # fmt: skip
TAGS = _words("""lead hot-lead cold-lead buyer seller investor wholesaler landlord tenant cash-buyer
first-time-buyer probate pre-foreclosure absentee-owner vacant follow-up newsletter webinar
referral facebook-ad google-ad direct-mail cold-call sms-opt-in do-not-call vip closed
under-contract appointment-set nurture""")
CITIES = [("Austin", "TX"), ("Dallas", "TX"), ("Phoenix", "AZ"), ("Atlanta", "GA"),
          ("Tampa", "FL"), ("Orlando", "FL"), ("Denver", "CO"), ("Charlotte", "NC"),
          ("Nashville", "TN"), ("Columbus", "OH"), ("Memphis", "TN"),
          ("Houston", "TX")]  # fmt: skip
# Real estate CRMs have terms that match a twentieth of a location (a brokerage, a family name,
# a tag): one last name and one company are that common, as each of the TAGS is (~5%).
COMMON_SHARE = 0.045
COMMON_LAST_NAME = "smith"
COMMON_COMPANY = "Summit Realty"
AREA_CODES = [212, 213, 305, 312, 404, 415, 469, 512, 602, 615, 617, 702, 704, 713, 720, 813,
              888, 901, 919, 972]  # fmt: skip
SOURCES = ["public api", "website form", "facebook", "import", "zapier", None]
TIMEZONES = ["America/Chicago", "America/New_York", "America/Denver", "America/Phoenix", None]
_ID_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class SeedReport:
    count: int
    seconds: float


def _subscriber(number: int) -> int:
    """A phone's last seven digits, scattered but distinct for each of a location's first
    8,000,000 contacts (x -> x * 4,999,999 is one-to-one modulo 8,000,000): random ones made
    two contacts share a phone now and then, and an import merged them."""
    return 2_000_000 + number * 4_999_999 % 8_000_000


def _contact(
    rng: random.Random, location_id: str, number: int, now: int, tag: str | None
) -> dict[str, Any]:
    first = rng.choice(FIRST_NAMES)
    last = COMMON_LAST_NAME if rng.random() < COMMON_SHARE else rng.choice(LAST_NAMES)
    added = now - rng.randrange(YEARS_MS)
    updated = added if rng.random() < 0.5 else added + rng.randrange(now - added + 1)
    separator = rng.choice([".", "_", ""])
    email = f"{first}{separator}{last}{number}@{rng.choice(DOMAINS)}"
    company = (
        COMMON_COMPANY
        if rng.random() < COMMON_SHARE
        else f"{rng.choice(COMPANY_WORDS).title()} {rng.choice(COMPANY_SUFFIXES)}"
        if rng.random() < 0.6
        else None
    )
    tags = sorted(set(rng.sample(TAGS, rng.choice([0, 1, 1, 2, 2, 3]))) | ({tag} if tag else set()))
    city, state = rng.choice(CITIES)
    row: dict[str, Any] = {
        "location_id": location_id,
        "id": "".join(rng.choices(_ID_ALPHABET, k=20)),
        "first_name": first.title(),
        "last_name": last.title(),
        "contact_name": f"{first.title()} {last.title()}",
        "email": email if rng.random() < 0.95 else None,
        "phone": f"+1{rng.choice(AREA_CODES)}{_subscriber(number)}",
        "company_name": company,
        "address1": f"{rng.randrange(1, 9999)} {rng.choice(LAST_NAMES).title()} St",
        "city": city,
        "state": state,
        "postal_code": f"{rng.randrange(10000, 99999)}",
        "country": "US",
        "website": None,
        "timezone": rng.choice(TIMEZONES),
        "date_of_birth": None,
        "dnd": rng.random() < 0.05,
        "type": "customer" if rng.random() < 0.2 else "lead",
        "source": rng.choice(SOURCES),
        "assigned_to": None,
        "fingerprint": None,
        "tags": orjson.dumps(tags).decode(),
        "date_added": added,
        "date_updated": updated,
    }
    row["email_lower"] = row["email"].lower() if row["email"] else None
    row.update(search_columns(row))
    return row


CONTACT_COLUMNS = (*COLUMNS, *SEARCH_COLUMNS)


def _batches(
    location_id: str, count: int, first_number: int, now: int, tag: str | None
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[str, str, str]]]]:
    """Rows of contacts and of contact_tags, BATCH contacts at a time."""
    rng = random.Random(f"{location_id}:{first_number}")
    for start in range(0, count, BATCH):
        contacts: list[tuple[Any, ...]] = []
        contact_tags: list[tuple[str, str, str]] = []
        for number in range(first_number + start, first_number + min(start + BATCH, count)):
            row = _contact(rng, location_id, number, now, tag)
            contacts.append(tuple(row[col] for col in CONTACT_COLUMNS))
            contact_tags.extend((location_id, row["id"], tag) for tag in orjson.loads(row["tags"]))
        yield contacts, contact_tags


def seed(
    settings: Settings,
    location_id: str,
    count: int,
    progress: Callable[[int], None],
    tag: str | None = None,
) -> SeedReport:
    """Adds `count` synthetic contacts to the location, each also carrying `tag` when given
    (lower-cased); raises `UnknownLocation`."""
    tag = tag.strip().lower() if tag else None
    started = time.monotonic()
    load_contacts(
        settings,
        BulkContacts(
            location_id=location_id,
            columns=CONTACT_COLUMNS,
            tag_names=[(location_id, new_id(), name) for name in (*TAGS, *([tag] if tag else []))],
            count=count,
            batches=lambda existing: _batches(location_id, count, existing, _now(), tag),
        ),
        progress,
    )
    return SeedReport(count, time.monotonic() - started)


def _now() -> int:
    return time.time_ns() // 1_000_000
