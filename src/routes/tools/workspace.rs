//! The tools about the caller and its workspace, which no REST route serves: the profile and
//! AI preferences (kept on the caller's token record), the workspace's context (its product
//! record, and its active integrations through the REST operation) and the MCP settings (kept
//! on the product record).

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::text;
use super::super::operation::Outcome;
use super::delegate::{Call, run};
use super::platform::workspace_of;
use super::{Args, Ctx, Standing};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::store::{Kind, Record};

/// Preferences of a caller that has set none.
fn default_preferences() -> Value {
    json!({"directive": "", "confirm_destructive_actions": true})
}

/// `get_my_profile`
pub fn profile(ctx: &Ctx<'_>, _args: &Args) -> Outcome {
    let standing = Standing::of(ctx);
    let token = ctx
        .caller
        .token_id
        .as_deref()
        .and_then(|id| ctx.state.get(Kind::Token, id));
    let product_id = workspace_of(ctx, None)?;
    let product = ctx.state.get(Kind::Product, &product_id);
    let field = |r: Option<&Record>, name: &str| r.and_then(|r| r.get(name)).cloned();
    let user = json!({
        "token_id": field(token.as_deref().map(|d| d.record()), "id"),
        "token_name": field(token.as_deref().map(|d| d.record()), "name"),
        "token_prefix": field(token.as_deref().map(|d| d.record()), "prefix"),
        "credential": standing.credential,
        "role": standing.role,
        "scopes": standing.scopes,
    });
    let organization = field(product.as_deref().map(|d| d.record()), "organization_id");
    Ok(Reply::ok(json!({
        "user": user,
        "organization": {"id": organization.unwrap_or(Value::Null)},
        "workspace": {
            "id": &*product_id,
            "name": field(product.as_deref().map(|d| d.record()), "name"),
            "slug": field(product.as_deref().map(|d| d.record()), "slug"),
        },
        "ai_preferences": preferences(token.as_deref().map(|d| d.record())),
    })))
}

/// The preferences on `token`, with defaults for what it does not set.
fn preferences(token: Option<&Record>) -> Value {
    let mut shown = default_preferences();
    if let (Some(Value::Object(set)), Value::Object(out)) =
        (token.and_then(|t| t.get("ai_preferences")), &mut shown)
    {
        for (key, value) in set.iter().filter(|(_, v)| !v.is_null()) {
            out.insert(key.clone(), value.clone());
        }
    }
    shown
}

/// `update_my_ai_preferences`: kept on the caller's token record.
pub fn update_preferences(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    let changes = given(args, &["directive", "confirm_destructive_actions"])?;
    let Some(id) = ctx.caller.token_id.as_deref() else {
        return Err(ApiError::bad_request(
            "this caller has no stored token to keep preferences on (lenient auth admits \
             unknown tokens, a JWT or --auth off none): use a token of the fixtures or one \
             created through /api/api-tokens",
        ));
    };
    let updated = ctx.state.update(Kind::Token, id, |token| {
        let mut set = token
            .get("ai_preferences")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        set.extend(changes);
        token.insert("ai_preferences".into(), Value::Object(set));
        Ok::<(), ApiError>(())
    })?;
    let token = updated.ok_or_else(|| ApiError::not_found("API token", id))?;
    Ok(Reply::with(
        StatusCode::OK,
        "AI preferences updated",
        preferences(Some(token.record())),
    ))
}

/// `get_workspace_info`: the product's context and its active integrations (the REST
/// `/active` list, shadowing applied).
pub fn info(ctx: &Ctx<'_>, _args: &Args) -> Outcome {
    let product_id = workspace_of(ctx, None)?;
    let product = ctx
        .state
        .get(Kind::Product, &product_id)
        .ok_or_else(|| ApiError::not_found("product", &product_id))?;
    let active = run(
        ctx,
        "integrations.active",
        Call::new()
            .param(&product_id)
            .query("pageSize", Some(&json!(100))),
    )?;
    let integrations = super::envelope(Ok(active)).0["data"].take();
    let field = |name: &str| product.get(name).cloned().unwrap_or(Value::Null);
    Ok(Reply::ok(json!({
        "id": &*product_id,
        "name": field("name"),
        "slug": field("slug"),
        "organization_id": field("organization_id"),
        "vision": field("vision"),
        "target_audience": field("target_audience"),
        "okrs": field("okrs"),
        "active_integrations": integrations,
    })))
}

/// The MCP settings of the caller's workspace, with defaults for what it does not set: the
/// instructions a client gets when it connects.
pub fn settings_of(ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let product_id = workspace_of(ctx, None)?;
    let product = ctx
        .state
        .get(Kind::Product, &product_id)
        .ok_or_else(|| ApiError::not_found("product", &product_id))?;
    let name = text(&product, "name").unwrap_or(&product_id);
    let mut shown = json!({
        "product_id": &*product_id,
        "instructions": format!(
            "Prodgy workspace '{name}'. Search the knowledge base with search_knowledge, list \
             and run agents with list_agents and invoke_agent, and manage integrations with \
             the integration tools."
        ),
        "rules": [],
    });
    if let (Some(Value::Object(set)), Value::Object(out)) =
        (product.get("mcp_settings"), &mut shown)
    {
        for (key, value) in set.iter().filter(|(_, v)| !v.is_null()) {
            out.insert(key.clone(), value.clone());
        }
    }
    Ok(shown)
}

/// `get_mcp_settings`
pub fn settings(ctx: &Ctx<'_>, _args: &Args) -> Outcome {
    Ok(Reply::ok(settings_of(ctx)?))
}

/// `update_mcp_settings`: kept on the workspace's product record.
pub fn update_settings(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    let changes = given(args, &["instructions", "rules"])?;
    let product_id = workspace_of(ctx, None)?;
    let updated = ctx.state.update(Kind::Product, &product_id, |product| {
        let mut set = product
            .get("mcp_settings")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        set.extend(changes);
        product.insert("mcp_settings".into(), Value::Object(set));
        Ok::<(), ApiError>(())
    })?;
    updated.ok_or_else(|| ApiError::not_found("product", &product_id))?;
    Ok(Reply::with(
        StatusCode::OK,
        "MCP settings updated",
        settings_of(ctx)?,
    ))
}

/// The arguments among `names` that were given; 400 when none was.
fn given(args: &Args, names: &[&str]) -> Result<Map<String, Value>, ApiError> {
    let set: Map<String, Value> = names
        .iter()
        .filter_map(|n| {
            Some((
                (*n).to_owned(),
                args.get(*n).filter(|v| !v.is_null())?.clone(),
            ))
        })
        .collect();
    if set.is_empty() {
        return Err(ApiError::bad_request(format!(
            "nothing to change: give {}",
            names.join(" or ")
        )));
    }
    Ok(set)
}
