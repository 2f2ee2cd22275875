//! The MCP gateway's tools, as operations on the same state as the REST rows.
//!
//! Each tool is declared once in [`TOOLS`]: its name, what an LLM client reads about it, its
//! inputs (the same [`Field`]s request bodies use, so one description gives the tool's JSON
//! Schema and the error naming a wrong argument), the scope and role it needs, its
//! rate-limit class and its handler. Handlers have the shape of the REST handlers,
//! `fn(&Ctx, &Args) -> Result<Reply, ApiError>`, and most of them call a REST operation's
//! own handler through `delegate` ("the gateway delegates to the Prodgy API"); the rest read
//! what no REST route serves (the caller's profile, the workspace, the integration templates,
//! the MCP settings). The transport (the `mcp` module) turns their replies into tool results.
//!
//! Tool calls share the scenario and rate-limit machinery with the REST rows: tool `i` is row
//! `rows + i` of a [`RouteSet`](super::RouteSet), named `mcp.<tool>` ([`Tool::route`]).

mod delegate;
mod platform;
mod standing;
mod workspace;

pub use standing::Standing;

use serde_json::{Map, Value};

use super::Ctx;
use super::operation::{Class, Outcome};
use crate::error::ApiError;
use crate::schema::{Field, MCP_SCOPES, Ty, check_object, object_schema, opt, req};

/// A tool's arguments: a JSON object.
pub type Args = Map<String, Value>;

/// What a tool needs of its caller: one of the documented OAuth scopes, and for
/// [`Grant::Admin`] also the admin (or superadmin) role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `mcp:read`: reads only.
    Read,
    /// `mcp:write`: changes the caller's own data or installs integrations.
    Write,
    /// `mcp:execute`: runs agents.
    Execute,
    /// `mcp:admin` and the admin role: manages templates and the gateway's settings.
    Admin,
}

impl Grant {
    /// The scope a token limited by `scopes` must hold.
    pub fn scope(self) -> &'static str {
        MCP_SCOPES[match self {
            Grant::Read => 0,
            Grant::Write => 1,
            Grant::Execute => 2,
            Grant::Admin => 3,
        }]
    }
}

/// One tool of the gateway.
#[derive(Debug)]
pub struct Tool {
    /// Its name, as clients call it (`invoke_agent`).
    pub name: &'static str,
    /// A human-readable title.
    pub title: &'static str,
    /// What it does, for an LLM choosing tools.
    pub description: &'static str,
    /// Its arguments; unknown ones are refused.
    pub inputs: &'static [Field],
    /// What the caller needs.
    pub grant: Grant,
    /// Whether it may change or delete what exists (an MCP annotation).
    pub destructive: bool,
    /// Its rate-limit class, as its REST counterpart's.
    pub class: Class,
    /// The handler.
    pub handler: fn(&Ctx<'_>, &Args) -> Outcome,
}

impl Tool {
    /// Its name in scenarios, rate-limit lists and the journal: `mcp.<name>`.
    pub fn route(&self) -> &'static str {
        ROUTES[self.position()]
    }

    /// Its position in [`TOOLS`].
    pub fn position(&self) -> usize {
        TOOLS
            .iter()
            .position(|t| t.name == self.name)
            .unwrap_or_default()
    }

    /// The JSON Schema of its arguments: an object of its inputs, nothing else.
    pub fn input_schema(&self) -> Value {
        let mut schema = object_schema(self.inputs, false);
        schema["additionalProperties"] = Value::Bool(false);
        schema
    }

    /// Checks `args`: no unknown argument, and each input present when required and of its
    /// type (400 naming the argument).
    pub fn check(&self, args: &Args) -> Result<(), ApiError> {
        let known = |key: &str| {
            self.inputs
                .iter()
                .any(|f| f.name == key || f.alias == Some(key))
        };
        if let Some(unknown) = args.keys().find(|k| !known(k)) {
            let takes: Vec<&str> = self.inputs.iter().map(|f| f.name).collect();
            let takes = match takes.is_empty() {
                true => "no arguments".to_owned(),
                false => takes.join(", "),
            };
            return Err(ApiError::bad_request(format!(
                "unknown argument '{unknown}' for tool '{}'; it takes: {takes}",
                self.name
            )));
        }
        check_object(self.inputs, args)
    }
}

