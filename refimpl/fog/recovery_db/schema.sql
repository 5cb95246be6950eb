-- Recovery database schema, shared by the SQLite and PostgreSQL back ends.
-- Tables, columns and constraints follow MobileCoin
-- fog/sql_recovery_db/migrations/2020-11-03-203017_create_initial_db/up.sql.
-- {id}, {bytes}, {timestamp} and {event_type} are filled in per back end (backend.py);
-- statements end with a semicolon at the end of a line.

CREATE TABLE IF NOT EXISTS ingress_keys (
    ingress_public_key {bytes} PRIMARY KEY,
    -- first block fog promises to scan with this key
    start_block BIGINT NOT NULL,
    -- largest expiry ever published for the key; <= start_block means never published
    pubkey_expiry BIGINT NOT NULL DEFAULT 0,
    -- no new reports; scanning continues up to pubkey_expiry
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    -- nobody holds the private key any more
    lost BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE IF NOT EXISTS ingest_invocations (
    id {id},
    ingress_public_key {bytes} NOT NULL
        REFERENCES ingress_keys (ingress_public_key),
    -- the KexRng public key this invocation derives search keys from
    egress_public_key {bytes} NOT NULL UNIQUE,
    last_active_at {timestamp} NOT NULL,
    start_block BIGINT NOT NULL,
    decommissioned BOOLEAN NOT NULL DEFAULT FALSE,
    rng_version INT NOT NULL
);

CREATE TABLE IF NOT EXISTS ingested_blocks (
    id {id},
    ingest_invocation_id BIGINT NOT NULL REFERENCES ingest_invocations (id),
    ingress_public_key {bytes} NOT NULL REFERENCES ingress_keys (ingress_public_key),
    block_number BIGINT NOT NULL,
    cumulative_txo_count BIGINT NOT NULL,
    -- seconds since the unix epoch (u64 bits stored in an i64)
    block_signature_timestamp BIGINT NOT NULL,
    -- protobuf ProtoIngestedBlockData: repeated ETxOutRecord e_tx_out_records = 1
    proto_ingested_block_data {bytes} NOT NULL,
    UNIQUE (ingest_invocation_id, block_number),
    -- a second writer with the same key learns that someone else scanned the block
    UNIQUE (ingress_public_key, block_number)
);

CREATE INDEX IF NOT EXISTS idx_ingested_blocks__block_number
    ON ingested_blocks (block_number);

CREATE TABLE IF NOT EXISTS user_events (
    id {id},
    event_type {event_type} NOT NULL,
    new_ingest_invocation_id BIGINT NULL UNIQUE REFERENCES ingest_invocations (id),
    decommission_ingest_invocation_id BIGINT NULL UNIQUE REFERENCES ingest_invocations (id),
    -- half-open range [missing_blocks_start, missing_blocks_end)
    missing_blocks_start BIGINT NULL,
    missing_blocks_end BIGINT NULL,
    UNIQUE (missing_blocks_start, missing_blocks_end)
);

CREATE INDEX IF NOT EXISTS idx_user_events__event_type__id
    ON user_events (event_type, id);

CREATE TABLE IF NOT EXISTS reports (
    id {id},
    ingress_public_key {bytes} NOT NULL REFERENCES ingress_keys (ingress_public_key),
    -- NULL when a report is published before the invocation has an id
    ingest_invocation_id BIGINT NULL REFERENCES ingest_invocations (id),
    fog_report_id VARCHAR(64) NOT NULL UNIQUE,
    -- serialized attestation evidence of the ingest enclave
    report {bytes} NOT NULL,
    -- last block at which a client may use this key
    pubkey_expiry BIGINT NOT NULL
);
