//! Table definitions, identical for SQLite and PostgreSQL (see `migrations/*`).

diesel::table! {
    plans (id) {
        id -> Integer,
        slug -> Text,
        municipality -> Text,
        title -> Text,
        baseline_year -> Integer,
        source -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A plan's data version is the sum of its rows here; triggers bump them on every change
    /// to what the plan's views show (migration 4).
    plan_versions (plan_id, stripe) {
        plan_id -> Integer,
        stripe -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    themes (id) {
        id -> Integer,
        plan_id -> Integer,
        parent_id -> Nullable<Integer>,
        code -> Text,
        title -> Text,
        notes -> Nullable<Text>,
        position -> Integer,
    }
}

diesel::table! {
    owners (id) {
        id -> Integer,
        name -> Text,
        email -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    measures (id) {
        id -> Integer,
        plan_id -> Integer,
        theme_id -> Integer,
        number -> Integer,
        title -> Text,
        role -> Text,
        notes -> Nullable<Text>,
        assessment -> Nullable<Text>,
    }
}

diesel::table! {
    measure_owners (measure_id, owner_id) {
        measure_id -> Integer,
        owner_id -> Integer,
    }
}

diesel::table! {
    sub_goals (id) {
        id -> Integer,
        measure_id -> Integer,
        key -> Text,
        position -> Integer,
        text -> Text,
        deadline_kind -> Text,
        deadline_year -> Nullable<Integer>,
        target_metric -> Nullable<Text>,
        target_unit -> Nullable<Text>,
        target_baseline_year -> Nullable<Integer>,
        target_baseline_value -> Nullable<Double>,
        target_value -> Nullable<Double>,
        target_note -> Nullable<Text>,
        wording_pending -> Bool,
        status -> Text,
        status_reason -> Nullable<Text>,
        progress -> Integer,
        achieved_on -> Nullable<Date>,
        last_update_at -> Nullable<Timestamp>,
        last_as_of -> Nullable<Date>,
        last_note -> Nullable<Text>,
        last_kpi_value -> Nullable<Double>,
        version -> Integer,
        last_forecast_outlook -> Nullable<Text>,
        last_forecast_year -> Nullable<Integer>,
        last_forecast_reason -> Nullable<Text>,
    }
}

diesel::table! {
    sub_goal_revisions (id) {
        id -> Integer,
        sub_goal_id -> Integer,
        kind -> Text,
        old_text -> Nullable<Text>,
        new_text -> Nullable<Text>,
        old_deadline_kind -> Nullable<Text>,
        old_deadline_year -> Nullable<Integer>,
        new_deadline_kind -> Nullable<Text>,
        new_deadline_year -> Nullable<Integer>,
        old_target -> Nullable<Text>,
        new_target -> Nullable<Text>,
        changed_by -> Text,
        reason -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    comments (id) {
        id -> Integer,
        plan_id -> Integer,
        theme_id -> Nullable<Integer>,
        measure_id -> Nullable<Integer>,
        position -> Integer,
        body -> Text,
        text -> Text,
        answer -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        name -> Text,
        role -> Text,
        owner_id -> Nullable<Integer>,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        plan_id -> Nullable<Integer>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    progress_updates (id) {
        id -> Integer,
        sub_goal_id -> Integer,
        status -> Text,
        progress -> Integer,
        note -> Nullable<Text>,
        kpi_value -> Nullable<Double>,
        as_of -> Date,
        achieved_on -> Nullable<Date>,
        reason -> Nullable<Text>,
        reporter -> Text,
        token_id -> Nullable<Integer>,
        recorded_at -> Timestamp,
        forecast_outlook -> Nullable<Text>,
        forecast_year -> Nullable<Integer>,
        forecast_reason -> Nullable<Text>,
    }
}

diesel::table! {
    indicators (id) {
        id -> Integer,
        plan_id -> Integer,
        code -> Text,
        name -> Text,
        unit -> Text,
        baseline_year -> Nullable<Integer>,
        baseline_value -> Nullable<Double>,
        target_value -> Nullable<Double>,
        target_year -> Nullable<Integer>,
        sub_goal_id -> Nullable<Integer>,
    }
}

diesel::table! {
    indicator_values (indicator_id, year) {
        indicator_id -> Integer,
        year -> Integer,
        value -> Double,
        note -> Nullable<Text>,
        updated_by -> Text,
        updated_at -> Timestamp,
        source -> Text,
        progress_update_id -> Nullable<Integer>,
        reported_as_of -> Nullable<Date>,
    }
}

diesel::table! {
    confirmations (id) {
        id -> Integer,
        sub_goal_id -> Integer,
        confirmed_by -> Text,
        person_id -> Nullable<Integer>,
        token_id -> Nullable<Integer>,
        confirmed_at -> Timestamp,
    }
}

diesel::table! {
    round_extensions (plan_id, period) {
        plan_id -> Integer,
        period -> Text,
        closes_at -> Timestamp,
        reason -> Nullable<Text>,
        extended_by -> Text,
        extended_at -> Timestamp,
    }
}

diesel::table! {
    questions (id) {
        id -> Integer,
        plan_id -> Integer,
        run_id -> Integer,
        measure_id -> Integer,
        sub_goal_id -> Nullable<Integer>,
        text -> Text,
        asked_by -> Text,
        person_id -> Nullable<Integer>,
        asked_at -> Timestamp,
    }
}

diesel::table! {
    answers (id) {
        id -> Integer,
        question_id -> Integer,
        plan_id -> Integer,
        text -> Text,
        answered_by -> Text,
        person_id -> Nullable<Integer>,
        answered_at -> Timestamp,
    }
}

diesel::joinable!(themes -> plans (plan_id));
diesel::joinable!(measures -> plans (plan_id));
diesel::joinable!(measures -> themes (theme_id));
diesel::joinable!(measure_owners -> measures (measure_id));
diesel::joinable!(measure_owners -> owners (owner_id));
diesel::joinable!(sub_goals -> measures (measure_id));
diesel::joinable!(sub_goal_revisions -> sub_goals (sub_goal_id));
diesel::joinable!(progress_updates -> sub_goals (sub_goal_id));
diesel::joinable!(confirmations -> sub_goals (sub_goal_id));
diesel::joinable!(answers -> questions (question_id));
diesel::joinable!(questions -> measures (measure_id));
diesel::joinable!(round_extensions -> plans (plan_id));
diesel::joinable!(api_tokens -> owners (owner_id));
diesel::joinable!(indicators -> plans (plan_id));
diesel::joinable!(indicator_values -> indicators (indicator_id));
diesel::joinable!(indicator_values -> progress_updates (progress_update_id));

diesel::table! {
    effect_revisions (id) {
        id -> Integer,
        plan_id -> Integer,
        measure_id -> Integer,
        sub_goal_id -> Nullable<Integer>,
        tonnes_per_year -> Nullable<Double>,
        full_from -> Nullable<Integer>,
        basis -> Nullable<Text>,
        basis_source -> Nullable<Text>,
        budget_dkk -> Nullable<Double>,
        funding -> Nullable<Text>,
        staffing_fte -> Nullable<Double>,
        reason -> Text,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    emission_releases (id) {
        id -> Integer,
        plan_id -> Integer,
        name -> Text,
        imported_by -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    emission_values (release_id, year, sector) {
        release_id -> Integer,
        year -> Integer,
        sector -> Text,
        tonnes -> Double,
        value -> Double,
        unit -> Text,
        source -> Text,
    }
}

diesel::table! {
    climate_targets (id) {
        id -> Integer,
        plan_id -> Integer,
        year -> Integer,
        base_year -> Integer,
        reduction_pct -> Double,
        source -> Text,
        decided_on -> Nullable<Date>,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    shadow_prices (plan_id, year) {
        plan_id -> Integer,
        year -> Integer,
        dkk_per_tonne -> Double,
        source -> Text,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    climate_assessments (id) {
        id -> Integer,
        plan_id -> Integer,
        sub_goal_id -> Nullable<Integer>,
        title -> Text,
        committee -> Text,
        meeting_date -> Date,
        case_ref -> Nullable<Text>,
        note -> Nullable<Text>,
        price_dkk_per_tonne -> Nullable<Double>,
        price_year -> Nullable<Integer>,
        created_by -> Text,
        person_id -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assessment_options (assessment_id, position) {
        assessment_id -> Integer,
        position -> Integer,
        label -> Text,
        tonnes -> Double,
    }
}

diesel::joinable!(emission_values -> emission_releases (release_id));
diesel::joinable!(assessment_options -> climate_assessments (assessment_id));
diesel::joinable!(effect_revisions -> measures (measure_id));

diesel::allow_tables_to_appear_in_same_query!(
    plans,
    themes,
    owners,
    measures,
    measure_owners,
    sub_goals,
    sub_goal_revisions,
    comments,
    api_tokens,
    progress_updates,
    confirmations,
    round_extensions,
    questions,
    answers,
    indicators,
    indicator_values,
    persons,
    person_owners,
    plan_roles,
    sessions,
    login_links,
    audit_log,
    effect_revisions,
    emission_releases,
    emission_values,
    climate_targets,
    shadow_prices,
    climate_assessments,
    assessment_options,
);

diesel::table! {
    report_runs (id) {
        id -> Integer,
        plan_id -> Integer,
        kind -> Text,
        period -> Text,
        revision -> Integer,
        state -> Text,
        catch_up -> Bool,
        due_at -> Timestamp,
        recipients -> Text,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        fence -> Integer,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        pdf_base64 -> Nullable<Text>,
        pdf_sha256 -> Nullable<Text>,
        snapshot -> Nullable<Text>,
        message_id -> Nullable<Text>,
        generated_at -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Integer,
        run_id -> Nullable<Integer>,
        dedupe_key -> Text,
        message_id -> Text,
        recipients -> Text,
        subject -> Text,
        body -> Text,
        attachment_name -> Nullable<Text>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        first_attempt_at -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        fence -> Integer,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(report_runs -> plans (plan_id));
diesel::joinable!(mail_outbox -> report_runs (run_id));
diesel::allow_tables_to_appear_in_same_query!(report_runs, mail_outbox, plans);

// People, their roles and sessions (migration 000009).
diesel::table! {
    persons (id) {
        id -> Integer,
        name -> Text,
        email -> Text,
        active -> Bool,
        operator -> Bool,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    person_owners (person_id, owner_id) {
        person_id -> Integer,
        owner_id -> Integer,
    }
}

diesel::table! {
    plan_roles (person_id, plan_id) {
        person_id -> Integer,
        plan_id -> Integer,
        role -> Text,
        granted_at -> Timestamp,
        granted_by -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> Integer,
        secret_hash -> Text,
        person_id -> Integer,
        method -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        user_agent -> Nullable<Text>,
        client -> Nullable<Text>,
    }
}

diesel::table! {
    login_links (id) {
        id -> Integer,
        email -> Text,
        client -> Text,
        person_id -> Nullable<Integer>,
        secret_hash -> Nullable<Text>,
        requested_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_flows (state_hash) {
        state_hash -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        at -> Timestamp,
        plan_id -> Nullable<Integer>,
        person_id -> Nullable<Integer>,
        token_id -> Nullable<Integer>,
        actor -> Text,
        action -> Text,
        detail -> Text,
        client -> Nullable<Text>,
    }
}

diesel::joinable!(api_tokens -> plans (plan_id));
diesel::joinable!(person_owners -> persons (person_id));
diesel::joinable!(person_owners -> owners (owner_id));
diesel::joinable!(plan_roles -> persons (person_id));
diesel::joinable!(plan_roles -> plans (plan_id));
diesel::joinable!(sessions -> persons (person_id));
diesel::joinable!(audit_log -> plans (plan_id));
diesel::joinable!(questions -> report_runs (run_id));
diesel::allow_tables_to_appear_in_same_query!(report_runs, questions);
diesel::allow_tables_to_appear_in_same_query!(report_runs, measures);
diesel::allow_tables_to_appear_in_same_query!(report_runs, sub_goals);
