//! Knowledge base (`/api/knowledge-base`): upload, list, get, delete and search documents.
//!
//! Uploads stream through [`multipart`](super::multipart) with the configured upload limit.
//! Search scores the text of completed documents of the caller's product (see [`search`]).

mod document;
mod query;
mod search;

use hyper::StatusCode;
use serde_json::{Value, json};

use super::common::{
    delete_visible, list_with, object, one_of, product_scope, store_new, target_product, text,
    visible,
};
use super::multipart::{self, FileHead, FormSpec};
use super::{Ctx, Req};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::schema::DOCUMENT_STATUSES;
use crate::store::{Kind, Record, Scope, State};
use document::{FORMATS, TEXT_FORMATS, hit_metadata, render, settle, split_tags};

/// `GET /api/knowledge-base` with `product_id`, `source`, `tag`, `status` and paging.
pub fn list_all(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let product = product_scope(ctx, req.query_nonempty("product_id"))?;
    let request = req.page()?;
    let status = one_of(req, "status", DOCUMENT_STATUSES)?;
    let source = req.query_nonempty("source");
    let tag = req.query_nonempty("tag");
    let now = ctx.clock.now();
    let keep = |r: &Record| {
        status.is_none_or(|s| settle(r, now).0 == s)
            && source.is_none_or(|s| meta_str(r, "source") == Some(s))
            && tag.is_none_or(|t| has_tag(r, t))
    };
    let parts = [product.as_deref()];
    let scope = Scope::within(&parts);
    let page = ctx
        .state
        .collection(Kind::Document)
        .page(scope, Some(&keep), request);
    Ok(list_with(page, request, |r| render(r, now)))
}

/// `GET /api/knowledge-base/{id}`
pub fn get(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let record = visible(ctx, Kind::Document, req.param("id"))?;
    Ok(Reply::ok(render(&record, ctx.clock.now())))
}

/// `DELETE /api/knowledge-base/{id}`
pub fn delete(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    delete_visible(ctx, Kind::Document, req.param("id"))
}

/// Removes the `uploading` record of an upload that did not finish (error or dropped request).
struct Pending<'a> {
    state: &'a State,
    id: Option<String>,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.state.remove(Kind::Document, &id);
        }
    }
}

/// `POST /api/knowledge-base/upload` and `POST /api/knowledge-base`: a multipart upload.
pub async fn upload(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let spec = FormSpec {
        file_fields: &["file"],
        limit: u64::try_from(ctx.settings.upload_limit).unwrap_or(u64::MAX),
        formats: FORMATS,
        what: "document",
    };
    let mut pending = Pending {
        state: ctx.state,
        id: None,
    };
    let started = ctx.clock.now().to_string();
    let form = {
        let mut on_file = |head: &FileHead| {
            let id = ctx.state.new_id();
            let record = json!({
                "id": id,
                "product_id": ctx.caller.product.as_deref(),
                "name": head.file_name,
                "description": "",
                "file_name": head.file_name,
                "file_type": head.format.ext,
                "size_bytes": 0,
                "status": "uploading",
                "progress": 0,
                "metadata": {"source": null, "subject": null, "language": null, "tags": []},
                "created_at": started,
            });
            let record = object(record);
            store_new(ctx, Kind::Document, record)?;
            pending.id = Some(id);
            Ok(())
        };
        multipart::read(req, &spec, &mut on_file).await?
    };
    let product = target_product(ctx, form.field("product_id"))?;
    let language = form.field("language");
    if let Some(bad) = language.filter(|l| !valid_language(l)) {
        return Err(ApiError::bad_request(format!(
            "field 'language' must be a language tag such as en-US or pt-BR, got '{bad}'"
        )));
    }
    let content = TEXT_FORMATS
        .contains(&form.head.format.ext)
        .then(|| String::from_utf8_lossy(&form.bytes).into_owned());
    let id = pending.id.clone().unwrap_or_default();
    let now = ctx.clock.now();
    let changes = json!({
        "product_id": &*product,
        "name": form.field("name").unwrap_or(&form.head.file_name),
        "description": form.field("description").unwrap_or_default(),
        "size_bytes": form.bytes.len(),
        "status": "processing",
        "progress": 10,
        "metadata": {
            "source": form.field("source"),
            "subject": form.field("subject"),
            "language": language,
            "tags": form.field("tags").map(split_tags).unwrap_or_default(),
        },
        "content": content.unwrap_or_default(),
        "uploaded_at": now.to_string(),
    });
    let updated = ctx
        .state
        .update::<ApiError>(Kind::Document, &id, |record| {
            if let Value::Object(changes) = changes {
                record.extend(changes);
            }
            Ok(())
        })?;
    let updated = updated.ok_or_else(|| ApiError::not_found(Kind::Document.singular(), &id))?;
    pending.id = None;
    Ok(Reply::with(
        StatusCode::CREATED,
        "Document uploaded successfully",
        render(&updated, now),
    ))
}

fn valid_language(tag: &str) -> bool {
    tag.len() <= 35
        && tag
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `GET` and `POST /api/knowledge-base/search`: completed documents of the product, by score.
pub fn search(ctx: &Ctx<'_>, req: &Req) -> Result<Reply, ApiError> {
    let params = query::parse(req)?;
    let product = product_scope(ctx, params.product.as_deref())?;
    let now = ctx.clock.now();
    let parts = [product.as_deref()];
    let scope = Scope::within(&parts);
    let candidates = ctx.state.collection(Kind::Document).find(scope, |r| {
        settle(r, now).0 == "completed"
            && params
                .source
                .as_deref()
                .is_none_or(|s| meta_str(r, "source") == Some(s))
            && params
                .language
                .as_deref()
                .is_none_or(|l| meta_str(r, "language").is_some_and(|m| m.eq_ignore_ascii_case(l)))
            && (params.tags.is_empty() || params.tags.iter().any(|t| has_tag(r, t)))
    });
    let terms = search::terms(&params.query);
    let texts: Vec<&str> = candidates
        .iter()
        .map(|r| text(r, "content").unwrap_or_default())
        .collect();
    let hits: Vec<Value> = search::rank(&terms, &texts)
        .into_iter()
        .take(usize::try_from(params.limit).unwrap_or(usize::MAX))
        .map(|(i, score)| {
            let record = &candidates[i];
            json!({
                "document_id": text(record, "id"),
                "content": search::snippet(texts[i], &terms),
                "score": score,
                "metadata": hit_metadata(record),
            })
        })
        .collect();
    Ok(Reply::ok(hits))
}

fn meta_str<'a>(record: &'a Record, key: &str) -> Option<&'a str> {
    record.get("metadata")?.get(key)?.as_str()
}

fn has_tag(record: &Record, tag: &str) -> bool {
    record
        .get("metadata")
        .and_then(|m| m.get("tags"))
        .and_then(Value::as_array)
        .is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(tag)))
}
