//! The tools over agents, knowledge and integrations: each calls the REST operation that does
//! the same (through `delegate::run`) or the integration templates' handlers.

use std::sync::Arc;

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::text;
use super::super::operation::Outcome;
use super::super::templates;
use super::delegate::{Call, run};
use super::{Args, Ctx};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::store::{Kind, PageRequest};

/// `search_knowledge`: `POST /api/knowledge-base/search`.
pub fn search_knowledge(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    let mut body = pick(args, &["query", "limit", "page"]);
    let filters = pick(args, &["source", "language", "tags"]);
    if !filters.is_empty() {
        body.insert("filters".into(), Value::Object(filters));
    }
    run(ctx, "knowledge.search_post", Call::new().body(body))
}

/// `list_agents`: `GET /api/agent-base`.
pub fn list_agents(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    run(
        ctx,
        "agents.list",
        paged(args).query("is_active", args.get("is_active")),
    )
}

/// `invoke_agent`: `POST /api/workflow/execute` with the agent (and workflow base) named.
pub fn invoke_agent(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    let agent = args.get("agent_id").or_else(|| args.get("agent_base_id"));
    let mut body = pick(args, &["input", "workflow_base_id"]);
    body.insert(
        "agent_base_id".into(),
        agent.cloned().unwrap_or(Value::Null),
    );
    let started = run(ctx, "workflow.execute", Call::new().body(body))?;
    let Reply::Data { data, .. } = started else {
        return Ok(started);
    };
    Ok(Reply::with(
        StatusCode::OK,
        "Execution started: follow it with GET /api/workflow/{execution_id}/status or the \
         event stream GET /api/workflow/{execution_id}/events",
        data,
    ))
}

/// `list_integration_catalog`: the templates, a page at a time.
pub fn list_catalog(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    let category = args.get("category").and_then(Value::as_str);
    Ok(templates::list(ctx, category, page_of(args)))
}

/// `get_integration`: a template by id or type, else an installed integration by id.
pub fn get_integration(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    let id = required(args, "id")?;
    match templates::find(ctx, id) {
        Some(template) => Ok(Reply::ok(template)),
        None if ctx.state.get(Kind::Integration, id).is_some() => {
            run(ctx, "integrations.get", Call::new().param(id))
        }
        None => Err(ApiError::not_found("integration template", id).with_hint(
            "name a template by its id or type (list_integration_catalog lists them), or an \
             installed integration by its id",
        )),
    }
}

/// `list_installed_integrations`: `GET /api/integrations-base`.
pub fn list_installed(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    let call = paged(args)
        .query("type", args.get("type"))
        .query("scope", args.get("scope"))
        .query("is_active", args.get("is_active"));
    run(ctx, "integrations.list", call)
}

/// `get_active_integrations`: `GET /api/integrations-base/product/{productId}/active`.
pub fn active(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    let product = workspace_of(ctx, args.get("product_id").and_then(Value::as_str))?;
    run(ctx, "integrations.active", paged(args).param(&product))
}

/// `install_integration`: checks the template's fields are all given, then
/// `POST /api/integrations-base` (local to the workspace, or global).
pub fn install(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    let named = args
        .get("template_id")
        .or_else(|| args.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let template = templates::find(ctx, named).ok_or_else(|| {
        ApiError::not_found("integration template", named)
            .with_hint("list_integration_catalog lists the templates that can be installed")
    })?;
    let credentials = object_arg(args, "credentials");
    let settings = object_arg(args, "settings");
    templates::require_fields(&template, "credential_fields", "credentials", &credentials)?;
    templates::require_fields(&template, "settings_fields", "settings", &settings)?;
    let title = args
        .get("title")
        .or_else(|| args.get("name"))
        .and_then(Value::as_str)
        .or_else(|| text(&template, "name"))
        .unwrap_or(named);
    let mut body = Map::new();
    body.insert("title".into(), json!(title));
    body.insert("type".into(), json!(text(&template, "type")));
    body.insert("credentials".into(), Value::Object(credentials));
    body.insert("settings".into(), Value::Object(settings));
    body.insert("is_active".into(), json!(true));
    body.insert("template_id".into(), json!(text(&template, "id")));
    if args.get("scope").and_then(Value::as_str) != Some("global") {
        let product = workspace_of(ctx, args.get("product_id").and_then(Value::as_str))?;
        body.insert("product_id".into(), json!(product));
    }
    let created = run(ctx, "integrations.create", Call::new().body(body))?;
    let Reply::Data { status, data, .. } = created else {
        return Ok(created);
    };
    Ok(Reply::with(
        status,
        "Integration installed and active",
        data,
    ))
}

/// `create_integration`: a new template.
pub fn create_template(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    templates::create(ctx, args)
}

/// `update_integration`: a template changed.
pub fn update_template(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    templates::update(ctx, required(args, "id")?, args)
}

/// `delete_integration`: a template removed.
pub fn delete_template(ctx: &Ctx<'_>, args: &Args) -> Outcome {
    templates::delete(ctx, required(args, "id")?)
}

/// The arguments among `names` that were given (not null), under the same names.
fn pick(args: &Args, names: &[&str]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|name| {
            let value = args.get(*name).filter(|v| !v.is_null())?;
            Some(((*name).to_owned(), value.clone()))
        })
        .collect()
}

/// A call with the paging arguments as REST query parameters.
fn paged(args: &Args) -> Call {
    Call::new()
        .query("page", args.get("page"))
        .query("pageSize", args.get("page_size"))
}

/// The page `page` and `page_size` ask for: 20 items by default, at most 100, as REST lists.
fn page_of(args: &Args) -> PageRequest {
    let arg = |name: &str| args.get(name).and_then(Value::as_u64).filter(|n| *n >= 1);
    PageRequest {
        page: arg("page").unwrap_or(1),
        size: arg("page_size").unwrap_or(20).min(100),
    }
}

/// The object argument `name` (checked to be one), or an empty one.
fn object_arg(args: &Args, name: &str) -> Map<String, Value> {
    args.get(name)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The string argument `name` the tool's schema requires.
fn required<'a>(args: &'a Args, name: &str) -> Result<&'a str, ApiError> {
    args.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::missing_field(name))
}

/// The workspace a tool acts on: the one named (it must be visible to the caller), else the
/// caller's, else (for `--auth off`) the default product.
pub fn workspace_of(ctx: &Ctx<'_>, named: Option<&str>) -> Result<Arc<str>, ApiError> {
    if let Some(id) = named {
        super::super::common::visible(ctx, Kind::Product, id)?;
        return Ok(Arc::from(id));
    }
    ctx.caller
        .product
        .clone()
        .or_else(|| ctx.state.default_product().map(Arc::from))
        .ok_or_else(|| {
            ApiError::bad_request(
                "missing required field 'product_id': the state has no product to act on",
            )
        })
}
