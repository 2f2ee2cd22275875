//! `drift --include-writes`: create, update and delete compared on records drift makes itself
//! and then removes, on both sides.
//!
//! The resources come from the rows: a `POST` answering one stored record with 201 from a
//! JSON body, whose item path (`{path}/{id}`) has a `DELETE` answering the deletion (a real
//! removal: token "deletes" only revoke, so tokens are never written) and, when there is one,
//! a `PUT` or `PATCH`. The create body holds the required fields with plain values, named
//! `prodgy-mock drift probe`; the update changes a text field. After the delete, the record's
//! detail is asked again on both sides, and both must answer alike (404).

use hyper::Method;
use serde_json::{Map, Value, json};

use super::DriftError;
use super::live::{Run, error_shape};
use crate::routes::{Answer, Body, OPERATIONS, Operation};
use crate::schema::answers::DELETED;
use crate::schema::{Field, Kind, Presence, Shape, Ty};
use crate::upstream::Answer as Reply;

/// What the records drift makes are called.
const PROBE: &str = "prodgy-mock drift probe (safe to delete)";

/// One resource drift can write: its create, update, delete and detail rows.
#[derive(Debug, Clone, Copy)]
pub struct Writable {
    /// The create row.
    pub create: &'static Operation,
    /// The update row, if the resource has one.
    pub update: Option<&'static Operation>,
    /// The delete row.
    pub delete: &'static Operation,
    /// The detail row, if any.
    pub detail: Option<&'static Operation>,
    /// The kind of record.
    pub kind: Kind,
}

/// Every resource drift can write, from the rows.
pub fn writable() -> Vec<Writable> {
    let item = |op: &Operation, base: &str| {
        op.param_name().is_some()
            && op.path.starts_with(base)
            && op.path[base.len()..].starts_with("/{")
            && op.path.ends_with('}')
    };
    OPERATIONS
        .iter()
        .filter_map(|create| {
            let Answer::One(Shape::Resource(kind)) = create.answer else {
                return None;
            };
            let json = matches!(create.body, Body::Json { .. });
            let creates = create.method == Method::POST && create.status.as_u16() == 201;
            if !json || !creates || create.param_name().is_some() {
                return None;
            }
            let at = |method: Method| {
                OPERATIONS
                    .iter()
                    .find(move |op| op.method == method && item(op, create.path))
            };
            let delete =
                at(Method::DELETE).filter(|op| op.answer == Answer::One(Shape::Built(&DELETED)))?;
            let update = at(Method::PUT).or_else(|| at(Method::PATCH));
            let detail = at(Method::GET);
            Some(Writable {
                create,
                update,
                delete,
                detail,
                kind,
            })
        })
        .collect()
}

/// A plain value of `ty`.
fn sample(ty: Ty) -> Value {
    match ty {
        Ty::Str | Ty::Text | Ty::NonEmpty => json!(PROBE),
        Ty::Bool => json!(true),
        Ty::Object | Ty::Shape(_) => json!({}),
        Ty::Tags | Ty::Strings | Ty::SomeOf(_) | Ty::Nodes | Ty::Connections => json!([]),
        Ty::Number => json!(1),
        Ty::Int { min } => json!(min),
        Ty::Time => json!("2099-01-01T00:00:00Z"),
        Ty::OneOf(values) => json!(values.first().copied().unwrap_or_default()),
        Ty::Slug => json!("probe"),
        Ty::Any | Ty::Template => Value::Null,
    }
}

/// The body of `op`: its required fields; with `changed`, a text field it reads set to a
/// changed name when none is required.
fn body_of(op: &Operation, changed: bool) -> Value {
    let fields: &[Field] = match op.body {
        Body::Json { fields, .. } => fields,
        _ => &[],
    };
    let mut body: Map<String, Value> = fields
        .iter()
        .filter(|f| f.presence == Presence::Required)
        .map(|f| (f.name.to_owned(), sample(f.ty)))
        .collect();
    if changed && body.is_empty() {
        let text = fields
            .iter()
            .find(|f| matches!(f.ty, Ty::Text) && ["name", "title"].contains(&f.name));
        if let Some(field) = text {
            body.insert(field.name.to_owned(), json!(format!("{PROBE}, updated")));
        }
    }
    Value::Object(body)
}

/// Compares every writable resource on both sides.
pub async fn compare(run: &mut Run<'_>) -> Result<(), DriftError> {
    for resource in writable() {
        one(run, resource).await?;
        (run.progress)(&format!("{}: writes compared", resource.kind.plural()));
    }
    Ok(())
}

