-- The foundation records. Written once for both databases: {{PK}} becomes
-- the dialect's identity column, {{SEQPK}} a 64-bit key the store assigns
-- (on SQLite the rowid itself, so it needs no index of its own). Times are integer microseconds since the
-- Unix epoch, UTC. Nothing here is ever hard-deleted: every table carries
-- archived_at / archived_by / archive_reason instead.

CREATE TABLE teams (
    id             {{PK}},
    name           TEXT NOT NULL,
    lead_id        BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    archived_at    BIGINT,
    archived_by    BIGINT,
    archive_reason TEXT
);
CREATE UNIQUE INDEX teams_name_uq ON teams (name);

CREATE TABLE users (
    id             {{PK}},
    login          TEXT NOT NULL,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    status         TEXT NOT NULL,
    team_id        BIGINT REFERENCES teams (id),
    manager_id     BIGINT REFERENCES users (id),
    backup_id      BIGINT REFERENCES users (id),
    merchant_id    BIGINT,
    mobile         TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    wechat         TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL DEFAULT '',
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   BIGINT,
    last_seen_at   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    archived_at    BIGINT,
    archived_by    BIGINT,
    archive_reason TEXT
);
CREATE UNIQUE INDEX users_login_uq ON users (login);
CREATE INDEX users_team ON users (team_id);
CREATE INDEX users_merchant ON users (merchant_id);

CREATE TABLE api_tokens (
    id         {{PK}},
    user_id    BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash_uq ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE merchants (
    id                  {{PK}},
    type                TEXT NOT NULL,
    legal_name          TEXT NOT NULL,
    uscc                TEXT,
    principal_name      TEXT NOT NULL,
    principal_id_enc    TEXT NOT NULL DEFAULT '',
    principal_id_hash   TEXT NOT NULL DEFAULT '',
    principal_id_masked TEXT NOT NULL DEFAULT '',
    settlement_kind     TEXT NOT NULL,
    settlement_enc      TEXT NOT NULL DEFAULT '',
    settlement_hash     TEXT NOT NULL DEFAULT '',
    settlement_masked   TEXT NOT NULL DEFAULT '',
    mid                 TEXT,
    mcc                 TEXT NOT NULL,
    fee_category        TEXT NOT NULL,
    address             TEXT NOT NULL,
    latitude            DOUBLE PRECISION NOT NULL,
    longitude           DOUBLE PRECISION NOT NULL,
    status              TEXT NOT NULL,
    team_id             BIGINT NOT NULL REFERENCES teams (id),
    account_manager_id  BIGINT NOT NULL REFERENCES users (id),
    backup_manager_id   BIGINT REFERENCES users (id),
    search_grams        TEXT NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    archived_at         BIGINT,
    archived_by         BIGINT,
    archive_reason      TEXT
);
CREATE UNIQUE INDEX merchants_uscc_uq ON merchants (uscc);
CREATE UNIQUE INDEX merchants_mid_uq ON merchants (mid);
CREATE INDEX merchants_principal_id ON merchants (principal_id_hash) WHERE principal_id_hash <> '';
CREATE INDEX merchants_manager ON merchants (account_manager_id);
CREATE INDEX merchants_backup ON merchants (backup_manager_id);
CREATE INDEX merchants_team ON merchants (team_id, status);

CREATE TABLE contacts (
    id                {{PK}},
    merchant_id       BIGINT NOT NULL REFERENCES merchants (id),
    name              TEXT NOT NULL,
    role              TEXT NOT NULL,
    preferred_channel TEXT NOT NULL,
    last_verified_at  BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    archived_at       BIGINT,
    archived_by       BIGINT,
    archive_reason    TEXT
);
CREATE INDEX contacts_merchant ON contacts (merchant_id);

-- A removed channel keeps its row (removed_at set) so it can be put back.
-- Rows are kept in contact order (the primary key starts with contact_id),
-- so reading a contact's channels needs no index beside the table.
CREATE TABLE contact_channels (
    contact_id  BIGINT NOT NULL REFERENCES contacts (id),
    id          BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL, -- the contact's merchant, copied for phone search
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    removed_at  BIGINT,
    removed_by  BIGINT,
    PRIMARY KEY (contact_id, id)
){{WITHOUT_ROWID}};
CREATE INDEX contact_channels_value ON contact_channels (value);

CREATE TABLE terminals (
    id              {{PK}},
    serial          TEXT NOT NULL,
    model           TEXT NOT NULL,
    vendor          TEXT NOT NULL,
    tid             TEXT,
    merchant_id     BIGINT REFERENCES merchants (id),
    mid             TEXT,
    status          TEXT NOT NULL,
    install_address TEXT NOT NULL DEFAULT '',
    warranty_end    TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    archived_at     BIGINT,
    archived_by     BIGINT,
    archive_reason  TEXT
);
CREATE UNIQUE INDEX terminals_serial_uq ON terminals (serial);
CREATE UNIQUE INDEX terminals_tid_uq ON terminals (tid) WHERE tid IS NOT NULL;
CREATE INDEX terminals_merchant ON terminals (merchant_id);
CREATE INDEX terminals_mid ON terminals (mid);

CREATE TABLE applications (
    id             {{PK}},
    merchant_id    BIGINT NOT NULL REFERENCES merchants (id),
    documents      TEXT NOT NULL,
    current_stage  TEXT NOT NULL DEFAULT '',
    current_due_at BIGINT,
    completed_at   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    archived_at    BIGINT,
    archived_by    BIGINT,
    archive_reason TEXT
);
CREATE INDEX applications_merchant ON applications (merchant_id);
CREATE INDEX applications_current_due ON applications (current_due_at);

CREATE TABLE application_stages (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    position       INTEGER NOT NULL,
    stage          TEXT NOT NULL,
    responsible_id BIGINT NOT NULL REFERENCES users (id),
    due_at         BIGINT NOT NULL,
    completed_at   BIGINT,
    completed_by   BIGINT,
    PRIMARY KEY (application_id, position)
);
CREATE INDEX application_stages_responsible ON application_stages (responsible_id);

CREATE TABLE contracts (
    id                    {{PK}},
    merchant_id           BIGINT NOT NULL REFERENCES merchants (id),
    starts_on             TEXT NOT NULL,
    ends_on               TEXT NOT NULL,
    deposit_fen           BIGINT NOT NULL,
    monthly_comm_fee_fen  BIGINT NOT NULL,
    monthly_maint_fee_fen BIGINT NOT NULL,
    credit_rate_e5        BIGINT NOT NULL,
    debit_rate_e5         BIGINT NOT NULL,
    debit_cap_fen         BIGINT NOT NULL,
    qr_rate_e5            BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    archived_at           BIGINT,
    archived_by           BIGINT,
    archive_reason        TEXT
);
CREATE INDEX contracts_merchant ON contracts (merchant_id);

-- The audit trail: append-only and hash-chained. seq is assigned by the
-- store under a lock so the chain has no gaps.
CREATE TABLE audit_log (
    seq         {{SEQPK}},
    at          BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL,
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   BIGINT NOT NULL,
    before_json TEXT NOT NULL DEFAULT '',
    after_json  TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
