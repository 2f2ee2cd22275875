//! Streaming `multipart/form-data` reading, shared by every upload route (knowledge base,
//! transcription).
//!
//! The body is parsed by `multer` while it streams in, with the size limits enforced as bytes
//! arrive: the file part may hold at most the route's limit, every other part
//! [`TEXT_FIELD_LIMIT`] bytes, and the whole body the file limit plus [`FORM_OVERHEAD`]. Memory
//! is therefore bounded by the limit, never by what a client sends. A file's format is checked
//! from its name and its part's `Content-Type` as soon as the part's headers arrive, before its
//! bytes are read.
//!
//! After a refusal the rest of the body is read and discarded (up to [`DRAIN_CAP`] bytes), so
//! the client reads the error instead of a connection reset.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use hyper::StatusCode;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE};
use multer::{Constraints, Multipart, SizeLimit};

use super::Req;
use crate::error::ApiError;

/// Largest non-file form field, in bytes.
pub const TEXT_FIELD_LIMIT: u64 = 64 * 1024;
/// What the whole body may hold beyond the file: boundaries, part headers and text fields.
pub const FORM_OVERHEAD: u64 = 1024 * 1024;
/// How much of a refused body is read and discarded before the connection is given up.
pub const DRAIN_CAP: u64 = 64 * 1024 * 1024;
/// The content type any format accepts: clients that do not know the type send it.
const GENERIC_TYPE: &str = "application/octet-stream";

/// A file format a route accepts: its extension and the part content types that may carry it.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    /// The lower-case file extension, without the dot.
    pub ext: &'static str,
    /// Accepted `Content-Type` essences (`application/octet-stream` is always accepted).
    pub types: &'static [&'static str],
}

/// What an upload route reads.
#[derive(Debug, Clone, Copy)]
pub struct FormSpec {
    /// Names of the file part; the first is canonical, the rest are aliases.
    pub file_fields: &'static [&'static str],
    /// Largest file, in bytes.
    pub limit: u64,
    /// Accepted formats.
    pub formats: &'static [Format],
    /// What the file is, for messages ("document", "audio file").
    pub what: &'static str,
}

/// The headers of the file part, known before its bytes are read.
#[derive(Debug, Clone)]
pub struct FileHead {
    /// The file name the client gave.
    pub file_name: String,
    /// Its (accepted) format.
    pub format: Format,
    /// The part's `Content-Type` essence, if sent.
    pub content_type: Option<String>,
}

/// A fully read form: the file and the text fields.
#[derive(Debug)]
pub struct Form {
    /// The file part's headers.
    pub head: FileHead,
    /// The file's bytes.
    pub bytes: Bytes,
    fields: Vec<(String, String)>,
}

impl Form {
    /// The first non-empty text field called `name`, trimmed.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }
}

/// Reads the multipart body of `req` under `spec`. `on_file` runs once the file part's headers
/// have been accepted, before its bytes stream in.
pub async fn read(
    req: &Req<'_>,
    spec: &FormSpec,
    on_file: &mut (dyn FnMut(&FileHead) -> Result<(), ApiError> + Send),
) -> Result<Form, ApiError> {
    let body = req
        .take_stream()
        .ok_or_else(|| ApiError::internal("the upload body was already taken"))?;
    let mut data = body.into_data_stream();
    let result = parse(req, spec, on_file, &mut data).await;
    if result.is_err() {
        let mut drained = 0u64;
        while drained < DRAIN_CAP {
            match data.next().await {
                Some(Ok(chunk)) => drained += chunk.len() as u64,
                _ => break,
            }
        }
    }
    result
}

