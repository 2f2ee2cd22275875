//! Integration templates: the catalog the MCP gateway installs integrations from (Azure
//! DevOps, Slack, …), seeded from `integration_templates.json`. No REST route serves them
//! (none is documented); the gateway's tools list, read, create, update and delete them.
//!
//! A template is named by its id or by its `type` (`azure_devops`), which is unique. It lists
//! the credential and settings fields an installation must give.

use std::sync::Arc;

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::Ctx;
use super::common::{self, apply_body, deleted, object, store_new, text};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::store::{Doc, Kind, PageRequest, Record, Scope};

const KIND: Kind = Kind::IntegrationTemplate;
const IMMUTABLE: &[&str] = &["id", "type", "created_at"];
const COMPUTED: &[&str] = &["updated_at"];

/// The templates of `category` (all when `None`), a page at a time, in catalog order.
pub fn list(ctx: &Ctx<'_>, category: Option<&str>, request: PageRequest) -> Reply {
    let keep = |r: &Record| category.is_none_or(|c| text(r, "category") == Some(c));
    let filter: Option<&dyn Fn(&Record) -> bool> = match category {
        Some(_) => Some(&keep),
        None => None,
    };
    let page = ctx.state.collection(KIND).page(Scope::All, filter, request);
    common::list(page, request, None)
}

/// The template whose id or type is `named`.
pub fn find(ctx: &Ctx<'_>, named: &str) -> Option<Arc<Doc>> {
    ctx.state
        .get(KIND, named)
        .or_else(|| ctx.state.by_unique(KIND, named))
}

/// The template `named`, or 404.
fn existing(ctx: &Ctx<'_>, named: &str) -> Result<Arc<Doc>, ApiError> {
    find(ctx, named).ok_or_else(|| {
        ApiError::not_found("integration template", named)
            .with_hint("name it by its id or its type (list_integration_catalog lists them)")
    })
}

/// 400 naming the first field of `template`'s `list` (`credential_fields`) that `given`
/// (`credentials`) lacks or leaves blank.
pub fn require_fields(
    template: &Record,
    list: &str,
    what: &str,
    given: &Map<String, Value>,
) -> Result<(), ApiError> {
    let needed = template.get(list).and_then(Value::as_array);
    let blank = |v: &Value| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty());
    for name in needed.into_iter().flatten().filter_map(Value::as_str) {
        if given.get(name).is_none_or(blank) {
            return Err(ApiError::bad_request(format!(
                "missing required field '{what}.{name}': template '{}' needs {}",
                text(template, "type").unwrap_or_default(),
                list_of(needed, what)
            )));
        }
    }
    Ok(())
}

fn list_of(fields: Option<&Vec<Value>>, what: &str) -> String {
    let names: Vec<String> = fields
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|n| format!("{what}.{n}"))
        .collect();
    names.join(", ")
}

/// A new template from `args` (`name`, `type` and the optional fields); 400 when its type is
/// taken.
pub fn create(ctx: &Ctx<'_>, args: &Map<String, Value>) -> Result<Reply, ApiError> {
    let kind = text(args, "type").unwrap_or_default();
    if let Some(taken) = ctx.state.by_unique(KIND, kind) {
        return Err(ApiError::bad_request(format!(
            "an integration template of type '{kind}' already exists ('{}'): update it, or \
             choose another type",
            text(&taken, "id").unwrap_or_default()
        )));
    }
    let now = ctx.clock.now().to_string();
    let mut record = object(json!({
        "id": ctx.state.new_id(),
        "type": kind,
        "name": text(args, "name"),
        "description": "",
        "category": "custom",
        "credential_fields": [],
        "settings_fields": [],
        "tools": [],
        "created_at": now,
        "updated_at": now,
    }));
    apply_body(
        KIND,
        &mut record,
        args,
        &[],
        &["id", "type", "created_at", "updated_at"],
    )?;
    let stored = store_new(ctx, KIND, record)?;
    Ok(Reply::with(
        StatusCode::CREATED,
        "Integration template created successfully",
        stored,
    ))
}

/// Template `named` with the fields of `args` changed (its id and type stay).
pub fn update(ctx: &Ctx<'_>, named: &str, args: &Map<String, Value>) -> Result<Reply, ApiError> {
    let current = existing(ctx, named)?;
    let id = text(&current, "id").unwrap_or(named).to_owned();
    let mut changes = args.clone();
    changes.remove("id");
    let now = ctx.clock.now().to_string();
    let updated = ctx.state.update(KIND, &id, |record| {
        apply_body(KIND, record, &changes, IMMUTABLE, COMPUTED)?;
        record.insert("updated_at".into(), json!(now));
        Ok(())
    })?;
    let updated = updated.ok_or_else(|| ApiError::not_found("integration template", named))?;
    Ok(Reply::with(
        StatusCode::OK,
        "Integration template updated successfully",
        updated,
    ))
}

/// Removes template `named`; integrations installed from it stay.
pub fn delete(ctx: &Ctx<'_>, named: &str) -> Result<Reply, ApiError> {
    let current = existing(ctx, named)?;
    let id = text(&current, "id").unwrap_or(named).to_owned();
    ctx.state
        .remove(KIND, &id)
        .ok_or_else(|| ApiError::not_found("integration template", named))?;
    Ok(deleted(&id))
}