/// The instructions a client gets when it connects (the `instructions` of the caller's
/// workspace's MCP settings, or a default naming the workspace).
pub fn instructions(ctx: &Ctx<'_>) -> Option<String> {
    let settings = workspace::settings_of(ctx).ok()?;
    settings["instructions"].as_str().map(str::to_owned)
}

/// The tool called `name`.
pub fn find(name: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.name == name)
}

/// Arguments every list takes.
const PAGE: Field = opt("page", Ty::Int { min: 1 }).noted("1-based page number (default 1)");
const PAGE_SIZE: Field =
    opt("page_size", Ty::Int { min: 1 }).noted("items per page (default 20, at most 100)");
const ACTIVE: Field = opt("is_active", Ty::Bool).noted("only active (true) or inactive (false)");
const NOTHING: &[Field] = &[];
const TEMPLATE_EDIT: [Field; 5] = [
    opt("description", Ty::Str).noted("what the integration connects"),
    opt("category", Ty::Str).noted("e.g. devops, communicator, crm"),
    opt("credential_fields", Ty::Strings)
        .noted("names of the credentials an install must give, e.g. [\"personalAccessToken\"]"),
    opt("settings_fields", Ty::Strings)
        .noted("names of the settings an install must give, e.g. [\"project_url\"]"),
    opt("tools", Ty::Strings).noted("the tools the integration adds once installed"),
];

/// The journal names of `/mcp` exchanges that are not tool calls: the JSON-RPC requests
/// (`mcp.initialize`, `mcp.tools_list`, …; `mcp.tools_call` for an unknown tool), the rest by
/// kind (`mcp.notification`, the `GET` stream `mcp.stream`, the `DELETE` `mcp.end_session`).
pub const MESSAGES: &[&str] = &[
    "mcp.initialize",
    "mcp.ping",
    "mcp.tools_list",
    "mcp.tools_call",
    "mcp.discover",
    "mcp.request",
    "mcp.notification",
    "mcp.response",
    "mcp.invalid",
    "mcp.stream",
    "mcp.end_session",
    "mcp.other",
];

/// The names of [`TOOLS`] in scenarios and the journal, in the same order.
const ROUTES: [&str; 16] = [
    "mcp.get_my_profile",
    "mcp.get_workspace_info",
    "mcp.update_my_ai_preferences",
    "mcp.search_knowledge",
    "mcp.list_agents",
    "mcp.invoke_agent",
    "mcp.list_integration_catalog",
    "mcp.get_integration",
    "mcp.list_installed_integrations",
    "mcp.install_integration",
    "mcp.create_integration",
    "mcp.update_integration",
    "mcp.delete_integration",
    "mcp.get_active_integrations",
    "mcp.get_mcp_settings",
    "mcp.update_mcp_settings",
];