async fn parse<S>(
    req: &Req<'_>,
    spec: &FormSpec,
    on_file: &mut (dyn FnMut(&FileHead) -> Result<(), ApiError> + Send),
    data: &mut S,
) -> Result<Form, ApiError>
where
    S: futures_util::Stream<Item = Result<Bytes, hyper::Error>> + Send + Unpin,
{
    let boundary = boundary(req)?;
    let whole = spec.limit.saturating_add(FORM_OVERHEAD);
    let announced = req
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > whole) {
        return Err(too_large(spec));
    }
    let mut limits = SizeLimit::new()
        .whole_stream(whole)
        .per_field(TEXT_FIELD_LIMIT);
    for name in spec.file_fields {
        limits = limits.for_field(*name, spec.limit);
    }
    let constraints = Constraints::new().size_limit(limits);
    let mut multipart = Multipart::with_constraints(data, boundary, constraints);
    let mut file: Option<(FileHead, Bytes)> = None;
    let mut fields = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(|e| failed(spec, e))? {
        let name = field.name().unwrap_or_default().to_owned();
        if !spec.file_fields.contains(&name.as_str()) {
            let text = field.text().await.map_err(|e| failed(spec, e))?;
            fields.push((name, text));
            continue;
        }
        if file.is_some() {
            return Err(ApiError::bad_request(format!(
                "send exactly one file per request (field '{name}' repeats the {})",
                spec.what
            )));
        }
        let head = check_format(
            spec,
            field.file_name(),
            field
                .content_type()
                .map(|m| m.essence_str().to_ascii_lowercase()),
        )?;
        on_file(&head)?;
        let mut bytes = BytesMut::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| failed(spec, e))? {
            bytes.extend_from_slice(&chunk);
        }
        file = Some((head, bytes.freeze()));
    }
    let (head, bytes) = file.ok_or_else(|| {
        ApiError::missing_field(spec.file_fields[0]).with_hint(&format!(
            "send the {} as a multipart/form-data file part named '{}'",
            spec.what,
            spec.file_fields.join("' or '")
        ))
    })?;
    Ok(Form {
        head,
        bytes,
        fields,
    })
}

fn boundary(req: &Req) -> Result<String, ApiError> {
    let kind = req
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    multer::parse_boundary(kind).map_err(|_| {
        let shown = if kind.is_empty() { "none" } else { kind };
        ApiError::bad_request(format!(
            "unsupported Content-Type '{shown}': send the upload as multipart/form-data with a boundary"
        ))
    })
}

/// Checks a file part's name and content type against the accepted formats.
pub fn check_format(
    spec: &FormSpec,
    file_name: Option<&str>,
    content_type: Option<String>,
) -> Result<FileHead, ApiError> {
    let accepted = || {
        spec.formats
            .iter()
            .map(|f| f.ext)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let file_name = file_name.map(str::trim).unwrap_or_default();
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    let format = spec
        .formats
        .iter()
        .find(|f| f.ext == ext)
        .copied()
        .ok_or_else(|| {
            let named = if file_name.is_empty() {
                "the file part has no file name".to_owned()
            } else {
                format!("unsupported file type '{file_name}'")
            };
            ApiError::bad_request(format!(
                "{named}: the {} must have one of the extensions {}",
                spec.what,
                accepted()
            ))
        })?;
    if let Some(kind) = content_type
        .as_deref()
        .filter(|k| *k != GENERIC_TYPE && !format.types.contains(k))
    {
        return Err(ApiError::bad_request(format!(
            "unsupported content type '{kind}' for a .{} file: expected {} or {GENERIC_TYPE}",
            format.ext,
            format.types.join(", ")
        )));
    }
    Ok(FileHead {
        file_name: file_name.to_owned(),
        format,
        content_type,
    })
}

fn too_large(spec: &FormSpec) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the {} exceeds the upload limit of {} bytes",
            spec.what, spec.limit
        ),
    )
}

fn failed(spec: &FormSpec, error: multer::Error) -> ApiError {
    match error {
        multer::Error::FieldSizeExceeded {
            field_name: Some(name),
            limit,
        } if !spec.file_fields.contains(&name.as_str()) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("form field '{name}' exceeds the limit of {limit} bytes"),
        ),
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            too_large(spec)
        }
        other => ApiError::bad_request(format!("malformed multipart/form-data body: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: FormSpec = FormSpec {
        file_fields: &["file"],
        limit: 10,
        formats: &[Format {
            ext: "txt",
            types: &["text/plain"],
        }],
        what: "document",
    };

    #[test]
    fn formats_are_checked_by_extension_and_content_type() {
        let ok = check_format(&SPEC, Some("Notes.TXT"), Some("text/plain".into()));
        assert_eq!(ok.map(|h| h.format.ext).ok(), Some("txt"));
        assert!(check_format(&SPEC, Some("a.txt"), Some(GENERIC_TYPE.into())).is_ok());
        assert!(check_format(&SPEC, Some("a.txt"), None).is_ok());
        let bad_ext = check_format(&SPEC, Some("a.exe"), None).expect_err("refused");
        assert!(bad_ext.message.contains("'a.exe'"));
        let bad_type =
            check_format(&SPEC, Some("a.txt"), Some("image/png".into())).expect_err("refused");
        assert!(bad_type.message.contains("image/png"));
        assert!(check_format(&SPEC, None, None).is_err());
    }
}
