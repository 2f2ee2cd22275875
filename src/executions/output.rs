//! What a completed execution outputs: its output template rendered with the run's input,
//! ids and completion time, and fake values drawn from generators seeded by the server seed
//! and the execution id, so the same seed always gives byte-identical output. Also the
//! generated error of a run told to fail without a message.
//!
//! The template is the workflow base's `output_template`, else the agent's, else
//! [`default_template`]; the grammar is [`crate::schema::template`].

use fake::Fake;
use fake::faker::company::en::{Bs, CompanyName};
use fake::faker::lorem::en::Sentence;
use fake::faker::name::en::Name;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::clock::Timestamp;
use crate::schema::template::{self, Fake as Helper, Piece, Placeholder};
use crate::store::Record;

/// What a run will output once it completes, fixed when it starts.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Recipe {
    /// The template that applies; `None` for [`default_template`].
    pub template: Option<Value>,
    /// The running agent's name (`{{agent.name}}`), if there is an agent.
    pub agent_name: Option<String>,
    /// The run's input (`{{input…}}`).
    pub input: Value,
}

impl Recipe {
    /// The recipe of a run of `workflow` and `agent` with `input`: the workflow base's
    /// template wins over the agent's (a null template is none).
    pub fn of(workflow: Option<&Record>, agent: Option<&Record>, input: Value) -> Self {
        let template = [workflow, agent]
            .into_iter()
            .flatten()
            .find_map(|r| r.get("output_template").filter(|t| !t.is_null()))
            .cloned();
        let agent_name = agent
            .and_then(|a| a.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Self {
            template,
            agent_name,
            input,
        }
    }
}

/// The output of a run without a template of its own.
pub fn default_template() -> Value {
    json!({
        "execution_id": "{{execution.id}}",
        "agent": "{{agent.name}}",
        "input": "{{input}}",
        "completed_at": "{{now}}",
    })
}

/// The output of execution `execution_id`, completed at `now`.
pub fn output(seed: u64, execution_id: &str, recipe: &Recipe, now: Timestamp) -> Value {
    let mut render = Render {
        recipe,
        execution_id,
        now,
        fakes: Fakes::new(seed, execution_id),
    };
    match &recipe.template {
        Some(template) => render.value(template),
        None => render.value(&default_template()),
    }
}

/// The error of a run that fails without a message of its own.
pub fn failure(seed: u64, execution_id: &str, node: &str) -> String {
    let mut rng = rng(seed, execution_id, "failure");
    let reason: String = Sentence(3..7).fake_with_rng(&mut rng);
    format!("node '{node}' failed: {reason}")
}

/// One rendering of a template.
struct Render<'a> {
    recipe: &'a Recipe,
    execution_id: &'a str,
    now: Timestamp,
    fakes: Fakes,
}

