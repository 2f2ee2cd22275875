//! API tokens (`/api/api-tokens`): create, list, get, regenerate, revoke, renew,
//! activate/deactivate, and the audit trail.
//!
//! Responses never carry the secret (`token`) except on create and regenerate. Usage comes from
//! the state's counters. A token whose `expires_at` has passed is settled to `expired` (writing
//! its one `expired` audit entry) before any read or change. Every check-and-change runs inside
//! one store update, so two concurrent revokes cannot both succeed.

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::common::{list_with, object, one_of, product_scope, store_new, target_product, visible};
use super::request::Fields;
use super::{Ctx, Req};
use crate::auth::{origin, settle_expiry};
use crate::clock::Timestamp;
use crate::envelope::{Pagination, Reply};
use crate::error::ApiError;
use crate::hash::derived_uuid;
use crate::schema::TOKEN_STATUSES;
use crate::store::{AuditAction, AuditEntry, Details, Doc, Kind, Record, Scope, record_id};

/// `POST /api/api-tokens`: 201 with the full secret, shown only here and on regenerate.
pub fn create(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let name = body.required_str("name")?.trim().to_owned();
    let now = ctx.clock.now();
    let expires_at = expiry(body, now)?;
    let product = target_product(ctx, body.opt_str("product_id")?)?;
    let record = json!({
        "id": ctx.state.new_id(),
        "product_id": &*product,
        "name": name,
        "token": ctx.state.new_secret(),
        "status": "active",
        "expires_at": expires_at,
        "usage_count": 0,
        "last_used_at": null,
        "created_at": now.to_string(),
        // A token created here acts as a member on the MCP gateway (fixtures can say more).
        "role": "member",
        "scopes": null,
        "ai_preferences": null,
    });
    let stored = store_new(ctx, Kind::Token, object(record))?;
    let id = record_id(&stored);
    ctx.state.audit(
        id,
        AuditAction::Created,
        now,
        origin(req.presented()),
        Details::None,
    );
    Ok(Reply::with(
        StatusCode::CREATED,
        "API token created successfully",
        render(ctx, &stored, true),
    ))
}

/// `GET /api/api-tokens` with `product_id`, `status` and paging.
pub fn list_all(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let product = product_scope(ctx, req.query_nonempty("product_id"))?;
    let request = req.page()?;
    let status = one_of(req, "status", TOKEN_STATUSES)?;
    let parts = [product.as_deref()];
    let scope = Scope::within(&parts);
    let (now, from) = (ctx.clock.now(), origin(req.presented()));
    for token in ctx.state.collection(Kind::Token).find(scope, |_| true) {
        settle_expiry(ctx.state, &token, now, &from);
    }
    let keep =
        |r: &Record| status.is_none_or(|s| r.get("status").and_then(Value::as_str) == Some(s));
    // Read after settling: the first expiry in a namespace copies its token collection, so a
    // handle taken before would still show the token active.
    let page = ctx
        .state
        .collection(Kind::Token)
        .page(scope, Some(&keep), request);
    Ok(list_with(page, request, |r| render(ctx, r, false)))
}

/// `GET /api/api-tokens/{id}`
pub fn get(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let token = settled(ctx, req, id)?;
    Ok(Reply::ok(render(ctx, &token, false)))
}

/// `POST /api/api-tokens/{id}/regenerate`: a new secret; the old one fails at once.
pub fn regenerate(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let secret = ctx.state.new_secret();
    let token = change(ctx, req, id, AuditAction::Regenerated, |token| {
        refuse_if(token, &["revoked"], "regenerated")?;
        token.insert("token".into(), json!(secret));
        Ok(Details::None)
    })?;
    Ok(Reply::with(
        StatusCode::OK,
        "API token regenerated successfully",
        render(ctx, &token, true),
    ))
}

/// `POST /api/api-tokens/{id}/revoke` and `DELETE /api/api-tokens/{id}`: permanent.
pub fn revoke(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let token = change(ctx, req, id, AuditAction::Revoked, |token| {
        refuse_if(token, &["revoked"], "revoked again")?;
        token.insert("status".into(), json!("revoked"));
        Ok(Details::None)
    })?;
    Ok(Reply::with(
        StatusCode::OK,
        "API token revoked successfully",
        render(ctx, &token, false),
    ))
}

/// `POST /api/api-tokens/{id}/renew` with an optional `expires_at` (absent or null: never).
pub fn renew(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let empty = Map::new();
    let body = req.json_opt()?.unwrap_or(&empty);
    let expires_at = expiry(body, ctx.clock.now())?;
    let token = change(ctx, req, id, AuditAction::Renewed, |token| {
        refuse_if(token, &["revoked"], "renewed")?;
        if token.get("status").and_then(Value::as_str) == Some("expired") {
            token.insert("status".into(), json!("active"));
        }
        token.insert("expires_at".into(), json!(expires_at));
        Ok(Details::Json(Box::new(json!({ "expires_at": expires_at }))))
    })?;
    Ok(Reply::with(
        StatusCode::OK,
        "API token renewed successfully",
        render(ctx, &token, false),
    ))
}

