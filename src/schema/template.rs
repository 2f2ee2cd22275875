//! Output templates: the grammar of the `output_template` of agents, catalog agents and
//! workflow bases, and the one check both the API (400) and fixture loading (exit 3) apply.
//!
//! A template is any JSON value. Its strings (not its object keys) may hold placeholders,
//! `{{input.ticket}}`, whitespace inside the braces allowed; every `{{` must be closed and
//! name a known placeholder. Rendering is the execution simulation's
//! (`executions::output`); this module only says what a template means.

use serde_json::Value;

/// Every placeholder, as the README and error messages list them.
pub const PLACEHOLDERS: &str = "{{input}}, {{input.PATH}} (e.g. {{input.items.0.name}}), \
{{execution.id}}, {{agent.name}}, {{now}}, {{fake.name}}, {{fake.email}}, {{fake.company}}, \
{{fake.sentence}}";

/// A placeholder, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder<'a> {
    /// `{{input}}` (empty path) or `{{input.a.0.b}}` (the dotted path after `input.`).
    Input(&'a str),
    /// `{{execution.id}}`.
    ExecutionId,
    /// `{{agent.name}}`.
    AgentName,
    /// `{{now}}`: when the run completed.
    Now,
    /// `{{fake.…}}`: a deterministic fake value.
    Fake(Fake),
}

/// The fake helpers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fake {
    /// A person's name (the same one wherever it appears in one execution's output).
    Name,
    /// That person's email address.
    Email,
    /// A company name (the same one wherever it appears).
    Company,
    /// A short sentence (a new one at each appearance).
    Sentence,
}

/// One part of a template string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text.
    Text(&'a str),
    /// A placeholder.
    Slot(Placeholder<'a>),
}

/// What is wrong with a template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `{{…}}` that names no placeholder (the text between the braces, trimmed).
    Unknown(String),
    /// A `{{` without its `}}`.
    Unclosed,
}

/// A template that cannot be used: where in it (`.summary`, `.items[0]`; empty for the
/// template itself) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The JSON path inside the template, appended to the field's name in messages.
    pub at: String,
    /// What is wrong there.
    pub problem: Problem,
}

impl TemplateError {
    /// The message for the template held by field `field`, e.g.
    /// "field 'output_template.summary' holds unknown placeholder '{{inptu}}' (known: …)".
    pub fn message(&self, field: &str) -> String {
        let at = format!("{field}{}", self.at);
        match &self.problem {
            Problem::Unknown(name) => format!(
                "field '{at}' holds unknown placeholder '{{{{{name}}}}}' (known: {PLACEHOLDERS})"
            ),
            Problem::Unclosed => format!(
                "field '{at}' has a '{{{{' without its closing '}}}}' (placeholders look like {{{{input.ticket}}}})"
            ),
        }
    }
}

/// Checks every string of `template`; the error names the first bad one.
pub fn check(template: &Value) -> Result<(), TemplateError> {
    check_at(template, &mut String::new())
}

fn check_at(value: &Value, at: &mut String) -> Result<(), TemplateError> {
    let mut inside = |suffix: String, inner: &Value| {
        let len = at.len();
        at.push_str(&suffix);
        let checked = check_at(inner, at);
        at.truncate(len);
        checked
    };
    match value {
        Value::String(text) => pieces(text).map(drop).map_err(|problem| TemplateError {
            at: at.clone(),
            problem,
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| inside(format!("[{i}]"), item)),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(key, item)| inside(format!(".{key}"), item)),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// Splits a template string into literal text and placeholders.
pub fn pieces(text: &str) -> Result<Vec<Piece<'_>>, Problem> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            parts.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(Problem::Unclosed)?;
        let name = after[..close].trim();
        let slot = placeholder(name).ok_or_else(|| Problem::Unknown(name.to_owned()))?;
        parts.push(Piece::Slot(slot));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        parts.push(Piece::Text(rest));
    }
    Ok(parts)
}

/// The placeholder `name` (the trimmed text between the braces) names, if any.
fn placeholder(name: &str) -> Option<Placeholder<'_>> {
    let known = match name {
        "input" => Placeholder::Input(""),
        "execution.id" => Placeholder::ExecutionId,
        "agent.name" => Placeholder::AgentName,
        "now" => Placeholder::Now,
        "fake.name" => Placeholder::Fake(Fake::Name),
        "fake.email" => Placeholder::Fake(Fake::Email),
        "fake.company" => Placeholder::Fake(Fake::Company),
        "fake.sentence" => Placeholder::Fake(Fake::Sentence),
        _ => {
            let path = name.strip_prefix("input.")?;
            let valid = path
                .split('.')
                .all(|step| !step.is_empty() && !step.contains(char::is_whitespace));
            return valid.then_some(Placeholder::Input(path));
        }
    };
    Some(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_split_into_text_and_placeholders() {
        assert_eq!(
            pieces("Hi {{ agent.name }}, re {{input.items.0.name}}}").expect("valid"),
            [
                Piece::Text("Hi "),
                Piece::Slot(Placeholder::AgentName),
                Piece::Text(", re "),
                Piece::Slot(Placeholder::Input("items.0.name")),
                Piece::Text("}"),
            ]
        );
        assert_eq!(
            pieces("{{input}}").expect("valid"),
            [Piece::Slot(Placeholder::Input(""))]
        );
        assert_eq!(pieces("plain }} text").expect("valid").len(), 1);
        assert!(pieces("").expect("valid").is_empty());
    }

    #[test]
    fn unknown_and_unclosed_placeholders_are_refused() {
        assert_eq!(pieces("{{inputs}}"), Err(Problem::Unknown("inputs".into())));
        assert_eq!(pieces("{{input.}}"), Err(Problem::Unknown("input.".into())));
        assert_eq!(
            pieces("{{input..a}}"),
            Err(Problem::Unknown("input..a".into()))
        );
        assert_eq!(pieces("{{}}"), Err(Problem::Unknown(String::new())));
        assert_eq!(pieces("a {{now"), Err(Problem::Unclosed));
    }

    #[test]
    fn the_error_names_where_in_the_template_it_is() {
        let template = json!({"ok": ["{{now}}", 1, null], "items": [{"x": "{{fake.nam}}"}]});
        let error = check(&template).expect_err("unknown");
        assert_eq!(error.at, ".items[0].x");
        let message = error.message("output_template");
        assert!(
            message.starts_with(
                "field 'output_template.items[0].x' holds unknown placeholder '{{fake.nam}}' (known: {{input}}"
            ),
            "{message}"
        );
        let unclosed = check(&json!("{{input")).expect_err("unclosed");
        assert!(
            unclosed
                .message("output_template")
                .starts_with("field 'output_template' has a '{{' without its closing '}}'")
        );
        assert!(check(&json!({"{{keys are literal}}": 1})).is_ok());
    }
}
