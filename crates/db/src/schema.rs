//! Table definitions shared by both backends (written by hand: both backends' migrations
//! must produce these column types).

diesel::table! {
    /// The unit registry.
    units (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        name_folded -> Text,
        kind -> Text,
        parent_code -> Nullable<Text>,
        official_code -> Nullable<Text>,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        successor_code -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Who changed what, when: one row per mutation.
    audit_log (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    /// People who log in.
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        unit_code -> Nullable<Text>,
        roles -> Text,
        password_hash -> Text,
        active -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        password_changed_at -> Timestamp,
    }
}

diesel::table! {
    /// Machine clients.
    clients (id) {
        id -> BigInt,
        client_id -> Text,
        name -> Text,
        secret_hash -> Text,
        scopes -> Text,
        unit_code -> Nullable<Text>,
        active -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        secret_rotated_at -> Timestamp,
    }
}

diesel::table! {
    /// Refresh tokens (hashed), grouped in rotation families.
    refresh_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        family_id -> Text,
        user_id -> BigInt,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Access tokens revoked before their expiry.
    revoked_access_tokens (jti) {
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// Failed logins, for throttling.
    login_failures (id) {
        id -> BigInt,
        throttle_key -> Text,
        failed_at_ms -> BigInt,
    }
}

diesel::table! {
    /// Generated token-signing secrets.
    signing_keys (id) {
        id -> BigInt,
        purpose -> Text,
        kid -> Text,
        algorithm -> Text,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    units,
    audit_log,
    users,
    clients,
    refresh_tokens,
    revoked_access_tokens,
    login_failures,
    signing_keys
);