/// A tool reading with `mcp:read`, standard class.
const fn read(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    inputs: &'static [Field],
    handler: fn(&Ctx<'_>, &Args) -> Outcome,
) -> Tool {
    Tool {
        name,
        title,
        description,
        inputs,
        grant: Grant::Read,
        destructive: false,
        class: Class::Standard,
        handler,
    }
}

impl Tool {
    const fn needs(mut self, grant: Grant) -> Self {
        self.grant = grant;
        self
    }

    const fn strict(mut self) -> Self {
        self.class = Class::Strict;
        self
    }

    const fn destructive(mut self) -> Self {
        self.destructive = true;
        self
    }
}

/// Every tool, in the order of the documentation (MCP-OV).
pub static TOOLS: [Tool; 16] = [
    read(
        "get_my_profile",
        "My profile",
        "Who is calling: the token's identity, role and scopes, its organization and workspace, \
         and the personal AI preferences (directive and destructive-action confirmation). Call it \
         at the start of a session.",
        NOTHING,
        workspace::profile,
    ),
    read(
        "get_workspace_info",
        "Workspace info",
        "The workspace's context: name, vision, target audience, OKRs and its active \
         integrations (after local integrations shadow global ones of the same type).",
        NOTHING,
        workspace::info,
    ),
    read(
        "update_my_ai_preferences",
        "Update my AI preferences",
        "Sets the caller's personal AI directive (markdown an assistant should follow) and \
         whether destructive actions need a confirmation first. Give either or both.",
        &[
            opt("directive", Ty::Str).noted("markdown; an empty string clears it"),
            opt("confirm_destructive_actions", Ty::Bool)
                .noted("ask before deleting or overwriting anything"),
        ],
        workspace::update_preferences,
    )
    .needs(Grant::Write),
    read(
        "search_knowledge",
        "Search the knowledge base",
        "Searches the workspace's knowledge base (completed documents: their names, tags and \
         text) and answers the best matching passages first, each with its document id, a \
         snippet, a score and the document's metadata.",
        &[
            req("query", Ty::Text).noted("what to look for"),
            opt("limit", Ty::Int { min: 1 }).noted("hits per page (default 5, at most 50)"),
            PAGE,
            opt("source", Ty::Str)
                .noted("only documents from this source (manual, meeting, crm, …)"),
            opt("language", Ty::Str).noted("only documents in this language, e.g. en-US or pt-BR"),
            opt("tags", Ty::Tags).noted("only documents with one of these tags"),
        ],
        platform::search_knowledge,
    )
    .strict(),
    read(
        "list_agents",
        "List agents",
        "Lists the AI agents installed in the workspace, with their ids (for invoke_agent), \
         names, descriptions, parameters and whether they are active.",
        &[ACTIVE, PAGE, PAGE_SIZE],
        platform::list_agents,
    ),
    read(
        "invoke_agent",
        "Invoke an agent",
        "Runs an installed agent (its workflow, with its own LLM, tools and system prompt) on \
         an input and answers at once with the execution's id and status `running`. The run \
         completes on the server clock; follow it with GET /api/workflow/{execution_id}/status \
         or the event stream GET /api/workflow/{execution_id}/events.",
        &[
            req("agent_id", Ty::Text)
                .or_alias("agent_base_id")
                .noted("the installed agent's id, as list_agents shows it"),
            opt("input", Ty::Object).noted("the task for the agent, as a JSON object"),
            opt("workflow_base_id", Ty::Str)
                .noted("run this workflow base of the agent instead of its default one"),
        ],
        platform::invoke_agent,
    )
    .needs(Grant::Execute)
    .strict(),
    read(
        "list_integration_catalog",
        "List the integration catalog",
        "Lists the integration templates that can be installed (Azure DevOps, Jira, Slack, \
         GitHub, …), with the credential and settings fields each one needs.",
        &[
            opt("category", Ty::Str).noted("only templates of this category"),
            PAGE,
            PAGE_SIZE,
        ],
        platform::list_catalog,
    ),
    read(
        "get_integration",
        "Get an integration template",
        "Details of an integration template, named by its id or its type (e.g. azure_devops): \
         the credential fields (such as personalAccessToken) and settings (such as project_url) \
         an install needs. The id of an installed integration gives that integration instead.",
        &[req("id", Ty::Text).noted("a template id or type, or an installed integration's id")],
        platform::get_integration,
    ),
    read(
        "list_installed_integrations",
        "List installed integrations",
        "Lists the integrations installed for the workspace: its local ones and the global \
         ones, credentials masked.",
        &[
            opt("type", Ty::Str).noted("only this type, e.g. slack"),
            opt("scope", Ty::OneOf(&["local", "global"])),
            ACTIVE,
            PAGE,
            PAGE_SIZE,
        ],
        platform::list_installed,
    ),
    read(
        "install_integration",
        "Install an integration",
        "Installs an integration from the catalog with credentials and settings, active at \
         once: local to the workspace (default) or global to the organization. Every credential \
         and setting the template lists must be given.",
        &[
            req("template_id", Ty::Text)
                .or_alias("type")
                .noted("the template's id or type, e.g. azure_devops"),
            opt("title", Ty::Text)
                .or_alias("name")
                .noted("a name for this installation (default: the template's name)"),
            opt("credentials", Ty::Object).noted("the template's credential fields; stored masked"),
            opt("settings", Ty::Object).noted("the template's settings fields"),
            opt("scope", Ty::OneOf(&["local", "global"])).noted("default local"),
            opt("product_id", Ty::Str)
                .noted("the workspace of a local install (default: the caller's)"),
        ],
        platform::install,
    )
    .needs(Grant::Write),
    read(
        "create_integration",
        "Create an integration template",
        "Adds an integration template to the catalog. Needs the admin role.",
        &[
            req("name", Ty::Text).noted("e.g. Linear"),
            req("type", Ty::Slug).noted("a unique lower-case identifier, e.g. linear"),
            TEMPLATE_EDIT[0],
            TEMPLATE_EDIT[1],
            TEMPLATE_EDIT[2],
            TEMPLATE_EDIT[3],
            TEMPLATE_EDIT[4],
        ],
        platform::create_template,
    )
    .needs(Grant::Admin),
    read(
        "update_integration",
        "Update an integration template",
        "Changes an integration template of the catalog, named by its id or type. Needs the \
         admin role. Installed integrations keep their credentials and settings.",
        &[
            req("id", Ty::Text).noted("the template's id or type"),
            opt("name", Ty::Text),
            TEMPLATE_EDIT[0],
            TEMPLATE_EDIT[1],
            TEMPLATE_EDIT[2],
            TEMPLATE_EDIT[3],
            TEMPLATE_EDIT[4],
        ],
        platform::update_template,
    )
    .needs(Grant::Admin)
    .destructive(),
    read(
        "delete_integration",
        "Delete an integration template",
        "Removes an integration template from the catalog, named by its id or type. Needs the \
         admin role. Integrations installed from it stay installed.",
        &[req("id", Ty::Text).noted("the template's id or type")],
        platform::delete_template,
    )
    .needs(Grant::Admin)
    .destructive(),
    read(
        "get_active_integrations",
        "Active integrations",
        "The integrations active for the workspace, after local integrations shadow global ones \
         of the same type.",
        &[
            opt("product_id", Ty::Str).noted("the workspace (default: the caller's)"),
            PAGE,
            PAGE_SIZE,
        ],
        platform::active,
    ),
    read(
        "get_mcp_settings",
        "Get the MCP settings",
        "The MCP server's settings for the workspace: the instructions clients get when they \
         connect, and the rules. Needs the admin role.",
        NOTHING,
        workspace::settings,
    )
    .needs(Grant::Admin),
    read(
        "update_mcp_settings",
        "Update the MCP settings",
        "Changes the MCP server's instructions (markdown sent to clients when they connect) \
         and rules. Give either or both. Needs the admin role.",
        &[
            opt("instructions", Ty::Str).noted("markdown"),
            opt("rules", Ty::Strings).noted("replaces the list of rules"),
        ],
        workspace::update_settings,
    )
    .needs(Grant::Admin)
    .destructive(),
];

/// The envelope a REST client would get for `outcome`, as JSON, and whether it is an error:
/// what a tool result carries.
pub fn envelope(outcome: Outcome) -> (Value, bool) {
    let response = crate::envelope::respond(outcome);
    let failed = response.status().as_u16() >= 400;
    let body = response
        .body()
        .bytes()
        .and_then(|bytes| serde_json::from_slice(bytes).ok())
        .unwrap_or(Value::Null);
    (body, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_are_named_once_and_their_routes_follow_them() {
        for (i, tool) in TOOLS.iter().enumerate() {
            assert_eq!(ROUTES[i], format!("mcp.{}", tool.name));
            assert_eq!(tool.position(), i);
            assert!(
                TOOLS[..i].iter().all(|t| t.name != tool.name),
                "{}",
                tool.name
            );
        }
    }

    #[test]
    fn every_input_schema_is_a_closed_object() {
        for tool in &TOOLS {
            let schema = tool.input_schema();
            assert_eq!(schema["type"], "object", "{}", tool.name);
            assert_eq!(schema["additionalProperties"], false, "{}", tool.name);
        }
    }

    #[test]
    fn arguments_are_checked_naming_the_argument() {
        let invoke = find("invoke_agent").expect("a tool");
        let args = |v: Value| v.as_object().cloned().unwrap_or_default();
        let unknown = invoke.check(&args(serde_json::json!({"agent": "a"})));
        let message = unknown.expect_err("unknown").message;
        assert!(message.contains("unknown argument 'agent'"), "{message}");
        assert!(message.contains("agent_id, input"), "{message}");
        let missing = invoke.check(&args(serde_json::json!({})));
        assert!(missing.expect_err("missing").message.contains("'agent_id'"));
        assert!(
            invoke
                .check(&args(serde_json::json!({"agent_base_id": "a"})))
                .is_ok()
        );
        let wrong = invoke.check(&args(serde_json::json!({"agent_id": "a", "input": "x"})));
        assert!(
            wrong
                .expect_err("wrong type")
                .message
                .contains("'input' must be an object")
        );
    }
}
