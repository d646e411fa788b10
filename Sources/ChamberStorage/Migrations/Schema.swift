/// The schema's history. Append new migrations; never edit a released one.
///
/// One SQL for both dialects: text keys (UUIDs), BIGINT millisecond timestamps, BOOLEAN, and JSON as TEXT.
/// Every table that belongs to a chamber carries `chamber_id` and an index that starts with it.
enum Schema {
    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "accounts, chambers, memberships, invitations, businesses, audit log, mail",
            statements: [
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    is_platform_admin BOOLEAN NOT NULL DEFAULT FALSE,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE auth_sessions (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL,
                    last_used_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    revoked_at BIGINT,
                    user_agent TEXT,
                    ip_address TEXT
                )
                """,
                "CREATE INDEX auth_sessions_user ON auth_sessions (user_id, created_at)",
                """
                CREATE TABLE refresh_tokens (
                    token_hash TEXT PRIMARY KEY,
                    session_id TEXT NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL,
                    spent_at BIGINT
                )
                """,
                "CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id)",
                """
                CREATE TABLE password_resets (
                    token_hash TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    expires_at BIGINT NOT NULL,
                    spent_at BIGINT
                )
                """,
                """
                CREATE TABLE chambers (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    slug TEXT NOT NULL UNIQUE,
                    settings TEXT NOT NULL,
                    branding TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE memberships (
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    joined_at BIGINT NOT NULL,
                    PRIMARY KEY (chamber_id, user_id)
                )
                """,
                "CREATE INDEX memberships_user ON memberships (user_id)",
                """
                CREATE TABLE invitations (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    email TEXT NOT NULL,
                    role TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    invited_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    accepted_at BIGINT,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX invitations_chamber ON invitations (chamber_id, created_at)",
                """
                CREATE TABLE businesses (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    owner_user_id TEXT,
                    legal_name TEXT NOT NULL,
                    display_name TEXT,
                    tax_id TEXT,
                    category TEXT,
                    address TEXT NOT NULL,
                    website TEXT,
                    phone TEXT,
                    email TEXT,
                    social_links TEXT NOT NULL,
                    description TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX businesses_chamber ON businesses (chamber_id, legal_name)",
                """
                CREATE TABLE audit_log (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    actor_id TEXT,
                    action TEXT NOT NULL,
                    target TEXT,
                    detail TEXT,
                    at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX audit_log_chamber ON audit_log (chamber_id, at)",
                """
                CREATE TABLE outbound_mail (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX outbound_mail_recipient ON outbound_mail (recipient, created_at)",
            ]),
        Migration(
            version: 2, name: "channels, members and read positions, messages, the channel event stream, held messages",
            statements: [
                """
                CREATE TABLE channels (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    name TEXT,
                    topic TEXT,
                    event_id TEXT,
                    direct_key TEXT,
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    archived_at BIGINT,
                    last_seq BIGINT NOT NULL DEFAULT 0
                )
                """,
                "CREATE UNIQUE INDEX channels_direct ON channels (chamber_id, direct_key)",
                "CREATE INDEX channels_chamber ON channels (chamber_id, kind)",
                """
                CREATE TABLE channel_members (
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    joined_at BIGINT NOT NULL,
                    last_read_seq BIGINT NOT NULL DEFAULT 0,
                    PRIMARY KEY (channel_id, user_id)
                )
                """,
                "CREATE INDEX channel_members_user ON channel_members (chamber_id, user_id)",
                """
                CREATE TABLE messages (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    seq BIGINT NOT NULL,
                    sender_id TEXT NOT NULL,
                    client_message_id TEXT NOT NULL,
                    body TEXT NOT NULL,
                    reply_to TEXT,
                    mentions TEXT NOT NULL,
                    attachments TEXT NOT NULL,
                    reactions TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    edited_at BIGINT,
                    deleted_at BIGINT
                )
                """,
                "CREATE UNIQUE INDEX messages_channel_seq ON messages (channel_id, seq)",
                "CREATE UNIQUE INDEX messages_client_id ON messages (channel_id, sender_id, client_message_id)",
                """
                CREATE TABLE channel_events (
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    seq BIGINT NOT NULL,
                    kind TEXT NOT NULL,
                    message_id TEXT,
                    payload TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (channel_id, seq)
                )
                """,
                """
                CREATE TABLE held_messages (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    sender_id TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    rule TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX held_messages_chamber ON held_messages (chamber_id, created_at)",
            ]),
        Migration(
            version: 3, name: "held messages remember the sender's client message id, so a retried held send is held once",
            statements: [
                "ALTER TABLE held_messages ADD COLUMN client_message_id TEXT",
                "CREATE UNIQUE INDEX held_messages_client_id ON held_messages (channel_id, sender_id, client_message_id)",
            ]),
        Migration(
            version: 4, name: "messages carry the sender's structured data (a JSON object)",
            statements: [
                "ALTER TABLE messages ADD COLUMN data TEXT"
            ]),
        Migration(
            version: 5, name: "moderation: locked channels and slow mode, sanctions, the review queue with reports, reasons in the audit log",
            statements: [
                "ALTER TABLE channels ADD COLUMN locked_at BIGINT",
                "ALTER TABLE channels ADD COLUMN slow_mode_seconds INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE audit_log ADD COLUMN reason TEXT",
                "CREATE INDEX audit_log_action ON audit_log (chamber_id, action, at)",
                """
                CREATE TABLE sanctions (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    channel_id TEXT,
                    reason TEXT,
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT,
                    lifted_at BIGINT,
                    lifted_by TEXT
                )
                """,
                "CREATE INDEX sanctions_user ON sanctions (chamber_id, user_id)",
                """
                CREATE TABLE review_items (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    channel_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    author_id TEXT NOT NULL,
                    body TEXT,
                    rule TEXT,
                    reason TEXT NOT NULL,
                    reports INTEGER NOT NULL DEFAULT 0,
                    state TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    decided_by TEXT,
                    decided_at BIGINT,
                    decision_note TEXT
                )
                """,
                "CREATE INDEX review_items_queue ON review_items (chamber_id, state, created_at)",
                "CREATE INDEX review_items_message ON review_items (chamber_id, message_id)",
                // One open report item per message, however many members report it.
                "CREATE UNIQUE INDEX review_items_open_report ON review_items (message_id) WHERE kind = 'report' AND state = 'pending'",
                """
                CREATE TABLE message_reports (
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    message_id TEXT NOT NULL,
                    reporter_id TEXT NOT NULL,
                    item_id TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (message_id, reporter_id)
                )
                """,
                // Messages held before the queue existed become its first items (their text stays in held_messages).
                """
                INSERT INTO review_items (id, chamber_id, kind, channel_id, message_id, author_id, body, rule, reason, reports, state, created_at)
                SELECT id, chamber_id, 'held', channel_id, id, sender_id, NULL, rule, reason, 0, 'pending', created_at FROM held_messages
                """,
            ]),
        Migration(
            version: 6, name: "each chamber's own moderation settings",
            statements: [
                """
                CREATE TABLE chamber_moderation (
                    chamber_id TEXT PRIMARY KEY REFERENCES chambers(id) ON DELETE CASCADE,
                    settings TEXT NOT NULL,
                    updated_by TEXT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """
            ]),
        Migration(
            version: 7, name: "devices for push, notification preferences and channel mutes",
            statements: [
                // A device follows its session: rows go with the session, and revoking a session deletes its devices.
                """
                CREATE TABLE devices (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    session_id TEXT NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
                    platform TEXT NOT NULL,
                    token TEXT NOT NULL,
                    apns_topic TEXT,
                    apns_environment TEXT,
                    web_push_p256dh TEXT,
                    web_push_auth TEXT,
                    name TEXT,
                    created_at BIGINT NOT NULL,
                    registered_at BIGINT NOT NULL,
                    UNIQUE (platform, token)
                )
                """,
                "CREATE INDEX devices_user ON devices (user_id, registered_at)",
                "CREATE INDEX devices_session ON devices (session_id)",
                """
                CREATE TABLE chamber_notification_defaults (
                    chamber_id TEXT PRIMARY KEY REFERENCES chambers(id) ON DELETE CASCADE,
                    choices TEXT NOT NULL,
                    updated_by TEXT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE notification_choices (
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    choices TEXT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (chamber_id, user_id)
                )
                """,
                """
                CREATE TABLE notification_mutes (
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    until_at BIGINT,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (chamber_id, user_id, channel_id)
                )
                """,
            ]),
        Migration(
            version: 8, name: "in-app notification feeds, and how far each channel was notified",
            statements: [
                """
                CREATE TABLE notifications (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    category TEXT NOT NULL,
                    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
                    seq BIGINT NOT NULL,
                    message_id TEXT NOT NULL,
                    actor_id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    text TEXT NOT NULL,
                    count BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    read_at BIGINT
                )
                """,
                "CREATE INDEX notifications_feed ON notifications (chamber_id, user_id, updated_at)",
                // Unread ones by member (counts) and by channel (a pass looks for the ones to grow in the channels it covers).
                "CREATE INDEX notifications_unread_by_user ON notifications (chamber_id, user_id) WHERE read_at IS NULL",
                "CREATE INDEX notifications_unread_by_channel ON notifications (chamber_id, channel_id) WHERE read_at IS NULL",
                // A channel without a row has been notified of nothing yet; channels that exist now start at their newest
                // message, so that history is not notified.
                """
                CREATE TABLE notification_cursors (
                    channel_id TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
                    chamber_id TEXT NOT NULL,
                    notified_seq BIGINT NOT NULL
                )
                """,
                "INSERT INTO notification_cursors (channel_id, chamber_id, notified_seq) SELECT id, chamber_id, last_seq FROM channels",
            ]),
        Migration(
            version: 9, name: "the push outbox: one job per device, written with the notifications, kept after sending for the counts",
            statements: [
                // No foreign key to devices: a removed device's jobs are cancelled when claimed, and its history stays
                // in the counts.
                """
                CREATE TABLE push_outbox (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    device_id TEXT NOT NULL,
                    platform TEXT NOT NULL,
                    channel_id TEXT NOT NULL,
                    category TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    message_id TEXT NOT NULL,
                    actor_name TEXT NOT NULL,
                    title TEXT NOT NULL,
                    text TEXT NOT NULL,
                    count BIGINT NOT NULL,
                    preview BIGINT NOT NULL,
                    urgent BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    attempts BIGINT NOT NULL,
                    not_before BIGINT NOT NULL,
                    claim TEXT,
                    claimed_until BIGINT,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    finished_at BIGINT
                )
                """,
                "CREATE INDEX push_outbox_due ON push_outbox (not_before) WHERE status = 'pending'",
                "CREATE INDEX push_outbox_unclaimed ON push_outbox (channel_id, device_id) WHERE status = 'pending' AND claim IS NULL",
                "CREATE INDEX push_outbox_by_chamber ON push_outbox (chamber_id, status, finished_at)",
            ]),
        Migration(
            version: 10, name: "push claims are found by their id: a batch's jobs when claimed, and when its lease is renewed",
            statements: [
                "CREATE INDEX push_outbox_claim ON push_outbox (claim) WHERE claim IS NOT NULL"
            ]),
        Migration(
            version: 11, name: "urgent announcements: they pass members' quiet hours",
            statements: [
                "ALTER TABLE messages ADD COLUMN urgent BIGINT NOT NULL DEFAULT 0"
            ]),
        Migration(
            version: 12, name: "the mail outbox: mails are sent by workers, retried, and kept with how they ended",
            statements: [
                // Mails from before were written to the log only, and stay so: sending an old reset link now would be wrong.
                "ALTER TABLE outbound_mail ADD COLUMN status TEXT NOT NULL DEFAULT 'recorded'",
                "ALTER TABLE outbound_mail ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE outbound_mail ADD COLUMN not_before BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE outbound_mail ADD COLUMN claim TEXT",
                "ALTER TABLE outbound_mail ADD COLUMN claimed_until BIGINT",
                "ALTER TABLE outbound_mail ADD COLUMN last_error TEXT",
                "ALTER TABLE outbound_mail ADD COLUMN finished_at BIGINT",
                "UPDATE outbound_mail SET finished_at = created_at",
                "CREATE INDEX outbound_mail_due ON outbound_mail (not_before) WHERE status = 'pending'",
                "CREATE INDEX outbound_mail_claim ON outbound_mail (claim) WHERE claim IS NOT NULL",
            ]),
        Migration(
            version: 13, name: "e-mails owed to members for the notifications they have not read",
            statements: [
                """
                CREATE TABLE notification_emails (
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    due_at BIGINT NOT NULL,
                    since BIGINT NOT NULL,
                    generation BIGINT NOT NULL,
                    pending_since BIGINT,
                    pending_due BIGINT,
                    claim TEXT,
                    claimed_until BIGINT,
                    PRIMARY KEY (chamber_id, user_id)
                )
                """,
                "CREATE INDEX notification_emails_due ON notification_emails (due_at)",
            ]),
        Migration(
            version: 14, name: "mails keep their one-click unsubscribe link",
            statements: [
                "ALTER TABLE outbound_mail ADD COLUMN unsubscribe_url TEXT"
            ]),
        Migration(
            version: 15, name: "membership tiers and applications",
            statements: [
                """
                CREATE TABLE membership_tiers (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    dues_cents BIGINT NOT NULL,
                    period TEXT NOT NULL,
                    benefits TEXT NOT NULL,
                    seats BIGINT NOT NULL,
                    active BOOLEAN NOT NULL,
                    created_at BIGINT NOT NULL,
                    UNIQUE (chamber_id, name)
                )
                """,
                // The steps are one JSON document; the fields that duplicates are looked up by are columns of their own.
                """
                CREATE TABLE membership_applications (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    applicant_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    status TEXT NOT NULL,
                    steps TEXT NOT NULL,
                    checks TEXT NOT NULL,
                    score BIGINT,
                    info_request TEXT,
                    applicant_response TEXT,
                    decision_reason TEXT,
                    decided_by TEXT,
                    decided_at BIGINT,
                    submitted_at BIGINT,
                    business_id TEXT,
                    tax_id TEXT,
                    legal_name_key TEXT,
                    contact_email TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    revision BIGINT NOT NULL DEFAULT 0
                )
                """,
                // One open application per applicant and chamber, however many requests race to start one.
                """
                CREATE UNIQUE INDEX membership_applications_open ON membership_applications (chamber_id, applicant_id)
                WHERE status IN ('draft', 'submitted', 'info_requested')
                """,
                "CREATE INDEX membership_applications_queue ON membership_applications (chamber_id, status, submitted_at)",
                "CREATE INDEX membership_applications_applicant ON membership_applications (applicant_id, created_at)",
                "CREATE INDEX membership_applications_tax_id ON membership_applications (chamber_id, tax_id)",
            ]),
        Migration(
            version: 16, name: "membership standing through the year, and the dues ledger",
            statements: [
                // The standing lives on the owner's membership: the hub reads it with the role, in the same row.
                "ALTER TABLE memberships ADD COLUMN standing_status TEXT",
                "ALTER TABLE memberships ADD COLUMN tier_id TEXT",
                "ALTER TABLE memberships ADD COLUMN business_id TEXT",
                "ALTER TABLE memberships ADD COLUMN trial_ends_at BIGINT",
                "ALTER TABLE memberships ADD COLUMN period_start BIGINT",
                "ALTER TABLE memberships ADD COLUMN paid_through BIGINT",
                "ALTER TABLE memberships ADD COLUMN status_changed_at BIGINT",
                "ALTER TABLE memberships ADD COLUMN standing_revision BIGINT NOT NULL DEFAULT 0",
                "CREATE INDEX memberships_standing ON memberships (chamber_id, standing_status) WHERE standing_status IS NOT NULL",
                """
                CREATE TABLE dues_ledger (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    amount_cents BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    period_start BIGINT,
                    period_end BIGINT,
                    note TEXT,
                    recorded_by TEXT,
                    at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX dues_ledger_member ON dues_ledger (chamber_id, user_id, at)",
            ]),
        Migration(
            version: 17, name: "the directory: per-field privacy, and full-text search by audience",
            statements: [
                "ALTER TABLE businesses ADD COLUMN privacy TEXT NOT NULL DEFAULT '{}'",
                // What each audience may find a business by (DirectoryListing.searchText), written with the business.
                "ALTER TABLE businesses ADD COLUMN search_names TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE businesses ADD COLUMN search_public TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE businesses ADD COLUMN search_members TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE businesses ADD COLUMN search_staff TEXT NOT NULL DEFAULT ''",
                // Listings from before: names for all, the description for the public (its default), the address too
                // for members and staff (its default is members).
                "UPDATE businesses SET search_names = legal_name || ' ' || coalesce(display_name, ''), search_public = coalesce(description, '')",
                // Browsing by name walks this instead of sorting the chamber's businesses.
                "CREATE INDEX businesses_directory_name ON businesses (chamber_id, lower(legal_name), legal_name, id)",
            ],
            // The SQLite index is kept by triggers; an edit that leaves the search texts alone leaves it alone (its
            // delete looks the business up by an unindexed column, a scan of the index's rows).
            sqlite: [
                "UPDATE businesses SET search_members = \(membersText { "json_extract(address, '$.\($0)')" })",
                "UPDATE businesses SET search_staff = search_members",
                """
                CREATE VIRTUAL TABLE business_search USING fts5(
                    business_id UNINDEXED, search_names, search_public, search_members, search_staff,
                    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
                )
                """,
                """
                INSERT INTO business_search (business_id, search_names, search_public, search_members, search_staff)
                SELECT id, search_names, search_public, search_members, search_staff FROM businesses
                """,
                """
                CREATE TRIGGER businesses_search_insert AFTER INSERT ON businesses BEGIN
                    INSERT INTO business_search (business_id, search_names, search_public, search_members, search_staff)
                    VALUES (new.id, new.search_names, new.search_public, new.search_members, new.search_staff);
                END
                """,
                """
                CREATE TRIGGER businesses_search_update AFTER UPDATE ON businesses
                WHEN old.search_names IS NOT new.search_names OR old.search_public IS NOT new.search_public
                    OR old.search_members IS NOT new.search_members OR old.search_staff IS NOT new.search_staff
                BEGIN
                    DELETE FROM business_search WHERE business_id = old.id;
                    INSERT INTO business_search (business_id, search_names, search_public, search_members, search_staff)
                    VALUES (new.id, new.search_names, new.search_public, new.search_members, new.search_staff);
                END
                """,
                """
                CREATE TRIGGER businesses_search_delete AFTER DELETE ON businesses BEGIN
                    DELETE FROM business_search WHERE business_id = old.id;
                END
                """,
            ],
            postgres: [
                "UPDATE businesses SET search_members = \(membersText { "(address::json ->> '\($0)')" })",
                "UPDATE businesses SET search_staff = search_members",
                """
                ALTER TABLE businesses ADD COLUMN search_vector_public tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('simple', search_names), 'A') || setweight(to_tsvector('simple', search_public), 'B')) STORED
                """,
                """
                ALTER TABLE businesses ADD COLUMN search_vector_members tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('simple', search_names), 'A') || setweight(to_tsvector('simple', search_members), 'B')) STORED
                """,
                """
                ALTER TABLE businesses ADD COLUMN search_vector_staff tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('simple', search_names), 'A') || setweight(to_tsvector('simple', search_staff), 'B')) STORED
                """,
                "CREATE INDEX businesses_search_public ON businesses USING GIN (search_vector_public)",
                "CREATE INDEX businesses_search_members ON businesses USING GIN (search_vector_members)",
                "CREATE INDEX businesses_search_staff ON businesses USING GIN (search_vector_staff)",
            ]),
        Migration(
            version: 18, name: "stored files: what each one is, whose, and what the scanner said",
            statements: [
                """
                CREATE TABLE files (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    owner_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    size BIGINT NOT NULL,
                    sha256 TEXT NOT NULL,
                    scan_status TEXT NOT NULL,
                    scan_detail TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX files_chamber ON files (chamber_id, created_at)",
            ]),
        Migration(
            version: 19, name: "members' last-seen time, for engagement",
            statements: ["ALTER TABLE memberships ADD COLUMN last_seen_at BIGINT"]),
        Migration(
            version: 20, name: "a business's revision, so crossing edits are both kept",
            statements: ["ALTER TABLE businesses ADD COLUMN revision BIGINT NOT NULL DEFAULT 0"]),
        Migration(
            version: 21, name: "the directory's revision per chamber, so a node may keep search answers until it changes",
            statements: [
                // The revision is `chambers.directory_revision` plus the chamber's rows here: every committed change to
                // what a search can answer adds a row (by trigger), and compaction folds rows into the chamber's figure
                // in one transaction. Inserting, rather than bumping the chamber's row, keeps writers of one chamber
                // from queueing (or deadlocking) on that row. No foreign key: a deleted chamber's businesses still
                // note their deletion, and compaction drops what no chamber claims.
                "ALTER TABLE chambers ADD COLUMN directory_revision BIGINT NOT NULL DEFAULT 0",
                "CREATE TABLE directory_changes (chamber_id TEXT NOT NULL)",
                "CREATE INDEX directory_changes_chamber ON directory_changes (chamber_id)",
            ],
            // A listing follows its owner's membership and standing; members' other columns (last seen, role) do not
            // change an answer.
            sqlite: [
                ("businesses_directory_insert", "AFTER INSERT ON businesses", "new"),
                ("businesses_directory_update", "AFTER UPDATE ON businesses", "new"),
                ("businesses_directory_delete", "AFTER DELETE ON businesses", "old"),
                ("memberships_directory_insert", "AFTER INSERT ON memberships", "new"),
                (
                    "memberships_directory_update",
                    "AFTER UPDATE OF standing_status ON memberships WHEN old.standing_status IS NOT new.standing_status", "new"
                ),
                ("memberships_directory_delete", "AFTER DELETE ON memberships", "old"),
            ].map { name, event, row in
                "CREATE TRIGGER \(name) \(event) BEGIN INSERT INTO directory_changes (chamber_id) VALUES (\(row).chamber_id); END"
            },
            postgres: [
                """
                CREATE FUNCTION note_directory_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO directory_changes (chamber_id) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.chamber_id ELSE NEW.chamber_id END);
                    RETURN NULL;
                END
                $$
                """,
                """
                CREATE TRIGGER businesses_directory_change AFTER INSERT OR UPDATE OR DELETE ON businesses
                FOR EACH ROW EXECUTE FUNCTION note_directory_change()
                """,
                """
                CREATE TRIGGER memberships_directory_change AFTER INSERT OR DELETE ON memberships
                FOR EACH ROW EXECUTE FUNCTION note_directory_change()
                """,
                """
                CREATE TRIGGER memberships_directory_standing AFTER UPDATE OF standing_status ON memberships
                FOR EACH ROW WHEN (OLD.standing_status IS DISTINCT FROM NEW.standing_status) EXECUTE FUNCTION note_directory_change()
                """,
            ]),
        Migration(
            version: 22, name: "search texts folded (case and accents) by the server, with their version; people found by a folded name",
            statements: [
                // Rows from before are version 0: the directory's periodic job writes their texts again, in Swift
                // (SearchWords). Until it has, names lowercased by SQL let people be found as before.
                "ALTER TABLE businesses ADD COLUMN search_version INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE users ADD COLUMN search_name TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE users ADD COLUMN search_version INTEGER NOT NULL DEFAULT 0",
                "UPDATE users SET search_name = lower(display_name)",
            ]),
        Migration(
            version: 23, name: "events: ticket types and registrations, seats counted on the event's row",
            statements: [
                // `seats_taken` is written only by transactions that hold the event's row (EventStore), so it is the
                // exact sum of the seats of registrations holding seats; capacity is checked against it there.
                """
                CREATE TABLE events (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    title TEXT NOT NULL,
                    description TEXT,
                    starts_at BIGINT NOT NULL,
                    ends_at BIGINT NOT NULL,
                    time_zone TEXT NOT NULL,
                    format TEXT NOT NULL,
                    venue TEXT,
                    virtual_url TEXT,
                    visibility TEXT NOT NULL,
                    tier_ids TEXT NOT NULL,
                    capacity BIGINT,
                    seats_taken BIGINT NOT NULL DEFAULT 0,
                    offer_minutes BIGINT NOT NULL,
                    payment_minutes BIGINT NOT NULL,
                    cancellation_cutoff_hours BIGINT,
                    status TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    revision BIGINT NOT NULL DEFAULT 0,
                    room_id TEXT,
                    reminded_at BIGINT
                )
                """,
                "CREATE INDEX events_by_start ON events (chamber_id, starts_at)",
                "CREATE INDEX events_published_end ON events (ends_at) WHERE status = 'published'",
                """
                CREATE TABLE event_ticket_types (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                    position BIGINT NOT NULL,
                    name TEXT NOT NULL,
                    price_cents BIGINT NOT NULL,
                    audience TEXT NOT NULL,
                    tier_ids TEXT NOT NULL,
                    seats_per_ticket BIGINT NOT NULL,
                    capacity BIGINT,
                    seats_taken BIGINT NOT NULL DEFAULT 0,
                    sales_start BIGINT,
                    sales_end BIGINT,
                    active BOOLEAN NOT NULL,
                    UNIQUE (event_id, name)
                )
                """,
                """
                CREATE TABLE event_registrations (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                    user_id TEXT,
                    registered_by TEXT NOT NULL,
                    name TEXT NOT NULL,
                    ticket_type_id TEXT NOT NULL REFERENCES event_ticket_types(id),
                    guests TEXT NOT NULL,
                    seats BIGINT NOT NULL,
                    amount_cents BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    idempotency_key TEXT,
                    created_at BIGINT NOT NULL,
                    waitlisted_at BIGINT,
                    offer_expires_at BIGINT,
                    payment_due_at BIGINT,
                    paid_at BIGINT,
                    payment_reference TEXT,
                    cancelled_at BIGINT,
                    check_in_token TEXT NOT NULL,
                    checked_in_at BIGINT,
                    checked_in_by TEXT,
                    walk_in BOOLEAN NOT NULL,
                    revision BIGINT NOT NULL DEFAULT 0,
                    discount_code_id TEXT,
                    discount_code TEXT
                )
                """,
                // One open registration per account and event, whatever races; a retried key finds its registration.
                """
                CREATE UNIQUE INDEX event_registrations_open ON event_registrations (event_id, user_id)
                WHERE status NOT IN ('cancelled', 'expired')
                """,
                "CREATE UNIQUE INDEX event_registrations_key ON event_registrations (event_id, registered_by, idempotency_key)",
                "CREATE UNIQUE INDEX event_registrations_token ON event_registrations (event_id, check_in_token)",
                "CREATE INDEX event_registrations_by_event ON event_registrations (event_id, created_at)",
                "CREATE INDEX event_registrations_waiting ON event_registrations (event_id, waitlisted_at) WHERE status = 'waitlisted'",
                """
                CREATE INDEX event_registrations_due ON event_registrations (event_id)
                WHERE status IN ('offered', 'pending_payment', 'waitlisted')
                """,
                // `uses` is written, like the seats, only under the event's row: registrations holding the code.
                """
                CREATE TABLE event_discount_codes (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                    code TEXT NOT NULL,
                    percent_off BIGINT,
                    amount_off_cents BIGINT,
                    ticket_type_ids TEXT NOT NULL,
                    max_uses BIGINT,
                    uses BIGINT NOT NULL DEFAULT 0,
                    valid_until BIGINT,
                    active BOOLEAN NOT NULL,
                    UNIQUE (event_id, code)
                )
                """,
            ]),
        Migration(
            version: 24, name: "billing: invoices, their append-only ledger, and the keys of money-moving requests",
            statements: [
                """
                CREATE TABLE invoices (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id),
                    number TEXT,
                    status TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    lines TEXT NOT NULL,
                    memo TEXT,
                    total_minor BIGINT NOT NULL,
                    paid_minor BIGINT NOT NULL,
                    credited_minor BIGINT NOT NULL,
                    refunded_minor BIGINT NOT NULL,
                    issued_at BIGINT,
                    due_days BIGINT NOT NULL,
                    due_at BIGINT,
                    paid_at BIGINT,
                    closed_at BIGINT,
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    revision BIGINT NOT NULL DEFAULT 0,
                    registration_id TEXT,
                    UNIQUE (chamber_id, number)
                )
                """,
                "CREATE INDEX invoices_by_member ON invoices (chamber_id, user_id, created_at)",
                // One live invoice per event registration, however often billing it is attempted.
                "CREATE UNIQUE INDEX invoices_by_registration ON invoices (chamber_id, registration_id) WHERE registration_id IS NOT NULL AND status <> 'void'",
                "ALTER TABLE event_registrations ADD COLUMN invoice_id TEXT",
                // Card processors' webhook events as received: not a chamber's table (an event names its chamber only
                // in the payment's metadata), kept to apply each once and in order per payment.
                """
                CREATE TABLE payment_events (
                    event_id TEXT PRIMARY KEY,
                    payment_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    created BIGINT NOT NULL,
                    chamber_id TEXT,
                    received_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX payment_events_by_payment ON payment_events (payment_id, created)",
                "CREATE INDEX invoices_by_chamber ON invoices (chamber_id, created_at)",
                // Numbers are handed out in order of issue, one counter row per chamber (its row lock orders issuers).
                """
                CREATE TABLE invoice_counters (
                    chamber_id TEXT PRIMARY KEY REFERENCES chambers(id) ON DELETE CASCADE,
                    last_number BIGINT NOT NULL
                )
                """,
                // The ledger is the record of money: rows are added, never changed (triggers below refuse updates).
                """
                CREATE TABLE ledger_entries (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    invoice_id TEXT NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    amount_minor BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    method TEXT,
                    reference TEXT,
                    actor_id TEXT,
                    at BIGINT NOT NULL,
                    position BIGINT NOT NULL
                )
                """,
                "CREATE INDEX ledger_entries_by_invoice ON ledger_entries (chamber_id, invoice_id, position)",
                """
                CREATE TABLE billing_requests (
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    idempotency_key TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    invoice_id TEXT NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (chamber_id, idempotency_key)
                )
                """,
            ],
            sqlite: [
                """
                CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE ON ledger_entries
                BEGIN SELECT RAISE(ABORT, 'ledger entries are never changed'); END
                """
            ],
            postgres: [
                """
                CREATE FUNCTION refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'ledger entries are never changed';
                END
                $$
                """,
                "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change()",
            ]),
        Migration(
            version: 25, name: "billing: dues invoices (one per period and per tier change), late fees, reminders sent",
            statements: [
                "ALTER TABLE invoices ADD COLUMN fees_minor BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE invoices ADD COLUMN reminders_sent BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE invoices ADD COLUMN dues_kind TEXT",
                "ALTER TABLE invoices ADD COLUMN dues_tier_id TEXT",
                "ALTER TABLE invoices ADD COLUMN dues_period_start BIGINT",
                "ALTER TABLE invoices ADD COLUMN dues_period_end BIGINT",
                "ALTER TABLE invoices ADD COLUMN dues_reference TEXT",
                // One live invoice per period of a membership and per tier change, however many nodes run the dues job.
                "CREATE UNIQUE INDEX invoices_by_dues ON invoices (chamber_id, dues_reference) WHERE dues_reference IS NOT NULL AND status <> 'void'",
                // The reminder sweep reads the open invoices.
                "CREATE INDEX invoices_by_status ON invoices (chamber_id, status, due_at)",
            ]),
        Migration(
            version: 26, name: "webhooks out: a chamber's endpoints, and the outbox of their deliveries",
            statements: [
                """
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    description TEXT,
                    events TEXT NOT NULL,
                    active BOOLEAN NOT NULL,
                    secret TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX webhook_endpoints_by_chamber ON webhook_endpoints (chamber_id, created_at)",
                // One delivery per endpoint and event, however often the event is queued.
                """
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY,
                    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    event_id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts BIGINT NOT NULL,
                    last_status_code BIGINT,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    next_attempt_at BIGINT NOT NULL,
                    finished_at BIGINT,
                    claim TEXT,
                    claimed_until BIGINT,
                    UNIQUE (endpoint_id, event_id)
                )
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
                "CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (chamber_id, endpoint_id, created_at)",
                "CREATE INDEX webhook_deliveries_by_claim ON webhook_deliveries (claim)",
            ]),
        Migration(
            version: 27, name: "billing: members' cards saved with the processor (its customer and payment method), and autopay",
            statements: [
                """
                CREATE TABLE saved_cards (
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    customer_id TEXT NOT NULL,
                    payment_method_id TEXT,
                    brand TEXT,
                    last4 TEXT,
                    exp_month BIGINT,
                    exp_year BIGINT,
                    autopay BOOLEAN NOT NULL,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (chamber_id, user_id)
                )
                """
            ]),
        Migration(
            version: 28, name: "channel members listed by channel in join order, without reading the whole chamber's members",
            statements: [
                // SQLite, lacking statistics, read a channel's members through (chamber_id, user_id), every member of
                // the chamber then sorted: 1.6 ms for a direct message's two members in a chamber of 2,000.
                "CREATE INDEX channel_members_channel ON channel_members (channel_id, joined_at, user_id)"
            ]),
        Migration(
            version: 29, name: "two-factor sign-in: authenticator secrets (sealed), recovery codes and pending logins (hashes)",
            statements: [
                """
                CREATE TABLE two_factor_secrets (
                    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                    sealed_secret TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    enabled_at BIGINT,
                    last_step BIGINT NOT NULL DEFAULT 0,
                    failures INTEGER NOT NULL DEFAULT 0,
                    failures_since BIGINT
                )
                """,
                """
                CREATE TABLE recovery_codes (
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    code_hash TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    spent_at BIGINT,
                    PRIMARY KEY (user_id, code_hash)
                )
                """,
                """
                CREATE TABLE second_factor_challenges (
                    token_hash TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    expires_at BIGINT NOT NULL,
                    failures INTEGER NOT NULL DEFAULT 0
                )
                """,
                "CREATE INDEX second_factor_challenges_expiry ON second_factor_challenges (expires_at)",
                "CREATE INDEX second_factor_challenges_user ON second_factor_challenges (user_id)",
                "ALTER TABLE auth_sessions ADD COLUMN second_factor_at BIGINT",
            ]),
        Migration(
            version: 30, name: "indexes that keep hot reads to one member, channel or device instead of the whole chamber",
            statements: [
                // SQLite keeps no statistics here, and picked (chamber_id)-led indexes that read every row of the chamber
                // for these; each index below is the one its statement's equalities call for (QueryPlanTests holds them).
                "DROP INDEX held_messages_chamber",
                "CREATE INDEX push_outbox_unclaimed_by_channel ON push_outbox (chamber_id, channel_id) WHERE status = 'pending' AND claim IS NULL",
                "CREATE INDEX push_outbox_unclaimed_by_device ON push_outbox (device_id) WHERE status = 'pending' AND claim IS NULL",
                "CREATE INDEX notifications_unread_by_user_channel ON notifications (chamber_id, user_id, channel_id) WHERE read_at IS NULL",
                "DROP INDEX notifications_unread_by_user",
                "CREATE INDEX notifications_unread_by_channel_time ON notifications (chamber_id, channel_id, updated_at) WHERE read_at IS NULL",
                "DROP INDEX notifications_unread_by_channel",
                "CREATE INDEX memberships_role ON memberships (chamber_id, role)",
                "CREATE INDEX businesses_owner ON businesses (chamber_id, owner_user_id)",
            ]),
        Migration(
            version: 31, name: "API keys for a chamber's other tools (secrets as hashes only)",
            statements: [
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    secret_hash TEXT NOT NULL UNIQUE,
                    scopes TEXT NOT NULL,
                    allowed_addresses TEXT NOT NULL,
                    expires_at BIGINT,
                    created_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL,
                    last_used_at BIGINT,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX api_keys_chamber ON api_keys (chamber_id, created_at)",
            ]),
        Migration(
            version: 32, name: "members' data exports; erased accounts",
            statements: [
                """
                CREATE TABLE data_exports (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    requested_by TEXT NOT NULL,
                    status TEXT NOT NULL,
                    requested_at BIGINT NOT NULL,
                    ready_at BIGINT,
                    expires_at BIGINT,
                    size BIGINT,
                    failure TEXT,
                    claimed_until BIGINT
                )
                """,
                "CREATE INDEX data_exports_member ON data_exports (chamber_id, user_id, requested_at)",
                // The workers' queue: pending ones to prepare, ready ones to expire.
                "CREATE INDEX data_exports_open ON data_exports (status, claimed_until) WHERE status IN ('pending', 'ready')",
                // One pending export per member and chamber, however many ask at once.
                "CREATE UNIQUE INDEX data_exports_one_pending ON data_exports (chamber_id, user_id) WHERE status = 'pending'",
                "ALTER TABLE users ADD COLUMN erased_at BIGINT",
            ]),
        Migration(
            version: 33, name: "sign-in with OpenID Connect providers",
            statements: [
                """
                CREATE TABLE sign_in_requests (
                    state_hash TEXT PRIMARY KEY,
                    binding_hash TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    nonce TEXT NOT NULL,
                    code_verifier TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
                    expires_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX sign_in_requests_expiry ON sign_in_requests (expires_at)",
                """
                CREATE TABLE linked_identities (
                    provider TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    email TEXT,
                    linked_at BIGINT NOT NULL,
                    PRIMARY KEY (provider, subject)
                )
                """,
                // One identity per provider and account: linking a second Google account to the same account is refused.
                "CREATE UNIQUE INDEX linked_identities_user ON linked_identities (user_id, provider)",
                // Which provider a session (or a login waiting for its second factor) signed in through, for chambers
                // that require their admins to sign in through theirs.
                "ALTER TABLE auth_sessions ADD COLUMN sign_in_provider TEXT",
                "ALTER TABLE second_factor_challenges ADD COLUMN sign_in_provider TEXT",
            ]),
        Migration(
            version: 34, name: "archives of messages and audit entries past a chamber's retention",
            statements: [
                """
                CREATE TABLE retention_archives (
                    id TEXT NOT NULL,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    from_at BIGINT NOT NULL,
                    to_at BIGINT NOT NULL,
                    row_count BIGINT NOT NULL,
                    size BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (chamber_id, id)
                )
                """,
                "CREATE INDEX retention_archives_time ON retention_archives (chamber_id, created_at)",
            ]),
        Migration(
            version: 35, name: "files attached to messages, kept for the channel they were uploaded to",
            statements: [
                "ALTER TABLE files ADD COLUMN channel_id TEXT",
                // When a sweep found a message naming the attachment: from then on only deleting that message removes it.
                "ALTER TABLE files ADD COLUMN named_at BIGINT",
                "CREATE INDEX files_unnamed_attachments ON files (created_at) WHERE kind = 'message_attachment' AND named_at IS NULL",
            ]),
        Migration(
            version: 36, name: "tax ids sealed, found by keyed lookup tokens",
            statements: [
                // Sealing the values themselves takes the cipher: SealedFieldsUpkeep does it after the migrations.
                // An application's tax id stays in its steps (sealed there); the plain copy that was searched is
                // emptied. The column stays while older nodes of a rolling upgrade still name it in their statements.
                "DROP INDEX membership_applications_tax_id",
                "UPDATE membership_applications SET tax_id = NULL",
                "ALTER TABLE membership_applications ADD COLUMN tax_id_token TEXT",
                "ALTER TABLE businesses ADD COLUMN tax_id_token TEXT",
                "CREATE INDEX membership_applications_tax_id_token ON membership_applications (chamber_id, tax_id_token)",
                "CREATE INDEX businesses_tax_id_token ON businesses (chamber_id, tax_id_token)",
            ]),
        Migration(
            version: 37, name: "a business listing's logo",
            statements: ["ALTER TABLE businesses ADD COLUMN logo_url TEXT"]),
        Migration(
            version: 38, name: "check-ins found by chamber, for engagement",
            statements: [
                "CREATE INDEX event_registrations_checked_in ON event_registrations (chamber_id, checked_in_at) WHERE checked_in_at IS NOT NULL"
            ]),
        Migration(
            version: 39, name: "the seats of member businesses: their staff, and invitations to a seat",
            statements: [
                "ALTER TABLE memberships ADD COLUMN seat_business_id TEXT",
                "CREATE INDEX memberships_seat ON memberships (chamber_id, seat_business_id) WHERE seat_business_id IS NOT NULL",
                "CREATE INDEX memberships_business ON memberships (chamber_id, business_id) WHERE business_id IS NOT NULL",
                "ALTER TABLE invitations ADD COLUMN business_id TEXT",
                "CREATE INDEX invitations_business ON invitations (chamber_id, business_id) WHERE business_id IS NOT NULL",
            ]),
        Migration(
            version: 40, name: "a member's unread notifications in every chamber, for their phone's badge",
            statements: [
                "CREATE INDEX notifications_unread_of_user ON notifications (user_id) WHERE read_at IS NULL"
            ]),
        // One-click unsubscription turned e-mail off in every category; mail about a member's invoices and membership
        // now heeds those two levels, so members who unsubscribed before keep that mail: their two levels go back to
        // the default (every category off marks an unsubscription; a member who chose it category by category can
        // choose again).
        Migration(
            version: 41, name: "members who unsubscribed from notification mail keep their invoice and membership mail",
            statements: [],
            sqlite: [
                """
                UPDATE notification_choices SET choices = json_remove(choices, '$.levels.billing.email', '$.levels.membership.email')
                WHERE json_extract(choices, '$.levels.direct_messages.email') = 'none' AND json_extract(choices, '$.levels.mentions.email') = 'none' AND json_extract(choices, '$.levels.announcements.email') = 'none' AND json_extract(choices, '$.levels.channel_messages.email') = 'none' AND json_extract(choices, '$.levels.events.email') = 'none' AND json_extract(choices, '$.levels.membership.email') = 'none' AND json_extract(choices, '$.levels.billing.email') = 'none'
                """
            ],
            postgres: [
                """
                UPDATE notification_choices SET choices = ((choices::jsonb #- '{levels,billing,email}') #- '{levels,membership,email}')::text
                WHERE (choices::jsonb #>> '{levels,direct_messages,email}') = 'none' AND (choices::jsonb #>> '{levels,mentions,email}') = 'none' AND (choices::jsonb #>> '{levels,announcements,email}') = 'none' AND (choices::jsonb #>> '{levels,channel_messages,email}') = 'none' AND (choices::jsonb #>> '{levels,events,email}') = 'none' AND (choices::jsonb #>> '{levels,membership,email}') = 'none' AND (choices::jsonb #>> '{levels,billing,email}') = 'none'
                """
            ]),
        // A notice (an invoice, a change of membership) is a feed entry of no channel, message or author: those columns
        // may be empty, and its subject is named. SQLite cannot loosen a column: the table is built again, as it was
        // but for those, with its data and its indexes (nothing refers to it).
        Migration(
            version: 42, name: "notices in the feed: notifications of no channel that name their subject",
            statements: [],
            sqlite: [
                """
                CREATE TABLE notifications_rebuilt (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    category TEXT NOT NULL,
                    channel_id TEXT REFERENCES channels(id) ON DELETE CASCADE,
                    seq BIGINT NOT NULL,
                    message_id TEXT,
                    actor_id TEXT,
                    title TEXT NOT NULL,
                    text TEXT NOT NULL,
                    count BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    read_at BIGINT,
                    subject_kind TEXT,
                    subject_id TEXT
                )
                """,
                """
                INSERT INTO notifications_rebuilt (id, chamber_id, user_id, category, channel_id, seq, message_id, actor_id, title, text, count,
                    created_at, updated_at, read_at)
                SELECT id, chamber_id, user_id, category, channel_id, seq, message_id, actor_id, title, text, count, created_at, updated_at, read_at
                FROM notifications
                """,
                "DROP TABLE notifications",
                "ALTER TABLE notifications_rebuilt RENAME TO notifications",
                "CREATE INDEX notifications_feed ON notifications (chamber_id, user_id, updated_at)",
                "CREATE INDEX notifications_unread_by_user_channel ON notifications (chamber_id, user_id, channel_id) WHERE read_at IS NULL",
                "CREATE INDEX notifications_unread_by_channel_time ON notifications (chamber_id, channel_id, updated_at) WHERE read_at IS NULL",
                "CREATE INDEX notifications_unread_of_user ON notifications (user_id) WHERE read_at IS NULL",
            ],
            postgres: [
                "ALTER TABLE notifications ALTER COLUMN channel_id DROP NOT NULL",
                "ALTER TABLE notifications ALTER COLUMN message_id DROP NOT NULL",
                "ALTER TABLE notifications ALTER COLUMN actor_id DROP NOT NULL",
                "ALTER TABLE notifications ADD COLUMN subject_kind TEXT",
                "ALTER TABLE notifications ADD COLUMN subject_id TEXT",
            ]),
        // A notice is pushed too: its job names its subject, and no channel or message. Built again on SQLite, as 42.
        Migration(
            version: 43, name: "pushes of notices: jobs of no channel that name their subject",
            statements: [],
            sqlite: [
                """
                CREATE TABLE push_outbox_rebuilt (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    device_id TEXT NOT NULL,
                    platform TEXT NOT NULL,
                    channel_id TEXT,
                    category TEXT NOT NULL,
                    seq BIGINT NOT NULL,
                    message_id TEXT,
                    actor_name TEXT NOT NULL,
                    title TEXT NOT NULL,
                    text TEXT NOT NULL,
                    count BIGINT NOT NULL,
                    preview BIGINT NOT NULL,
                    urgent BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    attempts BIGINT NOT NULL,
                    not_before BIGINT NOT NULL,
                    claim TEXT,
                    claimed_until BIGINT,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    finished_at BIGINT,
                    subject_kind TEXT,
                    subject_id TEXT
                )
                """,
                """
                INSERT INTO push_outbox_rebuilt (id, chamber_id, user_id, device_id, platform, channel_id, category, seq, message_id, actor_name,
                    title, text, count, preview, urgent, status, attempts, not_before, claim, claimed_until, last_error, created_at, finished_at)
                SELECT id, chamber_id, user_id, device_id, platform, channel_id, category, seq, message_id, actor_name, title, text, count, preview,
                    urgent, status, attempts, not_before, claim, claimed_until, last_error, created_at, finished_at
                FROM push_outbox
                """,
                "DROP TABLE push_outbox",
                "ALTER TABLE push_outbox_rebuilt RENAME TO push_outbox",
                "CREATE INDEX push_outbox_due ON push_outbox (not_before) WHERE status = 'pending'",
                "CREATE INDEX push_outbox_unclaimed ON push_outbox (channel_id, device_id) WHERE status = 'pending' AND claim IS NULL",
                "CREATE INDEX push_outbox_by_chamber ON push_outbox (chamber_id, status, finished_at)",
                "CREATE INDEX push_outbox_claim ON push_outbox (claim) WHERE claim IS NOT NULL",
                "CREATE INDEX push_outbox_unclaimed_by_channel ON push_outbox (chamber_id, channel_id) WHERE status = 'pending' AND claim IS NULL",
                "CREATE INDEX push_outbox_unclaimed_by_device ON push_outbox (device_id) WHERE status = 'pending' AND claim IS NULL",
            ],
            postgres: [
                "ALTER TABLE push_outbox ALTER COLUMN channel_id DROP NOT NULL",
                "ALTER TABLE push_outbox ALTER COLUMN message_id DROP NOT NULL",
                "ALTER TABLE push_outbox ADD COLUMN subject_kind TEXT",
                "ALTER TABLE push_outbox ADD COLUMN subject_id TEXT",
            ]),
        // A notice is written owed in the transaction of the change it tells of, and forgotten in the transaction that
        // records its feed entry, pushes and mail: a node that stops in between leaves it for any node's worker.
        Migration(
            version: 44, name: "notices owed: written with their change, recorded once by any node",
            statements: [
                """
                CREATE TABLE notice_outbox (
                    id TEXT PRIMARY KEY,
                    chamber_id TEXT NOT NULL REFERENCES chambers(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    category TEXT NOT NULL,
                    subject_kind TEXT NOT NULL,
                    subject_id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    text TEXT NOT NULL,
                    mail_subject TEXT,
                    created_at BIGINT NOT NULL,
                    attempts BIGINT NOT NULL,
                    not_before BIGINT NOT NULL,
                    last_error TEXT
                )
                """,
                "CREATE INDEX notice_outbox_due ON notice_outbox (not_before)",
                "CREATE INDEX notice_outbox_of_user ON notice_outbox (user_id)",
            ]),
    ]

    /// The words members find a listing from before migration 17 by: its description and address, each address field
    /// read by the dialect's JSON accessor.
    private static func membersText(_ field: (String) -> String) -> String {
        (["coalesce(description, '')"] + ["line1", "line2", "city", "region", "postalCode"].map { "coalesce(\(field($0)), '')" })
            .joined(separator: " || ' ' || ")
    }
}
