//! Workflow base definitions (`/api/workflow-base`): the agents collection pattern, with
//! `nodes` and `connections` checked on every write.

use std::collections::HashSet;

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::common::{
    apply_body, changeable, delete_visible, list as list_reply, object, product_scope, store_new,
    target_product, text, visible,
};
use super::request::Fields;
use super::{Ctx, Req};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::store::{Kind, Record, Scope};

const IMMUTABLE: &[&str] = &["id", "product_id", "created_at"];
const COMPUTED: &[&str] = &["updated_at"];

/// `GET /api/workflow-base`: the caller's workflow bases and the shared ones (no product),
/// filtered by `product_id` and `agent_base_id`.
pub fn list(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let request = req.page()?;
    let product = product_scope(ctx, req.query_nonempty("product_id"))?;
    let agent = req.query_nonempty("agent_base_id");
    if let Some(agent) = agent {
        visible(ctx, Kind::Agent, agent)?;
    }
    let parts = [product.as_deref(), None];
    let scope = Scope::within(&parts);
    let keep = |r: &Record| agent.is_none_or(|a| text(r, "agent_base_id") == Some(a));
    let page = ctx
        .state
        .collection(Kind::Workflow)
        .page(scope, Some(&keep), request);
    Ok(list_reply(page, request, None))
}

/// `GET /api/workflow-base/{id}`
pub fn get(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    Ok(Reply::ok(visible(ctx, Kind::Workflow, id)?))
}

/// `POST /api/workflow-base`: `name` is required.
pub fn create(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let name = body.required_str("name")?;
    let agent = match body.opt_str("agent_base_id")? {
        Some(agent) => Some(visible(ctx, Kind::Agent, agent)?),
        None => None,
    };
    let agent_product = agent.as_deref().and_then(|a| text(a, "product_id"));
    let product = target_product(ctx, body.opt_str("product_id")?.or(agent_product))?;
    if let Some(agent_product) = agent_product.filter(|p| *p != &*product) {
        return Err(ApiError::bad_request(format!(
            "agent_base_id names an agent of product '{agent_product}', not of product '{product}'"
        )));
    }
    let now = ctx.clock.now().to_string();
    let mut record = object(json!({
        "id": ctx.state.new_id(),
        "name": name,
        "product_id": &*product,
        "agent_base_id": agent.as_deref().and_then(|a| a.get("id")),
        "description": "",
        "nodes": [],
        "connections": [],
        "duration_ms": null,
        "output_template": null,
        "created_at": now,
        "updated_at": now,
    }));
    apply_body(
        Kind::Workflow,
        &mut record,
        body,
        &[],
        &["id", "product_id", "created_at", "updated_at"],
    )?;
    check_links(&record)?;
    let stored = store_new(ctx, Kind::Workflow, record)?;
    Ok(Reply::with(
        StatusCode::CREATED,
        "Workflow base created successfully",
        stored,
    ))
}

/// `PUT /api/workflow-base/{id}`: a partial update.
pub fn update(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let body = req.json()?;
    update_one(ctx, id, body)
}

/// `PUT /api/workflow-base` with the id in `?id=` or the body.
pub fn update_by_query(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let id = match req.query_nonempty("id") {
        Some(id) => id.to_owned(),
        None => named_id(body)?,
    };
    let mut fields = body.clone();
    fields.remove("id");
    update_one(ctx, &id, &fields)
}

fn update_one(ctx: &Ctx<'_>, id: &str, body: &Map<String, Value>) -> Result<Reply, ApiError> {
    let current = changeable(ctx, Kind::Workflow, id)?;
    if let Some(agent) = body.opt_str("agent_base_id")? {
        let agent = visible(ctx, Kind::Agent, agent)?;
        let product = text(&current, "product_id");
        if product.is_some() && text(&agent, "product_id") != product {
            return Err(ApiError::bad_request(format!(
                "agent_base_id names an agent of another product than workflow base '{id}'"
            )));
        }
    }
    let now = ctx.clock.now().to_string();
    let updated = ctx.state.update(Kind::Workflow, id, |record| {
        apply_body(Kind::Workflow, record, body, IMMUTABLE, COMPUTED)?;
        check_links(record)?;
        record.insert("updated_at".into(), json!(now));
        Ok(())
    })?;
    let updated = updated.ok_or_else(|| ApiError::not_found("workflow base", id))?;
    Ok(Reply::with(
        StatusCode::OK,
        "Workflow base updated successfully",
        updated,
    ))
}

/// `DELETE /api/workflow-base/{id}`
pub fn delete(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    remove(ctx, id)
}

/// `DELETE /api/workflow-base` with the id in `?id=` or a JSON body.
pub fn delete_by_query(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    if let Some(id) = req.query_nonempty("id") {
        return remove(ctx, id);
    }
    let empty = Map::new();
    let body = req.json_opt()?.unwrap_or(&empty);
    remove(ctx, &named_id(body)?)
}

fn named_id(body: &Map<String, Value>) -> Result<String, ApiError> {
    body.required_str("id").map(str::to_owned).map_err(|_| {
        ApiError::missing_field("id").with_hint(
            "name the workflow base with ?id=<workflow base id> or a JSON body {\"id\": \"…\"}",
        )
    })
}

fn remove(ctx: &Ctx<'_>, id: &str) -> Result<Reply, ApiError> {
    delete_visible(ctx, Kind::Workflow, id)
}

/// Field types of a create or update body.
/// Every node is `{ "id": "…", … }` with a unique id; every connection is
/// `{ "from": "…", "to": "…" }` naming nodes of the record.
fn check_links(record: &Record) -> Result<(), ApiError> {
    let empty = Vec::new();
    let nodes = record
        .get("nodes")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let mut ids = HashSet::new();
    for (i, node) in nodes.iter().enumerate() {
        let id = node
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let Some(id) = id else {
            return Err(ApiError::invalid_field(
                &format!("nodes[{i}]"),
                "an object with a non-empty string 'id' (and optional 'type', 'config')",
            ));
        };
        if !ids.insert(id) {
            return Err(ApiError::bad_request(format!(
                "field 'nodes[{i}]' repeats node id '{id}'"
            )));
        }
    }
    let connections = record
        .get("connections")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    for (i, link) in connections.iter().enumerate() {
        for end in ["from", "to"] {
            let Some(target) = link.get(end).and_then(Value::as_str) else {
                return Err(ApiError::invalid_field(
                    &format!("connections[{i}]"),
                    "an object with string 'from' and 'to' node ids",
                ));
            };
            if !ids.contains(target) {
                return Err(ApiError::bad_request(format!(
                    "field 'connections[{i}].{end}' names node '{target}', which is not in 'nodes'"
                )));
            }
        }
    }
    Ok(())
}
