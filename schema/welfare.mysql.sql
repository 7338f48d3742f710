-- The care-office ("welfare") example schema, MySQL 8.0.16+ / MariaDB 10.6+ edition.
--
-- Six tables from the report fixtura was built for (shared/seeds/004): care offices, their
-- staff, the staff-office links, the welfare recipients, the recipient-office links, and the
-- recipients' support-plan cycles. The same tables and columns exist in
-- welfare.postgres.sql and welfare.sqlite.sql; schema/README.md lists them with the row
-- counts of the report's dataset.
--
-- Foreign keys run: offices.created_by -> staffs, so staffs are inserted first; the link
-- tables -> both sides (ON DELETE CASCADE); support_plan_cycles -> welfare_recipients and
-- offices. Every table carries the flag column is_test_data, indexed, that marks test rows.
--
-- Closest types to the PostgreSQL edition: uuid -> CHAR(36) (the text form, so keys read
-- the same on every backend), the staff_role enum -> an inline ENUM, jsonb -> JSON (on
-- MariaDB an alias of LONGTEXT with a json_valid() CHECK the server adds itself),
-- timestamptz -> DATETIME(6) holding UTC, boolean -> BOOLEAN (TINYINT(1)).
-- Expression defaults (UUID(), the JSON literal) need MySQL 8.0.13+ or MariaDB 10.2+;
-- CHECK constraints are enforced from MySQL 8.0.16 and MariaDB 10.2. The collation is
-- utf8mb4_unicode_ci because MariaDB 10.6 lacks MySQL 8's utf8mb4_0900_ai_ci.

