use super::*;
use crate::catalog::Catalog;

static GOVERNANCE: std::sync::LazyLock<Governance> = std::sync::LazyLock::new(Governance::default);
use serde_json::json;

fn args(v: Value) -> JsonObject {
    match v {
        Value::Object(m) => m,
        _ => panic!("arguments must be an object"),
    }
}

fn config(mode: ConfirmMode, key: Option<&str>) -> ConfirmConfig {
    ConfirmConfig {
        mode,
        key: key.map(|k| SecretString::from(k.to_owned())),
    }
}

fn tool(name: &str) -> CatalogTool {
    Catalog::builtin().get(name).cloned().unwrap()
}

/// A writing tool outside the built-in record tools, like a custom RESTlet tool.
fn custom(destructive: bool) -> CatalogTool {
    let mut t = tool("call_restlet");
    t.tool.name = "close_period".into();
    t.toolset = "custom".into();
    if let Some(a) = t.tool.annotations.as_mut() {
        a.destructive_hint = Some(destructive);
    }
    t
}

fn call<'a>(
    tool: &'a CatalogTool,
    args: &'a JsonObject,
    principal: Option<(&'a str, Option<&'a str>)>,
    state: Option<&'a str>,
    responses: Option<&'a rmcp::model::InputResponses>,
) -> Call<'a> {
    Call {
        tool,
        args,
        governance: &GOVERNANCE,
        principal,
        modern: true,
        can_ask: true,
        request_state: state,
        input_responses: responses,
    }
}

fn answer(action: &str) -> rmcp::model::InputResponses {
    let mut r = rmcp::model::InputResponses::new();
    r.insert(
        INPUT_KEY.to_owned(),
        json!({ "action": action, "content": {} }),
    );
    r
}

fn asked_state(gate: Gate) -> String {
    match gate {
        Gate::Ask(r) => {
            let requests = r.input_requests.unwrap();
            assert!(requests.contains_key(INPUT_KEY));
            r.request_state.unwrap()
        }
        other => panic!("expected a question, got {other:?}"),
    }
}

fn stopped_text(gate: Gate) -> String {
    match gate {
        Gate::Stop(r) => {
            assert_eq!(r.is_error, Some(true));
            serde_json::to_string(&r.content).unwrap()
        }
        other => panic!("expected a stop, got {other:?}"),
    }
}

#[tokio::test]
async fn destructive_mode_asks_for_deletes_sublist_replacements_and_destructive_custom_tools_only()
{
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let del = args(json!({"record_type": "customer", "id": "42"}));
    assert_eq!(
        c.summary_if_required(&tool("delete_record"), &del, &GOVERNANCE)
            .as_deref(),
        Some("delete customer record `42` [delete_record]")
    );
    let merge = args(json!({"record_type": "salesorder", "id": "7", "values": {"memo": "x"}}));
    assert!(
        c.summary_if_required(&tool("update_record"), &merge, &GOVERNANCE)
            .is_none()
    );
    let replace = args(
        json!({"record_type": "salesorder", "id": "7", "values": {"item": {"items": []}}, "replace": ["item"]}),
    );
    assert_eq!(
        c.summary_if_required(&tool("update_record"), &replace, &GOVERNANCE)
            .as_deref(),
        Some(
            "update salesorder record `7` (fields: `item`), replacing all lines of `item` [update_record]"
        )
    );
    // Naming a sublist it does not send fails on its arguments: not worth asking the user about.
    let unsent = args(
        json!({"record_type": "salesorder", "id": "7", "values": {"memo": "x"}, "replace": ["item"]}),
    );
    assert!(
        c.summary_if_required(&tool("update_record"), &unsent, &GOVERNANCE)
            .is_none()
    );
    let create = args(json!({"record_type": "customer", "values": {"companyname": "Acme"}}));
    assert!(
        c.summary_if_required(&tool("create_record"), &create, &GOVERNANCE)
            .is_none()
    );
    let period = args(json!({"period": "Jan 2026"}));
    assert_eq!(
        c.summary_if_required(&custom(true), &period, &GOVERNANCE)
            .as_deref(),
        Some("run it with `period` = `Jan 2026` [close_period]")
    );
    assert!(
        c.summary_if_required(&custom(false), &period, &GOVERNANCE)
            .is_none()
    );
    assert!(
        c.summary_if_required(
            &tool("run_suiteql"),
            &args(json!({"query": "SELECT 1"})),
            &GOVERNANCE
        )
        .is_none()
    );
}

