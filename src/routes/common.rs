//! Helpers every resource handler shares: visibility, product resolution, list pages and
//! applying a JSON body to a record.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{Ctx, Req};
use crate::envelope::{Pagination, Payload, Reply};
use crate::error::ApiError;
use crate::store::{Doc, Kind, Page, PageRequest, Record, record_id};

/// The product that owns `record` of `kind`; `None` for records every product shares
/// (global integrations, workflow bases without a product).
/// Borrowed from `record` when it names its product itself.
pub fn owner<'r>(ctx: &Ctx<'_>, kind: Kind, record: &'r Record) -> Option<Cow<'r, str>> {
    let text = |f: &str| field(record, f).and_then(Value::as_str);
    match kind {
        Kind::Product => text("id").map(Cow::Borrowed),
        Kind::Execution | Kind::Trigger => {
            // Executions of a workflow base without an agent carry their product themselves.
            if let (Kind::Execution, Some(product)) = (kind, text("product_id")) {
                return Some(Cow::Borrowed(product));
            }
            let agent = ctx.state.get(Kind::Agent, text("agent_base_id")?)?;
            let product = field(&agent, "product_id").and_then(Value::as_str)?;
            Some(Cow::Owned(product.to_owned()))
        }
        _ => text("product_id").map(Cow::Borrowed),
    }
}

/// Whether `record` is shared by every product: a global integration, a workflow base without
/// a product.
pub fn shared(kind: Kind, record: &Record) -> bool {
    matches!(kind, Kind::Integration | Kind::Workflow)
        && field(record, "product_id").is_none_or(Value::is_null)
}

/// `record[name]`, read on every request for visibility. A record has a few dozen fields at
/// most, and comparing their names costs less than hashing one (serde_json's maps hash with
/// SipHash), so a small record is scanned.
pub fn field<'r>(record: &'r Record, name: &str) -> Option<&'r Value> {
    if record.len() <= 32 {
        record
            .iter()
            .find_map(|(key, value)| (key == name).then_some(value))
    } else {
        record.get(name)
    }
}

/// The record of `kind` with `id`, if the caller may see it; 404 otherwise (also for another
/// product's records, so existence does not leak).
pub fn visible(ctx: &Ctx<'_>, kind: Kind, id: &str) -> Result<Arc<Doc>, ApiError> {
    let record = ctx
        .state
        .get(kind, id)
        .ok_or_else(|| ApiError::not_found(kind.singular(), id))?;
    if shared(kind, &record) || ctx.caller.sees(owner(ctx, kind, &record).as_deref()) {
        Ok(record)
    } else {
        Err(ApiError::not_found(kind.singular(), id))
    }
}

/// The record of `kind` with `id`, if the caller may change or delete it: it must be visible,
/// and a record every product shares may be changed by a workspace token only when that
/// token's product created it (403 otherwise). Unrestricted callers (a JWT, `--auth off`)
/// may change anything.
pub fn changeable(ctx: &Ctx<'_>, kind: Kind, id: &str) -> Result<Arc<Doc>, ApiError> {
    let record = visible(ctx, kind, id)?;
    let Some(mine) = ctx
        .caller
        .product
        .as_deref()
        .filter(|_| ctx.caller.workspace_token)
    else {
        return Ok(record);
    };
    if !shared(kind, &record) || ctx.state.creator(record_id(&record)).as_deref() == Some(mine) {
        return Ok(record);
    }
    Err(ApiError::forbidden(format!(
        "{} '{id}' is shared by every product and was not created by product '{mine}': a \
         workspace token may not change or delete it (a JWT may, or run the mock with --auth off)",
        kind.singular()
    )))
}

/// The product a request acts on: the one named (which must exist and be the caller's), or
/// the caller's own. `None` only for unrestricted callers that name none.
pub fn product_scope(ctx: &Ctx<'_>, named: Option<&str>) -> Result<Option<Arc<str>>, ApiError> {
    match named {
        Some(id) => visible(ctx, Kind::Product, id).map(|_| Some(Arc::from(id))),
        None => Ok(ctx.caller.product.clone()),
    }
}

/// The product a new record belongs to: the one named, else the caller's; 400 when there is
/// neither.
pub fn target_product(ctx: &Ctx<'_>, named: Option<&str>) -> Result<Arc<str>, ApiError> {
    product_scope(ctx, named)?.ok_or_else(|| {
        ApiError::bad_request(
            "missing required field 'product_id': this caller is not bound to a product",
        )
    })
}

/// Where page `request` sits in a list of `total` items.
fn pagination(total: u64, request: PageRequest) -> Pagination {
    Pagination {
        page: request.page,
        page_size: request.size,
        total,
        total_pages: total.div_ceil(request.size.max(1)),
    }
}