-- Staff accounts: the "rich model" of the report (JSON preferences, hashed password, MFA).
CREATE TABLE staffs (
    id                       CHAR(36)     NOT NULL DEFAULT (UUID()),
    email                    VARCHAR(255) NOT NULL,
    hashed_password          VARCHAR(255) NOT NULL,
    last_name                VARCHAR(50)  NOT NULL,
    first_name               VARCHAR(50)  NOT NULL,
    last_name_furigana       VARCHAR(100) NOT NULL,
    first_name_furigana      VARCHAR(100) NOT NULL,
    role                     ENUM('owner', 'manager', 'employee') NOT NULL DEFAULT 'employee',
    phone_number             VARCHAR(20)  NULL,
    birth_date               DATE         NULL,
    hire_date                DATE         NULL,
    is_email_verified        BOOLEAN      NOT NULL DEFAULT FALSE,
    is_mfa_enabled           BOOLEAN      NOT NULL DEFAULT FALSE,
    mfa_secret               VARCHAR(255) NULL,
    mfa_backup_codes_used    INT          NOT NULL DEFAULT 0,
    failed_login_attempts    INT          NOT NULL DEFAULT 0,
    last_login_at            DATETIME(6)  NULL,
    password_changed_at      DATETIME(6)  NULL,
    notification_preferences JSON         NOT NULL DEFAULT
        ('{"in_app_notification": true, "email_notification": true, "system_notification": false, "email_threshold_days": 30, "push_threshold_days": 10}'),
    is_deleted               BOOLEAN      NOT NULL DEFAULT FALSE,
    deleted_at               DATETIME(6)  NULL,
    is_test_data             BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at               DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at               DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_staffs_email UNIQUE (email),
    INDEX ix_staffs_is_test_data (is_test_data)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Care offices. created_by is the staff member (in the report, a "system" staff) who
-- registered the office, which is why staffs precede offices in every insert order.
CREATE TABLE offices (
    id               CHAR(36)     NOT NULL DEFAULT (UUID()),
    name             VARCHAR(255) NOT NULL,
    office_type      VARCHAR(50)  NOT NULL,
    postal_code      VARCHAR(8)   NULL,
    address          VARCHAR(500) NULL,
    phone_number     VARCHAR(20)  NULL,
    email            VARCHAR(255) NULL,
    created_by       CHAR(36)     NOT NULL,
    last_modified_by CHAR(36)     NULL,
    is_deleted       BOOLEAN      NOT NULL DEFAULT FALSE,
    deleted_at       DATETIME(6)  NULL,
    is_test_data     BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at       DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at       DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX ix_offices_is_test_data (is_test_data),
    INDEX ix_offices_created_by (created_by),
    INDEX ix_offices_last_modified_by (last_modified_by),
    CONSTRAINT offices_created_by_fkey FOREIGN KEY (created_by) REFERENCES staffs (id),
    CONSTRAINT offices_last_modified_by_fkey FOREIGN KEY (last_modified_by)
        REFERENCES staffs (id) ON DELETE SET NULL,
    CONSTRAINT ck_offices_office_type CHECK (office_type IN (
        'transition_to_employment', 'type_A_office', 'type_B_office'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Which staff member works at which office; one row per staff member in the report.
CREATE TABLE office_staffs (
    id           CHAR(36)    NOT NULL DEFAULT (UUID()),
    staff_id     CHAR(36)    NOT NULL,
    office_id    CHAR(36)    NOT NULL,
    is_primary   BOOLEAN     NOT NULL DEFAULT FALSE,
    is_test_data BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_office_staffs_staff_office UNIQUE (staff_id, office_id),
    INDEX ix_office_staffs_is_test_data (is_test_data),
    INDEX ix_office_staffs_office_id (office_id),
    CONSTRAINT office_staffs_staff_id_fkey FOREIGN KEY (staff_id)
        REFERENCES staffs (id) ON DELETE CASCADE,
    CONSTRAINT office_staffs_office_id_fkey FOREIGN KEY (office_id)
        REFERENCES offices (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- People receiving care. Names come with their furigana (kana readings), as Japanese
-- forms ask; the address is split the way a Japanese postal address is.
CREATE TABLE welfare_recipients (
    id                  CHAR(36)     NOT NULL DEFAULT (UUID()),
    last_name           VARCHAR(50)  NOT NULL,
    first_name          VARCHAR(50)  NOT NULL,
    last_name_furigana  VARCHAR(100) NOT NULL,
    first_name_furigana VARCHAR(100) NOT NULL,
    birth_day           DATE         NOT NULL,
    gender              VARCHAR(10)  NOT NULL,
    postal_code         VARCHAR(8)   NULL,
    prefecture          VARCHAR(10)  NULL,
    city                VARCHAR(100) NULL,
    street_address      VARCHAR(255) NULL,
    building_name       VARCHAR(255) NULL,
    phone_number        VARCHAR(20)  NULL,
    is_test_data        BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at          DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at          DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX ix_welfare_recipients_is_test_data (is_test_data),
    CONSTRAINT ck_welfare_recipients_gender CHECK (gender IN ('male', 'female', 'other'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Which office serves which recipient.
CREATE TABLE office_welfare_recipients (
    id                   CHAR(36)    NOT NULL DEFAULT (UUID()),
    welfare_recipient_id CHAR(36)    NOT NULL,
    office_id            CHAR(36)    NOT NULL,
    is_test_data         BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at           DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at           DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_office_welfare_recipients_recipient_office UNIQUE (welfare_recipient_id, office_id),
    INDEX ix_office_welfare_recipients_is_test_data (is_test_data),
    INDEX ix_office_welfare_recipients_office_id (office_id),
    CONSTRAINT office_welfare_recipients_welfare_recipient_id_fkey FOREIGN KEY (welfare_recipient_id)
        REFERENCES welfare_recipients (id) ON DELETE CASCADE,
    CONSTRAINT office_welfare_recipients_office_id_fkey FOREIGN KEY (office_id)
        REFERENCES offices (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- A recipient's individual support plan runs in cycles (typically six months); the latest
-- cycle carries the next renewal deadline.
CREATE TABLE support_plan_cycles (
    id                     CHAR(36)    NOT NULL DEFAULT (UUID()),
    welfare_recipient_id   CHAR(36)    NOT NULL,
    office_id              CHAR(36)    NOT NULL,
    cycle_number           INT         NOT NULL DEFAULT 1,
    plan_cycle_start_date  DATE        NOT NULL,
    plan_cycle_end_date    DATE        NULL,
    final_plan_signed_date DATE        NULL,
    next_renewal_deadline  DATE        NULL,
    is_latest_cycle        BOOLEAN     NOT NULL DEFAULT TRUE,
    is_test_data           BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at             DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at             DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_support_plan_cycles_recipient_cycle UNIQUE (welfare_recipient_id, cycle_number),
    INDEX ix_support_plan_cycles_is_test_data (is_test_data),
    INDEX ix_support_plan_cycles_office_id (office_id),
    CONSTRAINT support_plan_cycles_welfare_recipient_id_fkey FOREIGN KEY (welfare_recipient_id)
        REFERENCES welfare_recipients (id) ON DELETE CASCADE,
    CONSTRAINT support_plan_cycles_office_id_fkey FOREIGN KEY (office_id)
        REFERENCES offices (id) ON DELETE CASCADE,
    CONSTRAINT ck_support_plan_cycles_cycle_number CHECK (cycle_number >= 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
