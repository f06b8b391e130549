"""Every table, as SQLAlchemy metadata: the source of the migrations.

Timestamps are epoch milliseconds (BIGINT) on both databases: the API's cursors are epoch
milliseconds, and integers compare and index the same way everywhere. Every table carries
`location_id` and every index that serves a location's queries leads with it, so the data can
later be distributed by location.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(20)

# An agency owns locations and has keys of its own, which manage them (`/v1/locations/`).
agencies = Table(
    "agencies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

agency_keys = Table(
    "agency_keys",
    metadata,
    Column("agency_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    Column("label", String(100)),
    Column("last_used_at", BigInteger),
    PrimaryKeyConstraint("agency_id", "id"),
    ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="CASCADE"),
)

locations = Table(
    "locations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("allow_duplicate_contacts", Boolean, nullable=False),
    Column("country", String(2), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # The agency that manages it through `/v1/locations/` (none for a location made by the CLI).
    Column("agency_id", ID),
    # v1's location object: the lookup key, the zone its times are read in, and the rest of it
    # (address, business, social, settings) as JSON, answered as stored.
    Column("email_lower", Text),
    Column("timezone", String(64)),
    Column("profile", Text),
    # Set when the location is deleted: its keys stop at once, its data goes in the background.
    Column("deleted_at", BigInteger),
    ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
    Index(None, "agency_id", "email_lower"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
    # Free text the operator gives the key ("zapier", "billing sync").
    Column("label", String(100)),
    # When a server last verified it, to the minute (written at most once a minute).
    Column("last_used_at", BigInteger),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("contact_name", Text),
    Column("email", Text),
    Column("email_lower", Text),
    Column("phone", String(32)),
    Column("company_name", Text),
    Column("address1", Text),
    Column("city", Text),
    Column("state", Text),
    Column("postal_code", Text),
    Column("country", String(2)),
    Column("website", Text),
    Column("timezone", String(64)),
    Column("date_of_birth", String(10)),
    Column("dnd", Boolean, nullable=False),
    Column("type", String(16), nullable=False),
    Column("source", Text),
    Column("assigned_to", Text),
    Column("fingerprint", Text),
    # Tags as a JSON list, in order of first addition; contact_tags indexes them.
    Column("tags", Text, nullable=False),
    Column("date_added", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    # The search document (contacts/document.py); its indexes are raw DDL (migrations 0002,
    # 0006): on SQLite an FTS5 trigram `contacts_fts_l{k}` per large location
    # (db/search_index.py), pg_trgm GIN `ix_contacts_search_*` on PostgreSQL.
    Column("search_text", Text, nullable=False, server_default=""),
    Column("search_phone", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
    # The dedupe lookups filter on email/phone and take the oldest: the index serves both,
    # so no planner is tempted to walk the date index instead.
    Index(None, "location_id", "email_lower", "date_added", "id"),
    Index(None, "location_id", "phone", "date_added", "id"),
    Index(None, "location_id", "date_added", "id"),
    Index(None, "location_id", "date_updated", "id"),
)

tags = Table(
    "tags",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("name", Text, nullable=False),
    # Set by DELETE /v1/tags/:tagId. The row stays (a process may remember that the name has
    # its row); the tag is shown again once a contact carries the name again.
    Column("deleted_at", BigInteger),
    PrimaryKeyConstraint("location_id", "id"),
    UniqueConstraint("location_id", "name"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
)

contact_tags = Table(
    "contact_tags",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("name", Text, nullable=False),
    PrimaryKeyConstraint("location_id", "contact_id", "name"),
    ForeignKeyConstraint(
        ["location_id", "contact_id"],
        ["contacts.location_id", "contacts.id"],
        ondelete="CASCADE",
    ),
    Index(None, "location_id", "name"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
)

campaign_members = Table(
    "campaign_members",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("campaign_id", ID, nullable=False),
    Column("date_added", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "contact_id", "campaign_id"),
    ForeignKeyConstraint(
        ["location_id", "contact_id"],
        ["contacts.location_id", "contacts.id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["location_id", "campaign_id"],
        ["campaigns.location_id", "campaigns.id"],
        ondelete="CASCADE",
    ),
    Index(None, "location_id", "campaign_id"),
)

workflows = Table(
    "workflows",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", String(36), nullable=False),
    Column("name", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
)

workflow_enrollments = Table(
    "workflow_enrollments",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("workflow_id", String(36), nullable=False),
    # queued | active | finished | removed
    Column("status", String(16), nullable=False),
    Column("event_start_time", BigInteger),
    Column("date_added", BigInteger, nullable=False),
    Column("date_processed", BigInteger),
    PrimaryKeyConstraint("location_id", "contact_id", "workflow_id"),
    ForeignKeyConstraint(
        ["location_id", "contact_id"],
        ["contacts.location_id", "contacts.id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["location_id", "workflow_id"],
        ["workflows.location_id", "workflows.id"],
        ondelete="CASCADE",
    ),
)

# The outbox: work written in the transaction of the change that causes it.
jobs = Table(
    "jobs",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("location_id", ID, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("run_after", BigInteger, nullable=False),
    # Set while a worker holds the job; a job whose lease ran out is taken again.
    Column("locked_until", BigInteger),
    # The worker (`queue_workers.id`) holding it: once that worker's heartbeat stops, the
    # job is due again without waiting for `locked_until`.
    Column("locked_by", String(40)),
    Column("attempts", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "run_after"),
)

# Running queue workers: each writes its heartbeat every second while it runs.
queue_workers = Table(
    "queue_workers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("heartbeat_at", BigInteger, nullable=False),
)

custom_fields = Table(
    "custom_fields",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("name", Text, nullable=False),
    Column("field_key", Text, nullable=False),
    Column("placeholder", Text),
    Column("position", Integer, nullable=False),
    Column("data_type", String(32), nullable=False),
    # JSON list of the allowed options, for the option types.
    Column("options", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    UniqueConstraint("location_id", "field_key"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
)

contact_field_values = Table(
    "contact_field_values",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("field_id", ID, nullable=False),
    # The normalised value, as JSON.
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("location_id", "contact_id", "field_id"),
    ForeignKeyConstraint(
        ["location_id", "contact_id"],
        ["contacts.location_id", "contacts.id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["location_id", "field_id"],
        ["custom_fields.location_id", "custom_fields.id"],
        ondelete="CASCADE",
    ),
    Index(None, "location_id", "field_id"),
)

custom_values = Table(
    "custom_values",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("name", Text, nullable=False),
    Column("field_key", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    UniqueConstraint("location_id", "field_key"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
    Index(None, "location_id", "created_at", "id"),
)

notes = Table(
    "notes",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("body", Text, nullable=False),
    Column("user_id", ID),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(
        ["location_id", "contact_id"], ["contacts.location_id", "contacts.id"], ondelete="CASCADE"
    ),
    Index(None, "location_id", "contact_id", "created_at", "id"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("due_date", BigInteger, nullable=False),
    # completed | incompleted
    Column("status", String(16), nullable=False),
    Column("assigned_to", ID),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(
        ["location_id", "contact_id"], ["contacts.location_id", "contacts.id"], ondelete="CASCADE"
    ),
    Index(None, "location_id", "contact_id", "due_date", "id"),
)

# The people of locations (`/v1/users/`). A user is owned by the agency or the location whose
# key made it: its email is unique within that owner, so no one learns of another owner's users.
users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("owner_id", ID, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("email_lower", Text, nullable=False),
    # Argon2 (argon2-cffi); never answered.
    Column("password_hash", Text),
    # account | agency
    Column("type", String(16), nullable=False),
    # admin | user
    Column("role", String(16), nullable=False),
    # v1's permission flags, as a JSON object of booleans.
    Column("permissions", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("owner_id", "email_lower"),
    # Lookups by email test each candidate's reach: the candidates are found by this.
    Index(None, "email_lower"),
)

# Which users belong to which locations (a note's `userId`, a task's `assignedTo` name one).
user_locations = Table(
    "user_locations",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("user_id", ID, nullable=False),
    PrimaryKeyConstraint("location_id", "user_id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    Index(None, "user_id"),
)

# A calendar team (v1's "calendar provider"): users who serve the team's services.
calendar_teams = Table(
    "calendar_teams",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("name", Text, nullable=False),
    # v1's calendarConfig, as JSON (calendarName, description, the two assignment flags).
    Column("config", Text, nullable=False),
    # Unique among the location's teams and services (checked under a lock per slug).
    Column("slug", String(100), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
    UniqueConstraint("location_id", "slug"),
    Index(None, "location_id", "created_at", "id"),
)

# A team's users, in the order `userIds` named them; a user leaving the location leaves it.
calendar_team_users = Table(
    "calendar_team_users",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("team_id", ID, nullable=False),
    Column("user_id", ID, nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("location_id", "team_id", "user_id"),
    ForeignKeyConstraint(
        ["location_id", "team_id"],
        ["calendar_teams.location_id", "calendar_teams.id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["location_id", "user_id"],
        ["user_locations.location_id", "user_locations.user_id"],
        ondelete="CASCADE",
    ),
    Index(None, "location_id", "user_id"),
)

# A calendar, or a service: a service is a calendar with a team (`team_id`) and v1's service
# settings, so an appointment's `calendarId` names either and one booking rule serves both.
calendars = Table(
    "calendars",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("name", Text, nullable=False),
    Column("slot_duration", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # Minutes between slot starts; NULL: the slot duration.
    Column("slot_interval", Integer),
    # Minutes kept free after each booked appointment.
    Column("slot_buffer", Integer, nullable=False, server_default="0"),
    # {"monday": [[open_minute, close_minute], ...], ...} in local time; NULL: always open.
    Column("open_hours", Text),
    # The zone open hours are read in; NULL: the location's, else UTC.
    Column("timezone", String(64)),
    Column("team_id", ID),
    Column("slug", String(100)),
    # The rest of a service's v1 object, as JSON.
    Column("settings", Text),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
    ForeignKeyConstraint(
        ["location_id", "team_id"],
        ["calendar_teams.location_id", "calendar_teams.id"],
        ondelete="CASCADE",
    ),
    Index(None, "location_id", "team_id", "created_at", "id"),
    Index(None, "location_id", "slug"),
)

# v1's trigger links: a named redirect, used in templates as `{{trigger_link.<id>}}`.
trigger_links = Table(
    "trigger_links",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("name", Text, nullable=False),
    Column("redirect_to", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
    Index(None, "location_id", "created_at", "id"),
)

appointments = Table(
    "appointments",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("calendar_id", ID, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("title", Text),
    Column("notes", Text),
    # confirmed | cancelled | showed | noshow | invalid
    Column("status", String(16), nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger, nullable=False),
    Column("selected_timezone", String(64), nullable=False),
    Column("date_added", BigInteger, nullable=False),
    Column("date_updated", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(
        ["location_id", "contact_id"],
        ["contacts.location_id", "contacts.id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["location_id", "calendar_id"],
        ["calendars.location_id", "calendars.id"],
        ondelete="CASCADE",
    ),
    Index(None, "location_id", "contact_id", "start_time"),
    Index(None, "location_id", "calendar_id", "start_time"),
)

# A location's webhook subscriptions: the URLs its events are sent to.
webhooks = Table(
    "webhooks",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("url", Text, nullable=False),
    # The event types, as a JSON array.
    Column("events", Text, nullable=False),
    Column("description", Text),
    # Standard Webhooks' secret (`whsec_...`): shown once, signs every delivery.
    Column("secret", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # Set when a receiver answered 410 Gone: nothing more is sent to it.
    Column("disabled_at", BigInteger),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
    Index(None, "location_id", "created_at", "id"),
)

# The webhook outbox: one row per event and subscription, written in the transaction of the
# change that causes it, and its delivery's state. `seq` orders one contact's events.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("webhook_id", ID, nullable=False),
    # The event's id (the body's `webhookId`): the same on every attempt.
    Column("event_id", ID, nullable=False),
    Column("event_type", String(40), nullable=False),
    # The exact body sent on every attempt.
    Column("body", Text, nullable=False),
    # Events with one key (a contact) reach a URL in `seq` order.
    Column("ordering_key", String(40), nullable=False),
    # queued (behind an unfinished delivery of its subscription and key) | pending (the head
    # of its line: due at `next_attempt_at`) | succeeded | failed
    Column("status", String(16), nullable=False),
    # Every attempt: [{"at", "statusCode", "durationMs", "error"}], as JSON.
    Column("attempts", Text, nullable=False),
    Column("next_attempt_at", BigInteger),
    # Set while a dispatcher sends it; another may take it once this has passed.
    Column("locked_until", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    # A delivery by its id, and its subscription's log, newest first (ids start with their
    # time: `webhooks/events.py`). Each index is written by every event: they are few.
    UniqueConstraint("location_id", "webhook_id", "id"),
    ForeignKeyConstraint(
        ["location_id", "webhook_id"], ["webhooks.location_id", "webhooks.id"], ondelete="CASCADE"
    ),
    # The heads of lines, by when they are due (finished deliveries leave it).
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    # The unfinished deliveries of each line (subscription and key), in order.
    Index(
        "ix_webhook_deliveries_unfinished",
        "webhook_id",
        "ordering_key",
        "seq",
        sqlite_where=text("status IN ('pending', 'queued')"),
        postgresql_where=text("status IN ('pending', 'queued')"),
    ),
)

# The server's signing keys (made at first start): webhooks carry RSA and Ed25519 signatures.
server_keys = Table(
    "server_keys",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("public_pem", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

# A location's pipelines and their ordered stages (stage ids are UUIDs, as v1's are).
pipelines = Table(
    "pipelines",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("name", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
    Index(None, "location_id", "created_at", "id"),
)
STAGE_ID = String(36)
pipeline_stages = Table(
    "pipeline_stages",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", STAGE_ID, nullable=False),
    Column("pipeline_id", ID, nullable=False),
    Column("name", Text, nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(
        ["location_id", "pipeline_id"], ["pipelines.location_id", "pipelines.id"],
        ondelete="CASCADE",
    ),
    Index(None, "location_id", "pipeline_id", "position"),
)  # fmt: skip
opportunities = Table(
    "opportunities",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("id", ID, nullable=False),
    Column("pipeline_id", ID, nullable=False),
    Column("stage_id", STAGE_ID, nullable=False),
    Column("contact_id", ID, nullable=False),
    Column("name", Text, nullable=False),
    # The name lower-cased in Python, as the contacts' search document is: what `query` tests.
    Column("search_text", Text, nullable=False),
    Column("monetary_value", Float, nullable=False),
    Column("assigned_to", ID),
    # open | won | lost | abandoned
    Column("status", String(16), nullable=False),
    Column("source", Text),
    Column("last_status_change_at", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # The contact's search document, copied by triggers (migration 0012), so `query` reads one
    # row; the three search columns' indexes are raw DDL: an FTS5 trigram
    # `opportunities_fts_l{k}` per large location on SQLite (db/search/opportunities.py),
    # pg_trgm GIN `ix_opportunities_search_*` on PostgreSQL.
    Column("contact_search_text", Text, nullable=False, server_default=""),
    Column("contact_search_phone", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("location_id", "id"),
    ForeignKeyConstraint(
        ["location_id", "contact_id"], ["contacts.location_id", "contacts.id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["location_id", "pipeline_id"], ["pipelines.location_id", "pipelines.id"],
        ondelete="CASCADE",
    ),
    # No cascade: a stage holding opportunities is never removed (the service refuses it).
    ForeignKeyConstraint(
        ["location_id", "stage_id"], ["pipeline_stages.location_id", "pipeline_stages.id"]
    ),
    # The list is newest first within a pipeline; each equality filter has its own walk. A
    # stage id is unique in the location, so its index needs no pipeline (and serves the FK).
    Index(None, "location_id", "pipeline_id", "created_at", "id"),
    Index(None, "location_id", "stage_id", "created_at", "id"),
    Index(None, "location_id", "pipeline_id", "status", "created_at", "id"),
    Index(None, "location_id", "pipeline_id", "assigned_to", "created_at", "id"),
    # Counts a minimum value's matches (the page itself walks createdAt).
    Index(None, "location_id", "pipeline_id", "monetary_value"),
    Index(None, "location_id", "contact_id"),
)  # fmt: skip
# How many opportunities each (pipeline, stage, status, user) holds (`assigned_to` '' for
# none), kept by triggers (migration
# 0008), so a list's total need not count a million rows. PostgreSQL spreads each count over
# 16 shards (by backend), so concurrent writers seldom wait for one row; SQLite uses shard 0.
opportunity_counts = Table(
    "opportunity_counts",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("pipeline_id", ID, nullable=False),
    Column("stage_id", STAGE_ID, nullable=False),
    Column("status", String(16), nullable=False),
    Column("assigned_to", ID, nullable=False),
    Column("shard", SmallInteger, nullable=False),
    Column("opportunities", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "pipeline_id", "stage_id", "status", "assigned_to",
                         "shard"),
    ForeignKeyConstraint(
        ["location_id", "pipeline_id"], ["pipelines.location_id", "pipelines.id"],
        ondelete="CASCADE",
    ),
)  # fmt: skip

# Where a resumable import stands (`transfer/`): one row per location and job (the input's
# content hash), written in the transaction of the rows it counts, so a resumed job skips
# exactly what was committed. Deleted when the job finishes.
transfer_progress = Table(
    "transfer_progress",
    metadata,
    Column("location_id", ID, nullable=False),
    Column("job", String(80), nullable=False),
    # JSON: rows done, rows rejected.
    Column("state", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("location_id", "job"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
)

# What a migration copied: each source record's id and the id of its copy here, written in the
# copy's transaction, so a second run (or a resumed one) copies nothing twice.
transfer_ids = Table(
    "transfer_ids",
    metadata,
    Column("location_id", ID, nullable=False),
    # A hash of the source's base URL and location id.
    Column("source", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("target_id", String(64), nullable=False),
    PrimaryKeyConstraint("location_id", "source", "kind", "source_id"),
    ForeignKeyConstraint(["location_id"], ["locations.id"], ondelete="CASCADE"),
)