/// A list reply for `page`: the stored text of each item, or what `write` writes for it.
pub fn list(page: Page, request: PageRequest, write: Option<fn(&Record, &mut Vec<u8>)>) -> Reply {
    let pagination = pagination(page.total, request);
    let items = match write {
        None => Payload::Records(page.items),
        Some(write) => {
            let mut out = Vec::with_capacity(page.items.len() * 512 + 2);
            out.push(b'[');
            for (i, item) in page.items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, &mut out);
            }
            out.push(b']');
            Payload::Text(out)
        }
    };
    Reply::List { items, pagination }
}

/// A list reply for `page`, rendering each item with a closure (for responses that depend on
/// more than the record, such as the clock or usage counters).
pub fn list_with(page: Page, request: PageRequest, render: impl Fn(&Record) -> Value) -> Reply {
    let items: Vec<Value> = page.items.iter().map(|r| render(r)).collect();
    Reply::List {
        items: items.into(),
        pagination: pagination(page.total, request),
    }
}

/// A list reply for page `request` of a list of `total` items, whose `items` are already
/// built (search hits).
pub fn list_page(items: Vec<Value>, total: u64, request: PageRequest) -> Reply {
    Reply::List {
        items: items.into(),
        pagination: pagination(total, request),
    }
}

/// Requires the query value `name`, when given, to be one of `allowed`.
pub fn one_of<'a>(req: &'a Req, name: &str, allowed: &[&str]) -> Result<Option<&'a str>, ApiError> {
    match req.query_nonempty(name) {
        Some(v) if !allowed.contains(&v) => Err(ApiError::bad_request(format!(
            "query parameter '{name}' must be one of {}, got '{v}'",
            allowed.join(", ")
        ))),
        other => Ok(other),
    }
}

/// Copies the fields of `body` that are not in `reserved` onto `record`, so clients may
/// store fields the mock does not know. Fields in `immutable` may be sent back unchanged but
/// not altered. A `null` for a field of `kind` whose type cannot be null means absent, as the
/// `opt_*` readers take it, so it leaves the field as it is rather than storing a value the
/// resource's schema forbids.
pub fn apply_body(
    kind: Kind,
    record: &mut Record,
    body: &Map<String, Value>,
    immutable: &[&str],
    reserved: &[&str],
) -> Result<(), ApiError> {
    for (key, value) in body {
        let typed = kind.fields().iter().find(|f| f.name == key);
        if value.is_null() && typed.is_some_and(|f| !f.nullable) {
            continue;
        }
        if immutable.contains(&key.as_str()) {
            if record.get(key) != Some(value) {
                return Err(ApiError::bad_request(format!(
                    "field '{key}' cannot be changed"
                )));
            }
            continue;
        }
        if !reserved.contains(&key.as_str()) {
            record.insert(key.clone(), value.clone());
        }
    }
    Ok(())
}

/// The map of a `json!({...})` literal a handler builds a record from (moved, not copied).
pub fn object(value: Value) -> Record {
    match value {
        Value::Object(map) => map,
        _ => Record::new(),
    }
}

/// Stores a record a handler built; a generated id that is already taken is a 500. A shared
/// record remembers the product that created it (see [`changeable`]).
pub fn store_new(ctx: &Ctx<'_>, kind: Kind, record: Record) -> Result<Arc<Doc>, ApiError> {
    let stored = ctx.state.insert(kind, record).map_err(|d| {
        ApiError::internal(format!(
            "generated {} id '{}' collided",
            kind.singular(),
            d.0
        ))
    })?;
    if let (Some(product), true) = (&ctx.caller.product, shared(kind, &stored)) {
        // Any caller bound to a product is remembered, so a JWT's record is its product's.
        ctx.state.set_creator(record_id(&stored), product);
    }
    Ok(stored)
}

/// Deletes a record the caller can see, with what depends on it (see
/// [`State::remove_cascading`](crate::store::State::remove_cascading)), answering `{"id"}`.
pub fn delete_visible(ctx: &Ctx<'_>, kind: Kind, id: &str) -> Result<Reply, ApiError> {
    changeable(ctx, kind, id)?;
    ctx.state
        .remove_cascading(kind, id)
        .ok_or_else(|| ApiError::not_found(kind.singular(), id))?;
    Ok(deleted(id))
}

/// The `data` of a delete: `{"id": …}`.
pub fn deleted(id: &str) -> Reply {
    Reply::ok(json!({ "id": id }))
}

/// The string at `name`, for building records.
pub fn text<'a>(record: &'a Record, name: &str) -> Option<&'a str> {
    record.get(name).and_then(Value::as_str)
}