impl Render<'_> {
    /// Renders every string of `template` (object keys stay as they are).
    fn value(&mut self, template: &Value) -> Value {
        match template {
            Value::String(text) => self.string(text),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.value(i)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, item)| (key.clone(), self.value(item)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A string that is exactly one placeholder takes its value's JSON type; in a longer
    /// string a value is written as text (a string as it is, null as nothing, anything else
    /// as compact JSON).
    fn string(&mut self, text: &str) -> Value {
        // Templates are checked when they are written; one that is not (impossible) is kept.
        let Ok(pieces) = template::pieces(text) else {
            return Value::String(text.to_owned());
        };
        if let [Piece::Slot(slot)] = pieces[..] {
            return self.resolve(slot);
        }
        let mut out = String::with_capacity(text.len());
        for piece in pieces {
            match piece {
                Piece::Text(literal) => out.push_str(literal),
                Piece::Slot(slot) => match self.resolve(slot) {
                    Value::String(s) => out.push_str(&s),
                    Value::Null => {}
                    other => out.push_str(&other.to_string()),
                },
            }
        }
        Value::String(out)
    }

    fn resolve(&mut self, slot: Placeholder<'_>) -> Value {
        match slot {
            Placeholder::Input(path) => lookup(&self.recipe.input, path)
                .cloned()
                .unwrap_or(Value::Null),
            Placeholder::ExecutionId => json!(self.execution_id),
            Placeholder::AgentName => json!(self.recipe.agent_name),
            Placeholder::Now => json!(self.now.to_string()),
            Placeholder::Fake(Helper::Name) => json!(self.fakes.name),
            Placeholder::Fake(Helper::Email) => json!(self.fakes.email),
            Placeholder::Fake(Helper::Company) => json!(self.fakes.company),
            Placeholder::Fake(Helper::Sentence) => json!(self.fakes.sentence()),
        }
    }
}

/// The value at dotted `path` in `input` (array items by index); the whole input for an
/// empty path; `None` when the path leads nowhere.
fn lookup<'v>(input: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(input);
    }
    path.split('.').try_fold(input, |value, step| match value {
        Value::Object(map) => map.get(step),
        Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// The fake values of one execution: one person at one company (the same wherever they
/// appear), and a fresh sentence at each `{{fake.sentence}}`.
struct Fakes {
    name: String,
    company: String,
    email: String,
    sentences: ChaCha8Rng,
}

impl Fakes {
    fn new(seed: u64, execution_id: &str) -> Self {
        let mut people = rng(seed, execution_id, "identity");
        let name: String = Name().fake_with_rng(&mut people);
        let company: String = CompanyName().fake_with_rng(&mut people);
        let email = email(&name, &company);
        Self {
            name,
            company,
            email,
            sentences: rng(seed, execution_id, "sentences"),
        }
    }

    /// "Streamline efficient web-readiness." (business phrases, not lorem).
    fn sentence(&mut self) -> String {
        let phrase: String = Bs().fake_with_rng(&mut self.sentences);
        let mut chars = phrase.chars();
        let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
        format!("{}{}.", first.unwrap_or_default(), chars.as_str())
    }
}

/// `jane.doe@kuhn.example` for Jane Doe at Kuhn LLC (`.example` is reserved, RFC 2606).
fn email(name: &str, company: &str) -> String {
    let word = |w: &str| -> String {
        w.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let local: Vec<String> = name
        .split_whitespace()
        .map(word)
        .filter(|w| !w.is_empty())
        .collect();
    let domain = company
        .split_whitespace()
        .map(word)
        .find(|w| !w.is_empty())
        .unwrap_or_else(|| "company".to_owned());
    let local = if local.is_empty() {
        "contact".to_owned()
    } else {
        local.join(".")
    };
    format!("{local}@{domain}.example")
}

/// A generator seeded by FNV-1a over the seed, the id and a purpose (stable across builds).
fn rng(seed: u64, id: &str, purpose: &str) -> ChaCha8Rng {
    let seed = seed.to_le_bytes();
    let hash = crate::hash::fnv1a_all([&seed[..], id.as_bytes(), purpose.as_bytes()]);
    ChaCha8Rng::seed_from_u64(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(template: Value, input: Value) -> Recipe {
        Recipe {
            template: Some(template),
            agent_name: Some("Triage".into()),
            input,
        }
    }

    fn now() -> Timestamp {
        Timestamp::parse("2026-03-05T14:30:00Z").expect("RFC 3339")
    }

    #[test]
    fn output_depends_only_on_seed_and_id() {
        let r = recipe(
            json!({"who": "{{fake.name}}", "s": "{{fake.sentence}}"}),
            json!({}),
        );
        assert_eq!(output(7, "x", &r, now()), output(7, "x", &r, now()));
        assert_ne!(output(7, "x", &r, now()), output(8, "x", &r, now()));
        assert_ne!(output(7, "x", &r, now()), output(7, "y", &r, now()));
    }

    #[test]
    fn a_lone_placeholder_keeps_its_type_and_a_longer_string_gets_text() {
        let input = json!({"n": 3, "items": [{"name": "a"}], "flag": true, "o": {"k": 1}});
        let template = json!({
            "n": "{{input.n}}",
            "first": "{{ input.items.0.name }}",
            "o": "{{input.o}}",
            "missing": "{{input.nope.deeper}}",
            "text": "n={{input.n}} o={{input.o}} missing=[{{input.nope}}] flag={{input.flag}}",
            "all": "{{input}}",
            "id": "{{execution.id}}",
            "agent": "{{agent.name}}",
            "at": "{{now}}",
            "kept": [1, null, {"nested": "x {{input.items.0.name}}"}],
        });
        let out = output(1, "e-1", &recipe(template, input.clone()), now());
        assert_eq!(out["n"], 3);
        assert_eq!(out["first"], "a");
        assert_eq!(out["o"], json!({"k": 1}));
        assert_eq!(out["missing"], Value::Null);
        assert_eq!(out["text"], "n=3 o={\"k\":1} missing=[] flag=true");
        assert_eq!(out["all"], input);
        assert_eq!(out["id"], "e-1");
        assert_eq!(out["agent"], "Triage");
        assert_eq!(out["at"], "2026-03-05T14:30:00Z");
        assert_eq!(out["kept"], json!([1, null, {"nested": "x a"}]));
    }

    #[test]
    fn one_person_per_execution_and_a_new_sentence_each_time() {
        let template = json!({
            "a": "{{fake.name}}", "b": "{{fake.name}}", "email": "{{fake.email}}",
            "company": "{{fake.company}}", "s1": "{{fake.sentence}}", "s2": "{{fake.sentence}}",
        });
        let out = output(3, "e", &recipe(template, json!({})), now());
        assert_eq!(out["a"], out["b"]);
        let email = out["email"].as_str().expect("email");
        let first = out["a"]
            .as_str()
            .expect("name")
            .split(' ')
            .next()
            .expect("word");
        assert!(
            email.starts_with(&first.to_ascii_lowercase().replace('\'', "")),
            "{email}"
        );
        assert!(email.ends_with(".example"), "{email}");
        assert_ne!(out["s1"], out["s2"]);
        let sentence = out["s1"].as_str().expect("sentence");
        assert!(sentence.ends_with('.') && sentence.starts_with(char::is_uppercase));
    }

    #[test]
    fn without_a_template_the_default_names_the_run() {
        let r = Recipe {
            template: None,
            agent_name: None,
            input: json!({"x": 1}),
        };
        assert_eq!(
            output(1, "e-9", &r, now()),
            json!({"execution_id": "e-9", "agent": null, "input": {"x": 1}, "completed_at": "2026-03-05T14:30:00Z"})
        );
    }

    #[test]
    fn the_workflow_template_wins_over_the_agent_s() {
        let with = |t: Value| -> Record {
            json!({"output_template": t})
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        let (flow, agent) = (with(json!("flow")), with(json!("agent")));
        let none = with(Value::Null);
        let pick = |w: Option<&Record>, a: Option<&Record>| Recipe::of(w, a, Value::Null).template;
        assert_eq!(pick(Some(&flow), Some(&agent)), Some(json!("flow")));
        assert_eq!(pick(Some(&none), Some(&agent)), Some(json!("agent")));
        assert_eq!(pick(None, Some(&none)), None);
    }
}
