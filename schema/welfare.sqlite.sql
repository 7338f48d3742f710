-- The care-office ("welfare") example schema, SQLite 3.38+ edition.
--
-- Six tables from the report fixtura was built for (shared/seeds/004): care offices, their
-- staff, the staff-office links, the welfare recipients, the recipient-office links, and the
-- recipients' support-plan cycles. The same tables and columns exist in
-- welfare.postgres.sql and welfare.mysql.sql; schema/README.md lists them with the row
-- counts of the report's dataset.
--
-- Foreign keys run: offices.created_by -> staffs, so staffs are inserted first; the link
-- tables -> both sides (ON DELETE CASCADE); support_plan_cycles -> welfare_recipients and
-- offices. Every table carries the flag column is_test_data, indexed, that marks test rows.
-- SQLite checks foreign keys only on connections that run PRAGMA foreign_keys = ON
-- (https://sqlite.org/foreignkeys.html); fixtura's connections do.
--
-- Closest types to the PostgreSQL edition, in SQLite's type affinity
-- (https://sqlite.org/datatype3.html): uuid -> TEXT in the canonical 36-character form,
-- with a random version-4 default built from randomblob(); the staff_role enum ->
-- VARCHAR(8) with a CHECK; jsonb -> a column declared JSON (stored as text) with a
-- json_valid() CHECK (built in since 3.38); timestamptz -> DATETIME holding RFC 3339 UTC
-- text; boolean -> BOOLEAN (0/1; the TRUE/FALSE keywords need 3.23). VARCHAR lengths are
-- not enforced by SQLite but are kept so generators know the real limits.

-- Staff accounts: the "rich model" of the report (JSON preferences, hashed password, MFA).
CREATE TABLE staffs (
    id                       TEXT         NOT NULL DEFAULT
        (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
         || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1)
         || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    email                    VARCHAR(255) NOT NULL,
    hashed_password          VARCHAR(255) NOT NULL,
    last_name                VARCHAR(50)  NOT NULL,
    first_name               VARCHAR(50)  NOT NULL,
    last_name_furigana       VARCHAR(100) NOT NULL,
    first_name_furigana      VARCHAR(100) NOT NULL,
    role                     VARCHAR(8)   NOT NULL DEFAULT 'employee'
        CHECK (role IN ('owner', 'manager', 'employee')),
    phone_number             VARCHAR(20),
    birth_date               DATE,
    hire_date                DATE,
    is_email_verified        BOOLEAN      NOT NULL DEFAULT FALSE,
    is_mfa_enabled           BOOLEAN      NOT NULL DEFAULT FALSE,
    mfa_secret               VARCHAR(255),
    mfa_backup_codes_used    INTEGER      NOT NULL DEFAULT 0,
    failed_login_attempts    INTEGER      NOT NULL DEFAULT 0,
    last_login_at            DATETIME,
    password_changed_at      DATETIME,
    notification_preferences JSON         NOT NULL DEFAULT
        '{"in_app_notification": true, "email_notification": true, "system_notification": false, "email_threshold_days": 30, "push_threshold_days": 10}'
        CHECK (json_valid(notification_preferences)),
    is_deleted               BOOLEAN      NOT NULL DEFAULT FALSE,
    deleted_at               DATETIME,
    is_test_data             BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at               DATETIME     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at               DATETIME     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT staffs_pkey PRIMARY KEY (id),
    CONSTRAINT uq_staffs_email UNIQUE (email)
);
CREATE INDEX ix_staffs_is_test_data ON staffs (is_test_data);

-- Care offices. created_by is the staff member (in the report, a "system" staff) who
-- registered the office, which is why staffs precede offices in every insert order.
CREATE TABLE offices (
    id               TEXT         NOT NULL DEFAULT
        (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
         || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1)
         || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    name             VARCHAR(255) NOT NULL,
    office_type      VARCHAR(50)  NOT NULL,
    postal_code      VARCHAR(8),
    address          VARCHAR(500),
    phone_number     VARCHAR(20),
    email            VARCHAR(255),
    created_by       TEXT         NOT NULL,
    last_modified_by TEXT,
    is_deleted       BOOLEAN      NOT NULL DEFAULT FALSE,
    deleted_at       DATETIME,
    is_test_data     BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at       DATETIME     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       DATETIME     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT offices_pkey PRIMARY KEY (id),
    CONSTRAINT offices_created_by_fkey FOREIGN KEY (created_by) REFERENCES staffs (id),
    CONSTRAINT offices_last_modified_by_fkey FOREIGN KEY (last_modified_by)
        REFERENCES staffs (id) ON DELETE SET NULL,
    CONSTRAINT ck_offices_office_type CHECK (office_type IN (
        'transition_to_employment', 'type_A_office', 'type_B_office'))
);
CREATE INDEX ix_offices_is_test_data ON offices (is_test_data);
CREATE INDEX ix_offices_created_by ON offices (created_by);

-- Which staff member works at which office; one row per staff member in the report.
CREATE TABLE office_staffs (
    id           TEXT        NOT NULL DEFAULT
        (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
         || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1)
         || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    staff_id     TEXT        NOT NULL,
    office_id    TEXT        NOT NULL,
    is_primary   BOOLEAN     NOT NULL DEFAULT FALSE,
    is_test_data BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at   DATETIME    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   DATETIME    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT office_staffs_pkey PRIMARY KEY (id),
    CONSTRAINT office_staffs_staff_id_fkey FOREIGN KEY (staff_id)
        REFERENCES staffs (id) ON DELETE CASCADE,
    CONSTRAINT office_staffs_office_id_fkey FOREIGN KEY (office_id)
        REFERENCES offices (id) ON DELETE CASCADE,
    CONSTRAINT uq_office_staffs_staff_office UNIQUE (staff_id, office_id)
);
CREATE INDEX ix_office_staffs_is_test_data ON office_staffs (is_test_data);
CREATE INDEX ix_office_staffs_office_id ON office_staffs (office_id);

-- People receiving care. Names come with their furigana (kana readings), as Japanese
-- forms ask; the address is split the way a Japanese postal address is.
CREATE TABLE welfare_recipients (
    id                  TEXT         NOT NULL DEFAULT
        (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
         || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1)
         || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    last_name           VARCHAR(50)  NOT NULL,
    first_name          VARCHAR(50)  NOT NULL,
    last_name_furigana  VARCHAR(100) NOT NULL,
    first_name_furigana VARCHAR(100) NOT NULL,
    birth_day           DATE         NOT NULL,
    gender              VARCHAR(10)  NOT NULL,
    postal_code         VARCHAR(8),
    prefecture          VARCHAR(10),
    city                VARCHAR(100),
    street_address      VARCHAR(255),
    building_name       VARCHAR(255),
    phone_number        VARCHAR(20),
    is_test_data        BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at          DATETIME     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          DATETIME     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT welfare_recipients_pkey PRIMARY KEY (id),
    CONSTRAINT ck_welfare_recipients_gender CHECK (gender IN ('male', 'female', 'other'))
);
CREATE INDEX ix_welfare_recipients_is_test_data ON welfare_recipients (is_test_data);

-- Which office serves which recipient.
CREATE TABLE office_welfare_recipients (
    id                   TEXT        NOT NULL DEFAULT
        (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
         || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1)
         || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    welfare_recipient_id TEXT        NOT NULL,
    office_id            TEXT        NOT NULL,
    is_test_data         BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at           DATETIME    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at           DATETIME    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT office_welfare_recipients_pkey PRIMARY KEY (id),
    CONSTRAINT office_welfare_recipients_welfare_recipient_id_fkey FOREIGN KEY (welfare_recipient_id)
        REFERENCES welfare_recipients (id) ON DELETE CASCADE,
    CONSTRAINT office_welfare_recipients_office_id_fkey FOREIGN KEY (office_id)
        REFERENCES offices (id) ON DELETE CASCADE,
    CONSTRAINT uq_office_welfare_recipients_recipient_office UNIQUE (welfare_recipient_id, office_id)
);
CREATE INDEX ix_office_welfare_recipients_is_test_data ON office_welfare_recipients (is_test_data);
CREATE INDEX ix_office_welfare_recipients_office_id ON office_welfare_recipients (office_id);

-- A recipient's individual support plan runs in cycles (typically six months); the latest
-- cycle carries the next renewal deadline.
CREATE TABLE support_plan_cycles (
    id                     TEXT        NOT NULL DEFAULT
        (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
         || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1)
         || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    welfare_recipient_id   TEXT        NOT NULL,
    office_id              TEXT        NOT NULL,
    cycle_number           INTEGER     NOT NULL DEFAULT 1,
    plan_cycle_start_date  DATE        NOT NULL,
    plan_cycle_end_date    DATE,
    final_plan_signed_date DATE,
    next_renewal_deadline  DATE,
    is_latest_cycle        BOOLEAN     NOT NULL DEFAULT TRUE,
    is_test_data           BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at             DATETIME    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at             DATETIME    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT support_plan_cycles_pkey PRIMARY KEY (id),
    CONSTRAINT support_plan_cycles_welfare_recipient_id_fkey FOREIGN KEY (welfare_recipient_id)
        REFERENCES welfare_recipients (id) ON DELETE CASCADE,
    CONSTRAINT support_plan_cycles_office_id_fkey FOREIGN KEY (office_id)
        REFERENCES offices (id) ON DELETE CASCADE,
    CONSTRAINT uq_support_plan_cycles_recipient_cycle UNIQUE (welfare_recipient_id, cycle_number),
    CONSTRAINT ck_support_plan_cycles_cycle_number CHECK (cycle_number >= 1)
);
CREATE INDEX ix_support_plan_cycles_is_test_data ON support_plan_cycles (is_test_data);
CREATE INDEX ix_support_plan_cycles_office_id ON support_plan_cycles (office_id);
