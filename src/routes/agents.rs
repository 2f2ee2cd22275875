//! Agents (`/api/agent-base`): installed AI agents of a workspace, and their executions.

use serde_json::{Value, json};

use super::common::{
    apply_body, delete_visible, list, object, one_of, product_scope, store_new, target_product,
    text, visible,
};
use super::request::Fields;
use super::{Ctx, Req};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::schema::EXECUTION_STATUSES;
use crate::store::{Kind, Record, Scope};

const IMMUTABLE: &[&str] = &["id", "product_id", "agent_id", "created_at"];
const COMPUTED: &[&str] = &["updated_at"];

/// `GET /api/agent-base/product/{productId}`
pub fn of_product(ctx: &Ctx<'_>, req: &Req, product: &str) -> Result<Reply, ApiError> {
    visible(ctx, Kind::Product, product)?;
    page_of(ctx, req, Some(product))
}

/// `GET /api/agent-base`: the caller's product (or `?product_id=`).
pub fn list_all(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let product = product_scope(ctx, req.query_nonempty("product_id"))?;
    page_of(ctx, req, product.as_deref())
}

fn page_of(ctx: &Ctx<'_>, req: &Req, product: Option<&str>) -> Result<Reply, ApiError> {
    let request = req.page()?;
    let active = req.query_bool("is_active")?;
    let parts = [product];
    let scope = Scope::within(&parts);
    let keep = move |r: &Record| {
        active.is_none_or(|a| r.get("is_active").and_then(Value::as_bool) == Some(a))
    };
    let filter: Option<&dyn Fn(&Record) -> bool> =
        if active.is_some() { Some(&keep) } else { None };
    Ok(list(
        ctx.state
            .collection(Kind::Agent)
            .page(scope, filter, request),
        request,
        None,
    ))
}

/// `POST /api/agent-base/install` and `POST /api/agent-base`
pub fn install(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let agent_id = body.required_str("agent_id")?;
    let product = target_product(ctx, body.opt_str("product_id")?)?;
    let given = body.opt_object("parameters")?.cloned().unwrap_or_default();
    let name = body.opt_str("name")?;
    let catalog = ctx
        .state
        .get(Kind::Catalog, agent_id)
        .ok_or_else(|| ApiError::not_found("catalog agent", agent_id))?;
    let installed = ctx
        .state
        .collection(Kind::Agent)
        .find(Scope::In(&[Some(&product)]), |a| {
            text(a, "agent_id") == Some(agent_id)
        });
    if let Some(existing) = installed.first() {
        let id = text(existing, "id").unwrap_or_default();
        return Err(ApiError::bad_request(format!(
            "agent '{agent_id}' is already installed in product '{product}' as '{id}'"
        )));
    }
    let mut parameters = catalog
        .get("parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    parameters.extend(given);
    let now = ctx.clock.now().to_string();
    let mut record = object(json!({
        "id": ctx.state.new_id(),
        "product_id": &*product,
        "agent_id": agent_id,
        "name": name.unwrap_or_else(|| text(&catalog, "name").unwrap_or(agent_id)),
        "description": text(&catalog, "description").unwrap_or_default(),
        "is_active": true,
        "active_version": "1.0.0",
        "parameters": parameters,
        "integrations": [],
        // The catalog agent's template, unless the body names one (null: the default output).
        "output_template": catalog.get("output_template").cloned().unwrap_or(Value::Null),
        "created_at": now,
        "updated_at": now,
    }));
    apply_body(
        Kind::Agent,
        &mut record,
        body,
        &[],
        &[
            "agent_id",
            "product_id",
            "parameters",
            "name",
            "id",
            "created_at",
            "updated_at",
        ],
    )?;
    let stored = store_new(ctx, Kind::Agent, record)?;
    Ok(Reply::with(
        hyper::StatusCode::CREATED,
        "Agent installed successfully",
        stored,
    ))
}

/// `GET /api/agent-base/{id}`
pub fn get(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    Ok(Reply::ok(visible(ctx, Kind::Agent, id)?))
}

/// `PUT /api/agent-base/{id}`: a partial update.
pub fn update(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    visible(ctx, Kind::Agent, id)?;
    let body = req.json()?;
    let now = ctx.clock.now().to_string();
    let updated = ctx.state.update(Kind::Agent, id, |agent| {
        apply_body(Kind::Agent, agent, body, IMMUTABLE, COMPUTED)?;
        agent.insert("updated_at".into(), json!(now));
        Ok(())
    })?;
    let updated = updated.ok_or_else(|| ApiError::not_found("agent", id))?;
    Ok(Reply::with(
        hyper::StatusCode::OK,
        "Agent updated successfully",
        updated,
    ))
}

/// `DELETE /api/agent-base/{id}`
pub fn delete(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    uninstall(ctx, id)
}

/// `DELETE /api/agent-base` with the id in `?id=` or a JSON body.
pub fn delete_by_query(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    if let Some(id) = req.query_nonempty("id") {
        return uninstall(ctx, id);
    }
    let empty = serde_json::Map::new();
    let body = req.json_opt()?.unwrap_or(&empty);
    let id = body.required_str("id").map_err(|_| {
        ApiError::missing_field("id")
            .with_hint("name the agent with ?id=<agent id> or a JSON body {\"id\": \"…\"}")
    })?;
    uninstall(ctx, id)
}

fn uninstall(ctx: &Ctx<'_>, id: &str) -> Result<Reply, ApiError> {
    delete_visible(ctx, Kind::Agent, id)
}

/// `GET /api/agent-base/{id}/executions`, newest last, with `?status=`; unfinished
/// executions are settled on the clock first, so the list agrees with `status`.
pub fn executions(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    visible(ctx, Kind::Agent, id)?;
    let request = req.page()?;
    let status = one_of(req, "status", EXECUTION_STATUSES)?;
    ctx.executions().settle_agent(id, ctx.clock.now());
    let keep = |r: &Record| status.is_none_or(|s| text(r, "status") == Some(s));
    let filter: Option<&dyn Fn(&Record) -> bool> =
        if status.is_some() { Some(&keep) } else { None };
    let page = ctx
        .state
        .collection(Kind::Execution)
        .page(Scope::In(&[Some(id)]), filter, request);
    Ok(list(page, request, None))
}
