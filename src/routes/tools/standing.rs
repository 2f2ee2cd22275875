//! Who calls a tool, as the gateway sees it: the role and scopes of the caller's token record
//! (`role`, `scopes` in `tokens.json`), and whether they allow a tool ([`Grant`]).

use serde_json::{Map, Value};

use super::{Ctx, Grant, Tool};
use crate::error::ApiError;
use crate::schema::{Kind, MCP_SCOPES};

/// Who is calling, as the gateway sees it: a role and the scopes held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// `member`, `admin` or `superadmin`.
    pub role: String,
    /// The scopes the caller holds (every scope unless its token lists some).
    pub scopes: Vec<String>,
    /// How the caller authenticated: `api_token`, `jwt` or `none` (`--auth off`).
    pub credential: &'static str,
}

impl Standing {
    /// The standing of the caller of `ctx`: a stored token's `role` and `scopes`; a JWT
    /// (a signed-in user) and `--auth off` act as admins; an unknown token admitted by lenient
    /// auth as a member.
    pub fn of(ctx: &Ctx<'_>) -> Self {
        let all = || MCP_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        let caller = ctx.caller;
        let token = caller
            .token_id
            .as_deref()
            .and_then(|id| ctx.state.get(Kind::Token, id));
        match token {
            Some(token) => Self {
                role: text_of(&token, "role").unwrap_or("member").to_owned(),
                scopes: token
                    .get("scopes")
                    .and_then(Value::as_array)
                    .map_or_else(all, |list| {
                        list.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    }),
                credential: "api_token",
            },
            None if caller.workspace_token => Self {
                role: "member".into(),
                scopes: all(),
                credential: "api_token",
            },
            None => Self {
                role: "admin".into(),
                scopes: all(),
                credential: if caller.product.is_some() {
                    "jwt"
                } else {
                    "none"
                },
            },
        }
    }

    /// Whether the caller may call `tool`; 403 saying what is missing otherwise.
    pub fn allows(&self, tool: &Tool) -> Result<(), ApiError> {
        let scope = tool.grant.scope();
        if !self.scopes.iter().any(|s| s == scope) {
            return Err(ApiError::forbidden(format!(
                "tool '{}' needs the scope '{scope}'; this token holds {}",
                tool.name,
                match self.scopes.is_empty() {
                    true => "none".to_owned(),
                    false => self.scopes.join(", "),
                }
            )));
        }
        if tool.grant == Grant::Admin && !matches!(self.role.as_str(), "admin" | "superadmin") {
            return Err(ApiError::forbidden(format!(
                "tool '{}' needs the admin or superadmin role; this token's role is '{}'",
                tool.name, self.role
            )));
        }
        Ok(())
    }
}

/// The string at `name` of a record.
fn text_of<'a>(record: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    record.get(name).and_then(Value::as_str)
}
