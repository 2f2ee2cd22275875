//! Integrations (`/api/integrations-base`): local to one product or global to all.
//!
//! `scope` is computed, never taken from the client: `local` when `product_id` is set,
//! `global` otherwise. On `/active`, a product's local integration hides ("shadows") the
//! global ones of the same `type`. Credentials are never echoed: their values are masked.

use std::collections::HashSet;
use std::sync::Arc;

use hyper::StatusCode;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use super::common::{
    apply_body, changeable, delete_visible, list, object, one_of, product_scope, shared, store_new,
    text, visible,
};
use super::request::Fields;
use super::{Ctx, Req};
use crate::envelope::{Payload, Reply};
use crate::error::ApiError;
use crate::store::{Doc, Kind, Page, Record, Scope};

const IMMUTABLE: &[&str] = &["id", "created_at"];
const COMPUTED: &[&str] = &["scope", "updated_at", "product_id"];
const MASK: &str = "********";

/// An integration as clients see it: credential values masked.
pub fn render(record: &Record) -> Payload {
    let mut out = Vec::with_capacity(512);
    write_shown(record, &mut out);
    Payload::Text(out)
}

/// Appends the JSON of an integration as clients see it (credential values masked), written
/// from the record, without copying it first.
fn write_shown(record: &Record, out: &mut Vec<u8>) {
    // Writing JSON into a Vec cannot fail.
    let _ = serde_json::to_writer(out, &Shown(record));
}

/// An integration record, serialized with its credential values masked.
struct Shown<'a>(&'a Record);

/// A credentials object, serialized with its values masked.
struct Masked<'a>(&'a Map<String, Value>);

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            match (key.as_str(), value) {
                ("credentials", Value::Object(credentials)) => {
                    map.serialize_entry(key, &Masked(credentials))?;
                }
                _ => map.serialize_entry(key, value)?,
            }
        }
        map.end()
    }
}

impl Serialize for Masked<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for key in self.0.keys() {
            map.serialize_entry(key, MASK)?;
        }
        map.end()
    }
}

/// `GET /api/integrations-base`: with `?product_id=`, that product's local integrations plus
/// every global one; without it, everything the caller can see.
pub fn list_all(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let request = req.page()?;
    let product = product_scope(ctx, req.query_nonempty("product_id"))?;
    let kind = req.query_nonempty("type");
    let scope_filter = one_of(req, "scope", &["local", "global"])?;
    let active = req.query_bool("is_active")?;
    let parts = [product.as_deref(), None];
    let scope = Scope::within(&parts);
    let keep = |r: &Record| {
        kind.is_none_or(|k| text(r, "type") == Some(k))
            && scope_filter.is_none_or(|s| text(r, "scope") == Some(s))
            && active.is_none_or(|a| r.get("is_active").and_then(Value::as_bool) == Some(a))
    };
    let filtered = kind.is_some() || scope_filter.is_some() || active.is_some();
    let filter: Option<&dyn Fn(&Record) -> bool> = if filtered { Some(&keep) } else { None };
    let page = ctx
        .state
        .collection(Kind::Integration)
        .page(scope, filter, request);
    Ok(list(page, request, Some(write_shown)))
}

/// `GET /api/integrations-base/{id}`
pub fn get(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    let record = visible(ctx, Kind::Integration, id)?;
    Ok(Reply::ok(render(&record)))
}

/// `POST /api/integrations-base`
pub fn create(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let product = owning_product(ctx, body)?;
    let now = ctx.clock.now().to_string();
    let mut record = object(json!({
        "id": ctx.state.new_id(),
        "title": body.required_str("title")?,
        "product_id": product.as_deref(),
        "type": body.opt_str("type")?.unwrap_or("custom"),
        "settings": {},
        "credentials": {},
        "is_active": true,
        "created_at": now,
        "updated_at": now,
    }));
    apply_body(
        Kind::Integration,
        &mut record,
        body,
        &[],
        &["id", "created_at", "updated_at", "scope", "product_id"],
    )?;
    let stored = store_new(ctx, Kind::Integration, record)?;
    Ok(Reply::with(
        StatusCode::CREATED,
        "Integration created successfully",
        render(&stored),
    ))
}

/// `PUT /api/integrations-base/{id}`: any subset of the create fields; a new `product_id`
/// recomputes `scope`.
pub fn update(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let current = changeable(ctx, Kind::Integration, id)?;
    let body = req.json()?;
    let to_global = body.get("product_id").is_some_and(Value::is_null);
    if to_global && ctx.caller.workspace_token && !shared(Kind::Integration, &current) {
        return Err(ApiError::forbidden(format!(
            "integration '{id}' belongs to one product: a workspace token may not make it global \
             (create a global integration instead)"
        )));
    }
    let product = body
        .contains_key("product_id")
        .then(|| owning_product(ctx, body))
        .transpose()?;
    let now = ctx.clock.now().to_string();
    let updated = ctx.state.update(Kind::Integration, id, |record| {
        apply_body(Kind::Integration, record, body, IMMUTABLE, COMPUTED)?;
        if let Some(product) = &product {
            record.insert("product_id".into(), json!(product.as_deref()));
        }
        record.insert("updated_at".into(), json!(now));
        Ok(())
    })?;
    let updated = updated.ok_or_else(|| ApiError::not_found("integration", id))?;
    Ok(Reply::with(
        StatusCode::OK,
        "Integration updated successfully",
        render(&updated),
    ))
}

/// `DELETE /api/integrations-base/{id}`
pub fn delete(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    delete_visible(ctx, Kind::Integration, id)
}

/// `GET /api/integrations-base/product/{productId}/active`: active integrations the product
/// can use, with each type's local integrations hiding the global ones.
pub fn active(ctx: &Ctx<'_>, req: &Req, product: &str) -> Result<Reply, ApiError> {
    visible(ctx, Kind::Product, product)?;
    let request = req.page()?;
    let usable = ctx
        .state
        .collection(Kind::Integration)
        .find(Scope::In(&[Some(product), None]), |r| {
            r.get("is_active").and_then(Value::as_bool) == Some(true)
        });
    let local_types: HashSet<&str> = usable
        .iter()
        .filter(|r| text(r, "scope") == Some("local"))
        .filter_map(|r| text(r, "type"))
        .collect();
    let shown: Vec<Arc<Doc>> = usable
        .iter()
        .filter(|r| {
            text(r, "scope") == Some("local")
                || !text(r, "type").is_some_and(|t| local_types.contains(t))
        })
        .cloned()
        .collect();
    let total = shown.len() as u64;
    let offset =
        usize::try_from((request.page - 1).saturating_mul(request.size)).unwrap_or(usize::MAX);
    let size = usize::try_from(request.size).unwrap_or(usize::MAX);
    let items = shown.into_iter().skip(offset).take(size).collect();
    let reply = list(Page { items, total }, request, Some(write_shown));
    Ok(reply)
}

fn owning_product(ctx: &Ctx<'_>, body: &Map<String, Value>) -> Result<Option<Arc<str>>, ApiError> {
    match body.opt_str("product_id")? {
        None => Ok(None),
        Some(id) => {
            visible(ctx, Kind::Product, id)?;
            Ok(Some(Arc::from(id)))
        }
    }
}
