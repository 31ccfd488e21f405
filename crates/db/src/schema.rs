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

diesel::table! {
    /// Plans (kế hoạch).
    plans (id) {
        id -> BigInt,
        code -> Text,
        number -> Nullable<Text>,
        title -> Text,
        title_folded -> Text,
        kind -> Text,
        issued_date -> Nullable<Date>,
        issuer_unit -> Nullable<Text>,
        signer -> Nullable<Text>,
        signer_title -> Nullable<Text>,
        first_year -> Integer,
        last_year -> Integer,
        status -> Text,
        focal_unit -> Nullable<Text>,
        general_goals -> Nullable<Text>,
        report_due_date -> Nullable<Date>,
        declared_total_vnd -> Nullable<BigInt>,
        declared_investment_vnd -> Nullable<BigInt>,
        declared_recurrent_vnd -> Nullable<BigInt>,
        declared_central_vnd -> Nullable<BigInt>,
        declared_local_vnd -> Nullable<BigInt>,
        declared_totals_text -> Nullable<Text>,
        source -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A plan's legal bases (căn cứ), in printed order.
    plan_legal_bases (id) {
        id -> BigInt,
        plan_id -> BigInt,
        position -> Integer,
        doc_type -> Nullable<Text>,
        number -> Nullable<Text>,
        issued_on -> Nullable<Date>,
        title -> Nullable<Text>,
        citation -> Text,
    }
}

diesel::table! {
    /// The TỔNG CỘNG rows of a plan's tables, as printed.
    plan_declared_totals (id) {
        id -> BigInt,
        plan_id -> BigInt,
        column_name -> Text,
        amount_vnd -> BigInt,
        printed_text -> Nullable<Text>,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    /// Indicators (chỉ tiêu).
    indicators (id) {
        id -> BigInt,
        plan_id -> BigInt,
        code -> Text,
        name -> Text,
        name_folded -> Text,
        pillar -> Text,
        group_text -> Nullable<Text>,
        measure -> Text,
        direction -> Text,
        unit_of_measure -> Nullable<Text>,
        allows_over_100 -> Integer,
        lead_text -> Nullable<Text>,
        coordinating_text -> Nullable<Text>,
        evaluation_kind -> Nullable<Text>,
        evaluation_year -> Nullable<Integer>,
        evaluation_month -> Nullable<Integer>,
        evaluation_time_text -> Nullable<Text>,
        roll_up -> Text,
        source -> Nullable<Text>,
        source_row -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Indicator targets, one per year.
    indicator_targets (id) {
        id -> BigInt,
        indicator_id -> BigInt,
        year -> Integer,
        target_value -> Nullable<Double>,
        target_text -> Text,
    }
}

diesel::table! {
    /// Tasks (nhiệm vụ).
    tasks (id) {
        id -> BigInt,
        plan_id -> BigInt,
        code -> Text,
        content -> Text,
        content_folded -> Text,
        section -> Nullable<Text>,
        category -> Nullable<Text>,
        pillar -> Nullable<Text>,
        lead_text -> Nullable<Text>,
        coordinating_text -> Nullable<Text>,
        timing_kind -> Text,
        timing_year -> Nullable<Integer>,
        timing_last_year -> Nullable<Integer>,
        timing_part -> Nullable<Integer>,
        timing_last_part -> Nullable<Integer>,
        timing_text -> Nullable<Text>,
        due_date -> Nullable<Date>,
        source -> Nullable<Text>,
        source_row -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Public-investment projects (dự án).
    projects (id) {
        id -> BigInt,
        plan_id -> BigInt,
        code -> Text,
        name -> Text,
        name_folded -> Text,
        investor_text -> Nullable<Text>,
        start_year -> Nullable<Integer>,
        end_year -> Nullable<Integer>,
        period_text -> Nullable<Text>,
        total_investment_vnd -> Nullable<BigInt>,
        central_vnd -> Nullable<BigInt>,
        local_vnd -> Nullable<BigInt>,
        other_vnd -> Nullable<BigInt>,
        disbursed_before_vnd -> Nullable<BigInt>,
        stage -> Nullable<Text>,
        stage_text -> Nullable<Text>,
        decision_ref -> Nullable<Text>,
        funding_note -> Nullable<Text>,
        carried_over -> Nullable<Integer>,
        same_as -> Nullable<Text>,
        source -> Nullable<Text>,
        source_row -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Capital per project and year.
    project_allocations (id) {
        id -> BigInt,
        project_id -> BigInt,
        year -> Integer,
        allocated_vnd -> Nullable<BigInt>,
        allocated_central_vnd -> Nullable<BigInt>,
        allocated_local_vnd -> Nullable<BigInt>,
        allocated_other_vnd -> Nullable<BigInt>,
        implemented_vnd -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Recurrent budget lines.
    budget_lines (id) {
        id -> BigInt,
        plan_id -> BigInt,
        code -> Text,
        name -> Text,
        name_folded -> Text,
        implementing_text -> Nullable<Text>,
        amount_vnd -> Nullable<BigInt>,
        budget_category -> Nullable<Text>,
        funding_note -> Nullable<Text>,
        start_year -> Nullable<Integer>,
        end_year -> Nullable<Integer>,
        period_text -> Nullable<Text>,
        status_text -> Nullable<Text>,
        decision_ref -> Nullable<Text>,
        source -> Nullable<Text>,
        source_row -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Units (or kinds of unit) responsible for or named by a catalog item.
    catalog_unit_roles (id) {
        id -> BigInt,
        plan_id -> BigInt,
        item_kind -> Text,
        item_id -> BigInt,
        role -> Text,
        position -> Integer,
        unit_code -> Nullable<Text>,
        unit_kind -> Nullable<Text>,
    }
}

diesel::table! {
    /// Periodic reports, one per unit and period.
    reports (id) {
        id -> BigInt,
        unit_code -> Text,
        period -> Text,
        status -> Text,
        version -> BigInt,
        deadline -> Date,
        first_submitted_at -> Nullable<Timestamp>,
        late -> Integer,
        returned_count -> Integer,
        submitted_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        last_reason -> Nullable<Text>,
        achievements -> Nullable<Text>,
        limitations -> Nullable<Text>,
        difficulties -> Nullable<Text>,
        proposals -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A report's indicator values.
    report_indicator_values (report_id, position) {
        report_id -> BigInt,
        position -> Integer,
        indicator_id -> BigInt,
        value -> Nullable<Double>,
        numerator -> Nullable<Double>,
        denominator -> Nullable<Double>,
        value_text -> Nullable<Text>,
        note -> Nullable<Text>,
        evidence_number -> Nullable<Text>,
        evidence_date -> Nullable<Date>,
        official_assessment -> Nullable<Text>,
    }
}

diesel::table! {
    /// A report's task progress.
    report_task_progress (report_id, position) {
        report_id -> BigInt,
        position -> Integer,
        task_id -> BigInt,
        status -> Text,
        percent_complete -> Nullable<Double>,
        result -> Nullable<Text>,
        obstacles -> Nullable<Text>,
    }
}

diesel::table! {
    /// A report's project disbursement.
    report_project_progress (report_id, position) {
        report_id -> BigInt,
        position -> Integer,
        project_id -> BigInt,
        disbursed_in_period_vnd -> Nullable<BigInt>,
        cumulative_disbursed_vnd -> Nullable<BigInt>,
        stage -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    /// A report's budget execution.
    report_budget_execution (report_id, position) {
        report_id -> BigInt,
        position -> Integer,
        budget_line_id -> BigInt,
        spent_in_period_vnd -> Nullable<BigInt>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    /// Immutable snapshots of a report, one per submission and coordinator action.
    report_versions (id) {
        id -> BigInt,
        report_id -> BigInt,
        action -> Text,
        from_status -> Text,
        to_status -> Text,
        actor -> Text,
        reason -> Nullable<Text>,
        snapshot_json -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    /// Bulk imports that ran, with their summary.
    imports (id) {
        id -> Text,
        actor -> Text,
        status -> Text,
        mode -> Text,
        format -> Text,
        rows_total -> BigInt,
        summary_json -> Text,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// DTI frameworks, one per year and kind of unit, stored whole as JSON.
    dti_frameworks (id) {
        id -> BigInt,
        year -> Integer,
        unit_kind -> Text,
        version -> BigInt,
        title -> Text,
        max_points -> Double,
        definition_json -> Text,
        updated_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A unit's DTI self-assessment of a year and the coordinator's verification of it.
    dti_assessments (id) {
        id -> BigInt,
        unit_code -> Text,
        year -> Integer,
        unit_kind -> Text,
        framework_id -> BigInt,
        status -> Text,
        version -> BigInt,
        answers_json -> Text,
        verification_json -> Nullable<Text>,
        self_assessed_by -> Text,
        self_assessed_at -> Timestamp,
        verified_by -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Idempotency keys of imports, per caller, with the response to replay.
    import_keys (actor, idem_key) {
        actor -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        response_json -> Text,
        import_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Imports run as jobs: the upload, who sent it and how, and the job's state and lease.
    import_jobs (id) {
        id -> Text,
        actor -> Text,
        principal_json -> Text,
        request_json -> Text,
        idem_key -> Nullable<Text>,
        request_hash -> Text,
        body -> Binary,
        status -> Text,
        attempts -> Integer,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        failure_json -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Points of each answered criterion of an assessment (self-assessed and verified).
    dti_criterion_scores (assessment_id, criterion_code) {
        assessment_id -> BigInt,
        criterion_code -> Text,
        unit_code -> Text,
        year -> Integer,
        unit_kind -> Text,
        pillar_code -> Text,
        self_points -> Double,
        verified_points -> Nullable<Double>,
    }
}

diesel::joinable!(plan_legal_bases -> plans (plan_id));
diesel::joinable!(plan_declared_totals -> plans (plan_id));
diesel::joinable!(indicators -> plans (plan_id));
diesel::joinable!(indicator_targets -> indicators (indicator_id));
diesel::joinable!(tasks -> plans (plan_id));
diesel::joinable!(projects -> plans (plan_id));
diesel::joinable!(project_allocations -> projects (project_id));
diesel::joinable!(budget_lines -> plans (plan_id));
diesel::joinable!(catalog_unit_roles -> plans (plan_id));
diesel::joinable!(report_indicator_values -> reports (report_id));
diesel::joinable!(report_task_progress -> reports (report_id));
diesel::joinable!(report_project_progress -> reports (report_id));
diesel::joinable!(report_budget_execution -> reports (report_id));
diesel::joinable!(report_versions -> reports (report_id));
diesel::joinable!(dti_assessments -> dti_frameworks (framework_id));
diesel::joinable!(dti_criterion_scores -> dti_assessments (assessment_id));

diesel::table! {
    /// A plan's own reporting schedule and outlier factor.
    plan_reporting_rules (plan_id) {
        plan_id -> BigInt,
        schedule_json -> Text,
        outlier_factor -> Double,
        version -> BigInt,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(plan_reporting_rules -> plans (plan_id));

diesel::table! {
    /// Per-client request counters of the API rate limit, one row per subject and window.
    rate_limits (subject, window_start) {
        subject -> Text,
        window_start -> BigInt,
        hits -> BigInt,
    }
}

diesel::table! {
    /// The one row numbering the change feed (its lock orders writers by commit).
    change_feed_counter (id) {
        id -> Integer,
        last_seq -> BigInt,
    }
}

diesel::table! {
    /// The change feed: committed changes in commit order.
    change_events (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        event_type -> Text,
        entity -> Text,
        entity_id -> Text,
        unit_code -> Nullable<Text>,
        audience_unit -> Nullable<Text>,
        period -> Nullable<Text>,
        version -> Nullable<BigInt>,
        link -> Nullable<Text>,
        actor -> Text,
        data_json -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    units,
    audit_log,
    users,
    clients,
    refresh_tokens,
    revoked_access_tokens,
    login_failures,
    signing_keys,
    plans,
    plan_legal_bases,
    plan_declared_totals,
    indicators,
    indicator_targets,
    tasks,
    projects,
    project_allocations,
    budget_lines,
    catalog_unit_roles,
    reports,
    report_indicator_values,
    report_task_progress,
    report_project_progress,
    report_budget_execution,
    report_versions,
    plan_reporting_rules,
    change_feed_counter,
    change_events,
    imports,
    import_keys,
    import_jobs,
    rate_limits,
    indicator_assessments,
    provincial_budgets,
    dti_frameworks,
    dti_assessments,
    dti_criterion_scores,
);

diesel::table! {
    /// The coordinator's official assessment of an indicator for a year.
    indicator_assessments (id) {
        id -> BigInt,
        plan_id -> BigInt,
        indicator_id -> BigInt,
        year -> Integer,
        assessment -> Text,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    /// The province's total budget per year (denominator of the DX spending share).
    provincial_budgets (year) {
        year -> Integer,
        amount_vnd -> BigInt,
        source_text -> Nullable<Text>,
    }
}

diesel::joinable!(indicator_assessments -> indicators (indicator_id));