/// `PATCH /api/api-tokens/{id}` with `{"is_active": bool}`. Writes no audit entry: the
/// documented vocabulary has no action for it.
pub fn set_active(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let active = body
        .opt_bool("is_active")?
        .ok_or_else(|| ApiError::missing_field("is_active"))?;
    let id = settled(ctx, req, id).map(|t| record_id(&t).to_owned())?;
    let token = ctx.state.update(Kind::Token, &id, |token| {
        refuse_if(token, &["revoked", "expired"], "activated or deactivated")?;
        let status = if active { "active" } else { "inactive" };
        token.insert("status".into(), json!(status));
        Ok(())
    })?;
    let token = token.ok_or_else(|| ApiError::not_found(Kind::Token.singular(), &id))?;
    Ok(Reply::with(
        StatusCode::OK,
        "API token updated successfully",
        render(ctx, &token, false),
    ))
}

/// `GET /api/api-tokens/{id}/audit-logs`: newest first, paginated.
pub fn audit_logs(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<Reply, ApiError> {
    let token = settled(ctx, req, id)?;
    let id = record_id(&token);
    let request = req.page()?;
    let (entries, total) = ctx.state.audit_page(id, request);
    let items: Vec<Value> = entries.iter().map(|e| audit_json(id, e)).collect();
    Ok(Reply::List {
        items: items.into(),
        pagination: Pagination {
            page: request.page,
            page_size: request.size,
            total,
            total_pages: total.div_ceil(request.size.max(1)),
        },
    })
}

/// The token named by the route, visible to the caller, with its expiry settled.
fn settled(ctx: &Ctx<'_>, req: &Req, id: &str) -> Result<std::sync::Arc<Doc>, ApiError> {
    let token = visible(ctx, Kind::Token, id)?;
    if settle_expiry(ctx.state, &token, ctx.clock.now(), &origin(req.presented())) {
        return visible(ctx, Kind::Token, id);
    }
    Ok(token)
}

/// Settles the route's token, applies `apply` atomically, and audits `action` on success.
fn change(
    ctx: &Ctx<'_>,
    req: &Req,
    id: &str,
    action: AuditAction,
    apply: impl FnOnce(&mut Record) -> Result<Details, ApiError>,
) -> Result<std::sync::Arc<Doc>, ApiError> {
    let id = settled(ctx, req, id).map(|t| record_id(&t).to_owned())?;
    let mut details = Details::None;
    let token = ctx.state.update(Kind::Token, &id, |token| {
        details = apply(token)?;
        Ok(())
    })?;
    let token = token.ok_or_else(|| ApiError::not_found(Kind::Token.singular(), &id))?;
    ctx.state.audit(
        &id,
        action,
        ctx.clock.now(),
        origin(req.presented()),
        details,
    );
    Ok(token)
}

/// 400 when the token's status is one of `refused`.
fn refuse_if(token: &Record, refused: &[&str], verb: &str) -> Result<(), ApiError> {
    let status = token
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("active");
    if refused.contains(&status) {
        let id = record_id(token);
        return Err(ApiError::bad_request(format!(
            "API token '{id}' is {status} and cannot be {verb}"
        )));
    }
    Ok(())
}

/// The optional `expires_at` of a body: null or absent is never; otherwise a future RFC 3339
/// time, normalized to UTC.
fn expiry(body: &Map<String, Value>, now: Timestamp) -> Result<Option<String>, ApiError> {
    let Some(text) = body.opt_str("expires_at")? else {
        return Ok(None);
    };
    let at = Timestamp::parse(text).ok_or_else(|| {
        ApiError::invalid_field(
            "expires_at",
            "an RFC 3339 timestamp such as 2026-12-31T23:59:59Z, or null for never",
        )
    })?;
    if at <= now {
        return Err(ApiError::bad_request(format!(
            "field 'expires_at' must be in the future (server time is {now}), got '{text}'"
        )));
    }
    Ok(Some(at.to_string()))
}

/// The response shape: the record with its usage merged in, and the secret only when asked.
fn render(ctx: &Ctx<'_>, record: &Record, with_secret: bool) -> Value {
    let mut out = record.clone();
    if !with_secret {
        out.remove("token");
    }
    let (calls, last) = ctx.state.usage_of(record_id(record));
    let base = record
        .get("usage_count")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    out.insert("usage_count".into(), json!(base + calls));
    if let Some(last) = last.filter(|_| calls > 0) {
        out.insert("last_used_at".into(), json!(last.to_string()));
    }
    Value::Object(out)
}

fn audit_json(token_id: &str, entry: &AuditEntry) -> Value {
    let details = match &entry.details {
        Details::None => json!({}),
        Details::Call { method, path } => json!({ "method": method.as_str(), "path": path }),
        Details::Json(value) => Value::clone(value),
    };
    json!({
        "id": derived_uuid(token_id, entry.seq),
        "token_id": token_id,
        "action": entry.action.as_str(),
        "created_at": entry.at.to_string(),
        "ip": entry.origin.ip.map(|ip| ip.to_string()),
        "user_agent": entry.origin.user_agent.as_deref(),
        "details": details,
    })
}
