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

diesel::allow_tables_to_appear_in_same_query!(units, audit_log);