/// The id in a create answer.
fn id_of(answer: &Reply) -> Option<String> {
    if !answer.status.is_success() {
        return None;
    }
    answer
        .json()?
        .get("data")?
        .get("id")?
        .as_str()
        .map(str::to_owned)
}

/// Creates, updates and deletes one probe record on each side.
async fn one(run: &mut Run<'_>, resource: Writable) -> Result<(), DriftError> {
    let body = body_of(resource.create, false);
    let (theirs, ours) = both(
        run,
        resource.create,
        resource.create.path,
        [None, None],
        Some(&body),
    )
    .await?;
    run.report.compared += 1;
    run.answers(resource.create, &theirs, &ours);
    let ids = [id_of(&theirs), id_of(&ours)];
    if ids.iter().any(Option::is_none) {
        // What one side made is removed again (the status difference is reported).
        remove_one_sided(run, resource, &ids).await?;
        return Ok(());
    }
    if let Some(update) = resource.update {
        let body = body_of(update, true);
        let paths = ids.clone().map(|id| Some(path_of(update, id.as_deref())));
        let (theirs, ours) = both(run, update, "", paths, Some(&body)).await?;
        run.report.compared += 1;
        run.answers(update, &theirs, &ours);
    }
    let paths = ids
        .clone()
        .map(|id| Some(path_of(resource.delete, id.as_deref())));
    let (theirs, ours) = both(run, resource.delete, "", paths, None).await?;
    run.report.compared += 1;
    run.answers(resource.delete, &theirs, &ours);
    if let Some(detail) = resource.detail {
        let paths = ids.map(|id| Some(path_of(detail, id.as_deref())));
        let (theirs, ours) = both(run, detail, "", paths, None).await?;
        error_shape(&mut run.report, detail.name, "deleted id", &theirs, &ours);
    }
    Ok(())
}

/// Deletes the probe record of the side whose create succeeded.
async fn remove_one_sided(
    run: &mut Run<'_>,
    resource: Writable,
    ids: &[Option<String>; 2],
) -> Result<(), DriftError> {
    let progress = run.progress;
    let delete = resource.delete;
    for (caller, id, side) in [
        (&run.theirs, &ids[0], "upstream"),
        (&run.ours, &ids[1], "mock"),
    ] {
        let Some(id) = id else { continue };
        let path = path_of(delete, Some(id));
        let answer = caller
            .send(delete.name, Method::DELETE, &path, None, progress)
            .await?;
        if !answer.status.is_success() {
            progress(&format!(
                "warning: could not delete the probe {} '{id}' on the {side} ({}): remove it by hand",
                resource.kind.singular(),
                answer.status.as_u16()
            ));
        }
    }
    Ok(())
}

/// `op`'s path with `id` in place of its parameter.
fn path_of(op: &Operation, id: Option<&str>) -> String {
    match (op.param_name(), id) {
        (Some(param), Some(id)) => op.path.replace(&format!("{{{param}}}"), id),
        _ => op.path.to_owned(),
    }
}

/// Sends `op` to both sides (at `path`, or at each side's own path), with the tokens.
async fn both(
    run: &Run<'_>,
    op: &'static Operation,
    path: &str,
    own: [Option<String>; 2],
    body: Option<&Value>,
) -> Result<(Reply, Reply), DriftError> {
    let [their_path, our_path] = own.map(|p| p.unwrap_or_else(|| path.to_owned()));
    let (method, progress) = (op.method.clone(), run.progress);
    let theirs = run
        .theirs
        .send(op.name, method.clone(), &their_path, body, progress);
    let theirs = theirs.await?;
    let ours = run
        .ours
        .send(op.name, method, &our_path, body, progress)
        .await?;
    Ok((theirs, ours))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writable_resources_come_from_the_rows() {
        let names: Vec<(&str, Option<&str>, &str)> = writable()
            .iter()
            .map(|w| (w.create.name, w.update.map(|u| u.name), w.delete.name))
            .collect();
        assert_eq!(
            names,
            [
                (
                    "agents.install_alias",
                    Some("agents.update"),
                    "agents.delete"
                ),
                (
                    "workflow_bases.create",
                    Some("workflow_bases.update"),
                    "workflow_bases.delete"
                ),
                (
                    "integrations.create",
                    Some("integrations.update"),
                    "integrations.delete"
                ),
            ]
        );
        let create = writable()[2].create;
        assert_eq!(body_of(create, false), json!({"title": PROBE}));
    }
}