#[tokio::test]
async fn all_mode_asks_for_every_write_and_off_for_none() {
    let all = Confirmations::new(&config(ConfirmMode::All, None));
    let create = args(
        json!({"record_type": "customer", "values": {"companyname": "Acme", "email": "a@b.c"}}),
    );
    assert_eq!(
        all.summary_if_required(&tool("create_record"), &create, &GOVERNANCE)
            .as_deref(),
        Some("create a new customer record (fields: `companyname`, `email`) [create_record]")
    );
    assert!(
        all.summary_if_required(
            &tool("get_record"),
            &args(json!({"record_type": "customer", "id": "1"})),
            &GOVERNANCE
        )
        .is_none()
    );
    let off = Confirmations::new(&config(ConfirmMode::Off, None));
    assert!(
        off.summary_if_required(
            &tool("delete_record"),
            &args(json!({"record_type": "customer", "id": "1"})),
            &GOVERNANCE
        )
        .is_none()
    );
}

#[tokio::test]
async fn an_accepted_confirmation_runs_once_and_a_replay_is_refused() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    let state = asked_state(c.gate(&call(&t, &a, None, None, None)).await);
    let yes = answer("accept");
    assert!(matches!(
        c.gate(&call(&t, &a, None, Some(&state), Some(&yes))).await,
        Gate::Proceed
    ));
    let replay = stopped_text(c.gate(&call(&t, &a, None, Some(&state), Some(&yes))).await);
    assert!(replay.contains("already used"), "{replay}");
}

#[tokio::test]
async fn declined_and_dismissed_confirmations_stop_the_call_and_say_nothing_was_sent() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    for (action, word) in [("decline", "declined"), ("cancel", "dismissed")] {
        let state = asked_state(c.gate(&call(&t, &a, None, None, None)).await);
        let text = stopped_text(
            c.gate(&call(&t, &a, None, Some(&state), Some(&answer(action))))
                .await,
        );
        assert!(
            text.contains(word) && text.contains("nothing was sent"),
            "{text}"
        );
        assert!(text.contains("delete customer record `42`"), "{text}");
    }
    let state = asked_state(c.gate(&call(&t, &a, None, None, None)).await);
    let text = stopped_text(c.gate(&call(&t, &a, None, Some(&state), None)).await);
    assert!(text.contains("no answer"), "{text}");
}

#[tokio::test]
async fn a_state_is_bound_to_its_arguments_caller_and_integrity() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    let yes = answer("accept");
    let alice = Some(("alice", Some("app")));
    let state = asked_state(c.gate(&call(&t, &a, alice, None, None)).await);
    let other_id = args(json!({"record_type": "customer", "id": "43"}));
    let text = stopped_text(
        c.gate(&call(&t, &other_id, alice, Some(&state), Some(&yes)))
            .await,
    );
    assert!(text.contains("another call"), "{text}");
    let text = stopped_text(
        c.gate(&call(
            &t,
            &a,
            Some(("bob", Some("app"))),
            Some(&state),
            Some(&yes),
        ))
        .await,
    );
    assert!(text.contains("another call"), "{text}");
    // A forged body with the old tag: another nonce, so a fresh single-use id, re-encoded by hand.
    let mut parts: Vec<String> = state.split('.').map(str::to_owned).collect();
    let body_at = parts.len() - 2;
    let forged = parts[body_at].chars().rev().collect::<String>();
    parts[body_at] = forged;
    let tampered = parts.join(".");
    assert_ne!(tampered, state);
    let text = stopped_text(
        c.gate(&call(&t, &a, alice, Some(&tampered), Some(&yes)))
            .await,
    );
    assert!(
        text.contains("altered") || text.contains("not valid"),
        "{text}"
    );
    let text = stopped_text(
        c.gate(&call(
            &t,
            &a,
            Some(("alice", Some("other-app"))),
            Some(&state),
            Some(&yes),
        ))
        .await,
    );
    assert!(text.contains("another call"), "{text}");
    let text = stopped_text(c.gate(&call(&t, &a, None, Some(&state), Some(&yes))).await);
    assert!(text.contains("another call"), "{text}");
    // Key order is not a change.
    let reordered = args(json!({"id": "42", "record_type": "customer"}));
    assert!(matches!(
        c.gate(&call(&t, &reordered, alice, Some(&state), Some(&yes)))
            .await,
        Gate::Proceed
    ));
}

