-- The care-office ("welfare") example schema, PostgreSQL >= 13 edition.
--
-- Six tables from the report fixtura was built for (shared/seeds/004): care offices, their
-- staff, the staff-office links, the welfare recipients, the recipient-office links, and the
-- recipients' support-plan cycles. The same tables and columns exist in welfare.mysql.sql
-- and welfare.sqlite.sql with the closest types each backend has; schema/README.md lists
-- them with the row counts of the report's dataset.
--
-- Foreign keys run: offices.created_by -> staffs, so staffs are inserted first; the link
-- tables -> both sides (ON DELETE CASCADE); support_plan_cycles -> welfare_recipients and
-- offices. Every table carries the flag column is_test_data, indexed, that marks test rows.
--
-- Primary keys are UUIDs. gen_random_uuid() is built in since PostgreSQL 13; fixtura writes
-- its own seeded UUIDs, the default serves rows the application inserts.

CREATE TYPE staff_role AS ENUM ('owner', 'manager', 'employee');

-- Staff accounts: the "rich model" of the report (JSONB preferences, hashed password, MFA).
CREATE TABLE staffs (
    id                       uuid         NOT NULL DEFAULT gen_random_uuid(),
    email                    varchar(255) NOT NULL,
    hashed_password          varchar(255) NOT NULL,
    last_name                varchar(50)  NOT NULL,
    first_name               varchar(50)  NOT NULL,
    last_name_furigana       varchar(100) NOT NULL,
    first_name_furigana      varchar(100) NOT NULL,
    role                     staff_role   NOT NULL DEFAULT 'employee',
    phone_number             varchar(20),
    birth_date               date,
    hire_date                date,
    is_email_verified        boolean      NOT NULL DEFAULT false,
    is_mfa_enabled           boolean      NOT NULL DEFAULT false,
    mfa_secret               varchar(255),
    mfa_backup_codes_used    integer      NOT NULL DEFAULT 0,
    failed_login_attempts    integer      NOT NULL DEFAULT 0,
    last_login_at            timestamptz,
    password_changed_at      timestamptz,
    notification_preferences jsonb        NOT NULL DEFAULT
        '{"in_app_notification": true, "email_notification": true, "system_notification": false, "email_threshold_days": 30, "push_threshold_days": 10}'::jsonb,
    is_deleted               boolean      NOT NULL DEFAULT false,
    deleted_at               timestamptz,
    is_test_data             boolean      NOT NULL DEFAULT false,
    created_at               timestamptz  NOT NULL DEFAULT now(),
    updated_at               timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT staffs_pkey PRIMARY KEY (id),
    CONSTRAINT uq_staffs_email UNIQUE (email)
);
CREATE INDEX ix_staffs_is_test_data ON staffs (is_test_data);

-- Care offices. created_by is the staff member (in the report, a "system" staff) who
-- registered the office, which is why staffs precede offices in every insert order.
CREATE TABLE offices (
    id               uuid         NOT NULL DEFAULT gen_random_uuid(),
    name             varchar(255) NOT NULL,
    office_type      varchar(50)  NOT NULL,
    postal_code      varchar(8),
    address          varchar(500),
    phone_number     varchar(20),
    email            varchar(255),
    created_by       uuid         NOT NULL,
    last_modified_by uuid,
    is_deleted       boolean      NOT NULL DEFAULT false,
    deleted_at       timestamptz,
    is_test_data     boolean      NOT NULL DEFAULT false,
    created_at       timestamptz  NOT NULL DEFAULT now(),
    updated_at       timestamptz  NOT NULL DEFAULT now(),
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
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    staff_id     uuid        NOT NULL,
    office_id    uuid        NOT NULL,
    is_primary   boolean     NOT NULL DEFAULT false,
    is_test_data boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
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
    id                  uuid         NOT NULL DEFAULT gen_random_uuid(),
    last_name           varchar(50)  NOT NULL,
    first_name          varchar(50)  NOT NULL,
    last_name_furigana  varchar(100) NOT NULL,
    first_name_furigana varchar(100) NOT NULL,
    birth_day           date         NOT NULL,
    gender              varchar(10)  NOT NULL,
    postal_code         varchar(8),
    prefecture          varchar(10),
    city                varchar(100),
    street_address      varchar(255),
    building_name       varchar(255),
    phone_number        varchar(20),
    is_test_data        boolean      NOT NULL DEFAULT false,
    created_at          timestamptz  NOT NULL DEFAULT now(),
    updated_at          timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT welfare_recipients_pkey PRIMARY KEY (id),
    CONSTRAINT ck_welfare_recipients_gender CHECK (gender IN ('male', 'female', 'other'))
);
CREATE INDEX ix_welfare_recipients_is_test_data ON welfare_recipients (is_test_data);

-- Which office serves which recipient.
CREATE TABLE office_welfare_recipients (
    id                   uuid        NOT NULL DEFAULT gen_random_uuid(),
    welfare_recipient_id uuid        NOT NULL,
    office_id            uuid        NOT NULL,
    is_test_data         boolean     NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
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
    id                     uuid        NOT NULL DEFAULT gen_random_uuid(),
    welfare_recipient_id   uuid        NOT NULL,
    office_id              uuid        NOT NULL,
    cycle_number           integer     NOT NULL DEFAULT 1,
    plan_cycle_start_date  date        NOT NULL,
    plan_cycle_end_date    date,
    final_plan_signed_date date,
    next_renewal_deadline  date,
    is_latest_cycle        boolean     NOT NULL DEFAULT true,
    is_test_data           boolean     NOT NULL DEFAULT false,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
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
