//! Table definitions shared by both backends (portable types: text UUIDs, UTC timestamps, JSON as text).

diesel::table! {
    organisations (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        seq -> Nullable<BigInt>,
        at -> Timestamp,
        actor_sub -> Text,
        actor_org -> Text,
        actor_roles -> Text,
        action -> Text,
        method -> Text,
        resource -> Text,
        crn -> Nullable<Text>,
        request_id -> Text,
        status -> Integer,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    domain_events (id) {
        id -> Text,
        seq -> Nullable<BigInt>,
        event_type -> Text,
        version -> Integer,
        occurred_at -> Timestamp,
        description -> Text,
        detail_url -> Text,
        additional_information -> Text,
        crn -> Nullable<Text>,
        org_code -> Text,
        provider_org_code -> Nullable<Text>,
        actor_sub -> Nullable<Text>,
        actor_org -> Nullable<Text>,
    }
}

diesel::table! {
    ledger_heads (name) {
        name -> Text,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    idempotency_keys (owner, idem_key) {
        owner -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        body -> Nullable<Text>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    people (crn) {
        crn -> Text,
        managing_org -> Text,
        first_name -> Text,
        last_name -> Text,
        date_of_birth -> Date,
        pnc_number -> Nullable<Text>,
        address -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        updated_by -> Text,
        search_name -> Nullable<Text>,
    }
}

diesel::table! {
    risk_assessments (id) {
        id -> Text,
        crn -> Text,
        assessed_on -> Date,
        recorded_at -> Timestamp,
        recorded_by -> Text,
        body -> Text,
    }
}

diesel::table! {
    household_members (id) {
        id -> Text,
        crn -> Text,
        body -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    household_declarations (id) {
        id -> Text,
        crn -> Text,
        declared_at -> Timestamp,
        body -> Text,
        recorded_at -> Timestamp,
        recorded_by -> Text,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        crn -> Text,
        managing_org -> Text,
        order_type -> Text,
        start_date -> Date,
        end_date -> Date,
        rar_max_days -> Integer,
        responsible_officer -> Text,
        responsible_officer_name -> Nullable<Text>,
        offences -> Text,
        status -> Text,
        terminated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    referrals (id) {
        id -> Text,
        order_id -> Text,
        crn -> Text,
        probation_org -> Text,
        provider_org -> Text,
        status -> Text,
        rar_days -> Nullable<Integer>,
        content -> Text,
        assigned_worker -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Text,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        sent_by -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        withdrawal_code -> Nullable<Text>,
        withdrawal_note -> Nullable<Text>,
        end_reason -> Nullable<Text>,
        end_note -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
        ended_by -> Nullable<Text>,
        context_version -> Integer,
        acknowledged_version -> Integer,
        provider_reference -> Nullable<Text>,
    }
}

diesel::table! {
    referral_contexts (referral_id, version) {
        referral_id -> Text,
        version -> Integer,
        reason -> Text,
        body -> Text,
        created_at -> Timestamp,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<Text>,
    }
}

diesel::table! {
    disclosures (id) {
        id -> Text,
        crn -> Text,
        probation_org -> Text,
        referral_id -> Nullable<Text>,
        order_id -> Nullable<Text>,
        provider_org -> Nullable<Text>,
        disclosure_type -> Text,
        disclosed_at -> Timestamp,
        disclosed_by -> Text,
        summary -> Text,
        details -> Nullable<Text>,
        immediate_action_taken -> Nullable<Text>,
        corrects -> Nullable<Text>,
        no_prompt_reason -> Nullable<Text>,
        recorded_at -> Timestamp,
        recorded_by -> Text,
        recorded_by_org -> Text,
        predates_referral -> Bool,
    }
}

diesel::table! {
    case_notes (id) {
        id -> Text,
        referral_id -> Text,
        crn -> Text,
        probation_org -> Text,
        provider_org -> Text,
        author_org -> Text,
        author_sub -> Text,
        author_name -> Text,
        subject -> Text,
        body -> Text,
        sensitivity -> Text,
        corrects -> Nullable<Text>,
        disclosure_id -> Nullable<Text>,
        not_a_disclosure_reason -> Nullable<Text>,
        possible_disclosure -> Nullable<Text>,
        prompt_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    referral_amendments (id) {
        id -> Text,
        referral_id -> Text,
        crn -> Text,
        reason -> Text,
        changes -> Text,
        amended_at -> Timestamp,
        amended_by -> Text,
        amended_by_name -> Text,
    }
}

diesel::table! {
    safeguarding_prompts (id) {
        id -> Text,
        crn -> Text,
        probation_org -> Text,
        org -> Text,
        order_id -> Nullable<Text>,
        referral_id -> Nullable<Text>,
        rule -> Text,
        title -> Text,
        action -> Text,
        rationale -> Text,
        guidance -> Text,
        triggered_by_kind -> Text,
        triggered_by_id -> Text,
        assignee_role -> Text,
        assignee -> Nullable<Text>,
        mandatory -> Bool,
        dedup_key -> Text,
        status -> Text,
        raised_at -> Timestamp,
        due_at -> Timestamp,
        escalated_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        external_reference -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
        resolved_by_role -> Nullable<Text>,
        reporting_org -> Nullable<Text>,
    }
}

diesel::table! {
    action_plans (id) {
        id -> Text,
        referral_id -> Text,
        crn -> Text,
        version -> Integer,
        status -> Text,
        activities -> Text,
        number_of_sessions -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        change_request_note -> Nullable<Text>,
    }
}

diesel::table! {
    safeguarding_prompt_history (id) {
        id -> Text,
        prompt_id -> Text,
        at -> Timestamp,
        step -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor -> Text,
        actor_role -> Nullable<Text>,
        note -> Nullable<Text>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    safeguarding_prompt_referrals (prompt_id) {
        prompt_id -> Text,
        agency -> Text,
        method -> Text,
        referred_on -> Date,
        reference -> Nullable<Text>,
        follow_up_due_at -> Timestamp,
        follow_up_notified_at -> Nullable<Timestamp>,
        response_received_on -> Nullable<Date>,
        decision -> Nullable<Text>,
        response_reference -> Nullable<Text>,
        response_note -> Nullable<Text>,
        responded_at -> Nullable<Timestamp>,
        responded_by -> Nullable<Text>,
    }
}

diesel::table! {
    safeguarding_prompt_disclosures (prompt_id, disclosure_id) {
        prompt_id -> Text,
        disclosure_id -> Text,
        linked_at -> Timestamp,
    }
}

diesel::table! {
    appointments (id) {
        id -> Text,
        referral_id -> Text,
        crn -> Text,
        probation_org -> Text,
        provider_org -> Text,
        kind -> Text,
        method -> Text,
        location -> Nullable<Text>,
        starts_at -> Timestamp,
        duration_minutes -> Integer,
        status -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        attended -> Nullable<Text>,
        no_attendance_reason -> Nullable<Text>,
        reason_detail -> Nullable<Text>,
        engagement -> Nullable<Text>,
        behaviour_concern -> Bool,
        concern_detail -> Nullable<Text>,
        notify_responsible_officer -> Bool,
        attendance_recorded_at -> Nullable<Timestamp>,
        attendance_recorded_by -> Nullable<Text>,
        absence_acceptable -> Nullable<Bool>,
        absence_note -> Nullable<Text>,
        absence_decided_at -> Nullable<Timestamp>,
        absence_decided_by -> Nullable<Text>,
        provider_reference -> Nullable<Text>,
    }
}

diesel::table! {
    appointment_history (id) {
        id -> Text,
        appointment_id -> Text,
        change -> Text,
        at -> Timestamp,
        by_sub -> Text,
        requested_by -> Nullable<Text>,
        reason -> Nullable<Text>,
        before -> Nullable<Text>,
        after -> Text,
    }
}

diesel::table! {
    warnings (id) {
        id -> Text,
        crn -> Text,
        order_id -> Text,
        appointment_id -> Text,
        issued_at -> Timestamp,
        issued_by -> Text,
        note -> Text,
    }
}

diesel::table! {
    progress_reports (id) {
        id -> Text,
        referral_id -> Text,
        submitted_at -> Timestamp,
        submitted_by -> Text,
        body -> Text,
    }
}

diesel::table! {
    end_of_service_reports (referral_id) {
        referral_id -> Text,
        submitted_at -> Timestamp,
        submitted_by -> Text,
        body -> Text,
    }
}

diesel::table! {
    termination_confirmations (order_id, item_id) {
        order_id -> Text,
        item_id -> Text,
        confirmed_at -> Timestamp,
        confirmed_by -> Text,
        note -> Text,
    }
}

diesel::table! {
    termination_reviews (order_id) {
        order_id -> Text,
        completed_at -> Timestamp,
        completed_by -> Text,
        risk_of_reoffending_change -> Text,
        risk_of_serious_harm_change -> Text,
        evidence -> Text,
        agencies_notified -> Text,
        sign_off_required -> Bool,
        sign_off_reasons -> Text,
        signed_off_at -> Nullable<Timestamp>,
        signed_off_by -> Nullable<Text>,
        terminated_at -> Nullable<Timestamp>,
        termination_reason -> Nullable<Text>,
        termination_date -> Nullable<Date>,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        url -> Text,
        event_types -> Text,
        org -> Text,
        secret -> Text,
        cursor -> BigInt,
        active -> Bool,
        created_at -> Timestamp,
        created_by -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        event_id -> Text,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        last_duration_ms -> Nullable<Integer>,
    }
}

diesel::table! {
    working_calendar (day) {
        day -> Date,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        working -> Bool,
        working_seq -> Integer,
    }
}

diesel::joinable!(referrals -> orders (order_id));

diesel::table! {
    staff (sub) {
        sub -> Text,
        org -> Text,
        name -> Text,
        email -> Text,
        notifications -> Bool,
        manager -> Bool,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        org -> Text,
        recipient_sub -> Nullable<Text>,
        to_address -> Nullable<Text>,
        kind -> Text,
        event_id -> Text,
        subject -> Text,
        body -> Text,
        link_path -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    audit_events,
    domain_events,
    ledger_heads,
    idempotency_keys,
    people,
    risk_assessments,
    household_members,
    household_declarations,
    orders,
    referrals,
    referral_contexts,
    disclosures,
    case_notes,
    referral_amendments,
    safeguarding_prompts,
    action_plans,
    safeguarding_prompt_history,
    safeguarding_prompt_referrals,
    safeguarding_prompt_disclosures,
    appointments,
    appointment_history,
    warnings,
    progress_reports,
    end_of_service_reports,
    termination_confirmations,
    termination_reviews,
    webhook_subscriptions,
    webhook_deliveries,
    staff,
    notifications,
    working_calendar,
);