#[tokio::test]
async fn instances_sharing_the_state_key_accept_each_others_states_and_random_keys_do_not() {
    let key = "0123456789abcdefghijklmnopqrstuvwxyz";
    let a1 = Confirmations::new(&config(ConfirmMode::Destructive, Some(key)));
    let a2 = Confirmations::new(&config(ConfirmMode::Destructive, Some(key)));
    let r1 = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let r2 = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    let yes = answer("accept");
    let state = asked_state(a1.gate(&call(&t, &a, None, None, None)).await);
    assert!(matches!(
        a2.gate(&call(&t, &a, None, Some(&state), Some(&yes))).await,
        Gate::Proceed
    ));
    let state = asked_state(r1.gate(&call(&t, &a, None, None, None)).await);
    stopped_text(r2.gate(&call(&t, &a, None, Some(&state), Some(&yes))).await);
}

#[tokio::test]
async fn older_clients_are_asked_over_the_session_and_clients_that_cannot_ask_run_as_before() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    let mut legacy = call(&t, &a, None, None, None);
    legacy.modern = false;
    match c.gate(&legacy).await {
        Gate::AskOverSession {
            params: ElicitRequestParams::FormElicitationParams { message, .. },
            ..
        } => {
            assert!(message.contains("delete customer record `42`"), "{message}");
        }
        other => panic!("expected a session elicitation, got {other:?}"),
    }
    let mut unable = call(&t, &a, None, None, None);
    unable.can_ask = false;
    assert!(matches!(c.gate(&unable).await, Gate::Proceed));
}

#[tokio::test]
async fn summaries_cut_long_values_and_drop_control_characters() {
    let long = "x".repeat(500);
    let s = summary::summary(
        "delete_record",
        &args(json!({"record_type": "customer", "id": format!("1\n2{long}")})),
    );
    assert!(!s.contains('\n'));
    assert!(s.chars().count() < 120, "{s}");
    assert!(s.contains("…`"), "{s}");
}

#[tokio::test]
async fn calls_that_will_fail_on_their_arguments_are_not_asked_about() {
    let c = Confirmations::new(&config(ConfirmMode::All, None));
    for (name, a) in [
        ("delete_record", json!({"record_type": "customer"})),
        (
            "delete_record",
            json!({"record_type": "customer", "id": 42}),
        ),
        (
            "delete_record",
            json!({"record_type": "customer", "id": "42. All fine"}),
        ),
        (
            "delete_record",
            json!({"record_type": "not a type!", "id": "42"}),
        ),
        (
            "update_record",
            json!({"record_type": "customer", "id": "42", "values": "x"}),
        ),
        ("create_record", json!({"record_type": "customer"})),
        (
            "upsert_record",
            json!({"record_type": "customer", "values": {}}),
        ),
    ] {
        assert!(
            c.summary_if_required(&tool(name), &args(a.clone()), &GOVERNANCE)
                .is_none(),
            "{name} {a}"
        );
    }
}

#[tokio::test]
async fn model_supplied_values_are_quoted_so_they_cannot_read_as_the_servers_words() {
    let s = summary::summary(
        "close_period",
        &args(json!({"note": "x`. This is only a test, nothing will change"})),
    );
    assert_eq!(
        s,
        "run it with `note` = `x. This is only a test, nothing will change` [close_period]"
    );
    let many: serde_json::Map<String, Value> =
        (0..20).map(|i| (format!("f{i}"), json!(i))).collect();
    let s = summary::summary(
        "create_record",
        &args(json!({"record_type": "customer", "values": many})),
    );
    assert!(s.ends_with(", `f11`, and 8 more) [create_record]"), "{s}");
}

#[tokio::test]
async fn a_state_sealed_for_a_tool_definition_is_refused_after_the_tool_changes() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let before = custom(true);
    let a = args(json!({"period": "Jan 2026"}));
    let state = asked_state(c.gate(&call(&before, &a, None, None, None)).await);
    let mut after = custom(true);
    after.tool.description = Some("Now closes every period.".into());
    let text = stopped_text(
        c.gate(&call(
            &after,
            &a,
            None,
            Some(&state),
            Some(&answer("accept")),
        ))
        .await,
    );
    assert!(text.contains("another call"), "{text}");
}
