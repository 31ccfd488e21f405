//! API7:2023 Server Side Request Forgery: no operation takes a URL from the caller, so none
//! can be made to fetch one. Checked on the spec: no parameter, and no property of any
//! request body (following `$ref`s to the bottom), is named or formatted like a URL.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{operations, spec};

fn url_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "url", "uri", "href", "link", "callback", "webhook", "endpoint", "redirect", "host",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Collects, through `$ref`s, every property name and string format reachable from a schema.
fn walk(spec: &Value, schema: &Value, seen: &mut BTreeSet<String>, found: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        if seen.insert(r.to_owned()) {
            let name = r.rsplit('/').next().unwrap_or_default();
            walk(spec, &spec["components"]["schemas"][name], seen, found);
        }
        return;
    }
    if let Some(format) = schema["format"].as_str() {
        if ["uri", "url", "iri", "uri-reference", "hostname"].contains(&format) {
            found.push(format!("format {format}"));
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        for (name, sub) in props {
            if url_like(name) {
                found.push(format!("property {name}"));
            }
            walk(spec, sub, seen, found);
        }
    }
    for key in ["items", "additionalProperties"] {
        if schema[key].is_object() {
            walk(spec, &schema[key], seen, found);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for sub in schema[key].as_array().into_iter().flatten() {
            walk(spec, sub, seen, found);
        }
    }
}

#[test]
fn no_operation_takes_a_url() {
    let spec = spec();
    let mut found = Vec::new();
    let mut bodies = 0;
    for (m, path, op) in operations(&spec) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap_or_default();
            // `redirect_uri` would be the one legitimate OAuth2 case; DTI Hub has no
            // authorization-code flow, so it must not appear either.
            if url_like(name) {
                found.push(format!("{m} {path}: parameter {name}"));
            }
            let mut inner = Vec::new();
            walk(&spec, &p["schema"], &mut BTreeSet::new(), &mut inner);
            found.extend(
                inner
                    .into_iter()
                    .map(|f| format!("{m} {path}: parameter {name} {f}")),
            );
        }
        for (media, content) in op["requestBody"]["content"]
            .as_object()
            .into_iter()
            .flatten()
        {
            bodies += 1;
            let mut inner = Vec::new();
            walk(&spec, &content["schema"], &mut BTreeSet::new(), &mut inner);
            found.extend(
                inner
                    .into_iter()
                    .map(|f| format!("{m} {path} ({media}): {f}")),
            );
        }
    }
    assert!(bodies >= 15, "{bodies} request bodies walked");
    assert!(found.is_empty(), "URL-taking inputs:\n{}", found.join("\n"));
}

#[test]
fn the_walk_would_notice_a_url() {
    // The check must be able to fail: a body with a `callback_url` is caught.
    let spec: Value = serde_json::json!({"components": {"schemas": {
        "Hook": {"type": "object", "properties": {"callback_url": {"type": "string"}}},
        "Outer": {"type": "object", "properties": {"hooks": {"type": "array",
            "items": {"$ref": "#/components/schemas/Hook"}}, "site": {"type": "string", "format": "uri"}}}
    }}});
    let mut found = Vec::new();
    walk(
        &spec,
        &serde_json::json!({"$ref": "#/components/schemas/Outer"}),
        &mut BTreeSet::new(),
        &mut found,
    );
    assert_eq!(found.len(), 2, "{found:?}");
}
