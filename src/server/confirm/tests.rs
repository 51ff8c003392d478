use super::*;
use crate::catalog::Catalog;
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

#[test]
fn destructive_mode_asks_for_deletes_sublist_replacements_and_destructive_custom_tools_only() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let del = args(json!({"record_type": "customer", "id": "42"}));
    assert_eq!(
        c.summary_if_required(&tool("delete_record"), &del)
            .as_deref(),
        Some("delete customer 42")
    );
    let merge = args(json!({"record_type": "salesorder", "id": "7", "values": {"memo": "x"}}));
    assert!(
        c.summary_if_required(&tool("update_record"), &merge)
            .is_none()
    );
    let replace = args(
        json!({"record_type": "salesorder", "id": "7", "values": {"item": {"items": []}}, "replace": ["item"]}),
    );
    assert_eq!(
        c.summary_if_required(&tool("update_record"), &replace)
            .as_deref(),
        Some("update salesorder 7 (fields: item), replacing all lines of item")
    );
    let create = args(json!({"record_type": "customer", "values": {"companyname": "Acme"}}));
    assert!(
        c.summary_if_required(&tool("create_record"), &create)
            .is_none()
    );
    let period = args(json!({"period": "Jan 2026"}));
    assert_eq!(
        c.summary_if_required(&custom(true), &period).as_deref(),
        Some("run close_period with period=Jan 2026")
    );
    assert!(c.summary_if_required(&custom(false), &period).is_none());
    assert!(
        c.summary_if_required(&tool("run_suiteql"), &args(json!({"query": "SELECT 1"})))
            .is_none()
    );
}

#[test]
fn all_mode_asks_for_every_write_and_off_for_none() {
    let all = Confirmations::new(&config(ConfirmMode::All, None));
    let create = args(
        json!({"record_type": "customer", "values": {"companyname": "Acme", "email": "a@b.c"}}),
    );
    assert_eq!(
        all.summary_if_required(&tool("create_record"), &create)
            .as_deref(),
        Some("create a customer (fields: companyname, email)")
    );
    assert!(
        all.summary_if_required(
            &tool("get_record"),
            &args(json!({"record_type": "customer", "id": "1"}))
        )
        .is_none()
    );
    let off = Confirmations::new(&config(ConfirmMode::Off, None));
    assert!(
        off.summary_if_required(
            &tool("delete_record"),
            &args(json!({"record_type": "customer", "id": "1"}))
        )
        .is_none()
    );
}

#[test]
fn an_accepted_confirmation_runs_once_and_a_replay_is_refused() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    let state = asked_state(c.gate(&call(&t, &a, None, None, None)));
    let yes = answer("accept");
    assert!(matches!(
        c.gate(&call(&t, &a, None, Some(&state), Some(&yes))),
        Gate::Proceed
    ));
    let replay = stopped_text(c.gate(&call(&t, &a, None, Some(&state), Some(&yes))));
    assert!(replay.contains("already used"), "{replay}");
}

#[test]
fn declined_and_dismissed_confirmations_stop_the_call_and_say_nothing_was_sent() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    for (action, word) in [("decline", "declined"), ("cancel", "dismissed")] {
        let state = asked_state(c.gate(&call(&t, &a, None, None, None)));
        let text = stopped_text(c.gate(&call(&t, &a, None, Some(&state), Some(&answer(action)))));
        assert!(
            text.contains(word) && text.contains("nothing was sent"),
            "{text}"
        );
        assert!(text.contains("delete customer 42"), "{text}");
    }
    let state = asked_state(c.gate(&call(&t, &a, None, None, None)));
    let text = stopped_text(c.gate(&call(&t, &a, None, Some(&state), None)));
    assert!(text.contains("no answer"), "{text}");
}

#[test]
fn a_state_is_bound_to_its_arguments_caller_and_integrity() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    let yes = answer("accept");
    let alice = Some(("alice", Some("app")));
    let state = asked_state(c.gate(&call(&t, &a, alice, None, None)));
    let other_id = args(json!({"record_type": "customer", "id": "43"}));
    let text = stopped_text(c.gate(&call(&t, &other_id, alice, Some(&state), Some(&yes))));
    assert!(text.contains("another call"), "{text}");
    let text = stopped_text(c.gate(&call(
        &t,
        &a,
        Some(("bob", Some("app"))),
        Some(&state),
        Some(&yes),
    )));
    assert!(text.contains("another call"), "{text}");
    let mut tampered = state.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let text = stopped_text(c.gate(&call(&t, &a, alice, Some(&tampered), Some(&yes))));
    assert!(text.contains("not valid"), "{text}");
    // Key order is not a change.
    let reordered = args(json!({"id": "42", "record_type": "customer"}));
    assert!(matches!(
        c.gate(&call(&t, &reordered, alice, Some(&state), Some(&yes))),
        Gate::Proceed
    ));
}

#[test]
fn instances_sharing_the_state_key_accept_each_others_states_and_random_keys_do_not() {
    let key = "0123456789abcdefghijklmnopqrstuvwxyz";
    let a1 = Confirmations::new(&config(ConfirmMode::Destructive, Some(key)));
    let a2 = Confirmations::new(&config(ConfirmMode::Destructive, Some(key)));
    let r1 = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let r2 = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    let yes = answer("accept");
    let state = asked_state(a1.gate(&call(&t, &a, None, None, None)));
    assert!(matches!(
        a2.gate(&call(&t, &a, None, Some(&state), Some(&yes))),
        Gate::Proceed
    ));
    let state = asked_state(r1.gate(&call(&t, &a, None, None, None)));
    stopped_text(r2.gate(&call(&t, &a, None, Some(&state), Some(&yes))));
}

#[test]
fn older_clients_are_asked_over_the_session_and_clients_that_cannot_ask_run_as_before() {
    let c = Confirmations::new(&config(ConfirmMode::Destructive, None));
    let t = tool("delete_record");
    let a = args(json!({"record_type": "customer", "id": "42"}));
    let mut legacy = call(&t, &a, None, None, None);
    legacy.modern = false;
    match c.gate(&legacy) {
        Gate::AskOverSession {
            params: ElicitRequestParams::FormElicitationParams { message, .. },
            ..
        } => {
            assert!(message.contains("delete customer 42"), "{message}");
        }
        other => panic!("expected a session elicitation, got {other:?}"),
    }
    let mut unable = call(&t, &a, None, None, None);
    unable.can_ask = false;
    assert!(matches!(c.gate(&unable), Gate::Proceed));
}

#[test]
fn summaries_cut_long_values_and_drop_control_characters() {
    let long = "x".repeat(500);
    let s = summary(
        "delete_record",
        &args(json!({"record_type": "customer", "id": format!("1\n2{long}")})),
    );
    assert!(!s.contains('\n'));
    assert!(s.chars().count() < 100, "{s}");
}
