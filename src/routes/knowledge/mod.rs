//! Knowledge base (`/api/knowledge-base`): upload, list, get, delete and search documents.
//!
//! Uploads stream through [`multipart`](super::multipart) with the configured upload limit;
//! their text is extracted at once (`extract`) and the document then moves through the
//! pipeline on the server clock (`document`). Search scores the name, tags and text of
//! completed documents of the caller's product (`search`) and answers a page of hits.

mod document;
mod extract;
mod query;
mod search;

use hyper::StatusCode;
use serde_json::{Value, json};

use super::common::{
    delete_visible, list_page, list_with, object, one_of, product_scope, store_new, target_product,
    text, visible,
};
use super::multipart::{self, FileHead, FormSpec};
use super::{Ctx, Req, operation};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::schema::DOCUMENT_STATUSES;
use crate::store::{Kind, Record, Scope, State};
use document::{FORMATS, hit_metadata, render, settle, split_tags};
use extract::Extracted;

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
pub fn get(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    let record = visible(ctx, Kind::Document, id)?;
    Ok(Reply::ok(render(&record, ctx.clock.now())))
}

/// `DELETE /api/knowledge-base/{id}`
pub fn delete(ctx: &Ctx<'_>, _req: &Req, id: &str) -> Result<Reply, ApiError> {
    delete_visible(ctx, Kind::Document, id)
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
pub fn upload<'a>(ctx: Ctx<'a>, req: &'a Req) -> operation::Pending<'a> {
    Box::pin(async move { upload_form(&ctx, req).await })
}

async fn upload_form(ctx: &Ctx<'_>, req: &Req<'_>) -> Result<Reply, ApiError> {
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
                "failure_reason": null,
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
    let (content, failure) = match extracted(form.head.format.ext, form.bytes.clone()).await {
        Extracted::Text(text) => (text, None),
        Extracted::Unindexed => (String::new(), None),
        Extracted::Failed(reason) => (String::new(), Some(reason)),
    };
    let id = pending.id.clone().unwrap_or_default();
    let now = ctx.clock.now();
    let changes = json!({
        "product_id": &*product,
        "name": form.field("name").unwrap_or(&form.head.file_name),
        "description": form.field("description").unwrap_or_default(),
        "size_bytes": form.bytes.len(),
        "status": "processing",
        "progress": 10,
        "failure_reason": failure,
        "metadata": {
            "source": form.field("source"),
            "subject": form.field("subject"),
            "language": language,
            "tags": form.field("tags").map(split_tags).unwrap_or_default(),
        },
        "content": content,
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

/// The text of an uploaded file. PDF and DOCX are parsed on a blocking thread, so a large
/// file does not hold up the async workers; a parser that panics on a hostile file fails the
/// document instead of the request.
async fn extracted(ext: &'static str, bytes: bytes::Bytes) -> Extracted {
    if !extract::is_parsed(ext) {
        return extract::extract(ext, &bytes);
    }
    tokio::task::spawn_blocking(move || extract::extract(ext, &bytes))
        .await
        .unwrap_or_else(|_| Extracted::Failed(format!("the {ext} file could not be parsed")))
}

fn valid_language(tag: &str) -> bool {
    tag.len() <= 35
        && tag
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `GET` and `POST /api/knowledge-base/search`: a page of the completed documents of the
/// product that match, best first.
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
    let texts: Vec<String> = candidates.iter().map(|r| searched(r)).collect();
    let docs: Vec<search::Doc<'_>> = candidates
        .iter()
        .zip(&texts)
        .map(|(r, text)| search::Doc {
            text,
            language: search::stemmer_for(meta_str(r, "language")),
        })
        .collect();
    let ranked = search::rank(&terms, &docs);
    let request = params.page;
    let hits: Vec<Value> = ranked
        .iter()
        .skip(request.offset())
        .take(request.size())
        .map(|&(i, score)| {
            let record = &candidates[i];
            let content = text(record, "content").unwrap_or_default();
            json!({
                "document_id": text(record, "id"),
                "content": search::snippet(content, &terms, docs[i].language),
                "score": score,
                "metadata": hit_metadata(record),
            })
        })
        .collect();
    Ok(list_page(hits, ranked.len() as u64, request))
}

/// What search reads of a document: its name, its tags and its text, as one text.
fn searched(record: &Record) -> String {
    let name = text(record, "name").unwrap_or_default();
    let tags = record
        .get("metadata")
        .and_then(|m| m.get("tags"))
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let content = text(record, "content").unwrap_or_default();
    format!("{name}\n{tags}\n{content}")
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
