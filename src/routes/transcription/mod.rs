//! Transcription (`POST /api/transcription`, alias `/api/transcribe`): audio in, a fake but
//! deterministic transcript out.
//!
//! The file's name and part content type must be those of an accepted format, and its bytes
//! must be a supported audio container (`sniff`): a PNG named `song.mp3` is refused naming
//! what it is. The transcript is fake speech in the `language` asked for (`speech`), drawn
//! with a generator seeded by a hash of the file bytes and the server seed, so the same file,
//! language and seed always give byte-identical responses. The duration is estimated from the
//! size at 16,000 bytes per second (128 kbit/s).

mod sniff;
mod speech;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::multipart::{self, FormSpec, Format};
use super::operation::Pending;
use super::{Ctx, Req};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::hash::fnv1a;
use sniff::Sniffed;

/// The documented limit: 25 MB (26,214,400 bytes).
pub const AUDIO_LIMIT: u64 = 26_214_400;
/// Assumed bit rate for the duration estimate, in bytes per second.
const BYTES_PER_SECOND: f64 = 16_000.0;
/// One transcript sentence per this many seconds of audio (at least one, at most 200).
const SECONDS_PER_SENTENCE: f64 = 5.0;

const FORMATS: &[Format] = &[
    fmt("mp3", &["audio/mpeg", "audio/mp3"]),
    fmt("mp4", &["audio/mp4", "video/mp4"]),
    fmt("mpeg", &["audio/mpeg", "video/mpeg"]),
    fmt("mpga", &["audio/mpeg"]),
    fmt("m4a", &["audio/mp4", "audio/m4a", "audio/x-m4a"]),
    fmt(
        "wav",
        &["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"],
    ),
    fmt("webm", &["audio/webm", "video/webm"]),
    fmt(
        "ogg",
        &["audio/ogg", "application/ogg", "audio/vorbis", "audio/opus"],
    ),
    fmt("flac", &["audio/flac", "audio/x-flac"]),
];

/// What to send instead, for refusals of what the bytes are.
const SEND: &str = "send WAV, MP3, M4A/MP4, OGG, WebM or FLAC audio";

const fn fmt(ext: &'static str, types: &'static [&'static str]) -> Format {
    Format { ext, types }
}

const SPEC: FormSpec = FormSpec {
    file_fields: &["file", "audio"],
    limit: AUDIO_LIMIT,
    formats: FORMATS,
    what: "audio file",
};

/// `POST /api/transcription` and `POST /api/transcribe`
pub fn transcribe<'a>(ctx: Ctx<'a>, req: &'a Req) -> Pending<'a> {
    Box::pin(async move { transcribe_form(&ctx, req).await })
}

async fn transcribe_form(ctx: &Ctx<'_>, req: &Req<'_>) -> Result<Reply, ApiError> {
    let form = multipart::read(req, &SPEC, &mut |_| Ok(())).await?;
    let language = match form.field("language") {
        None => "en".to_owned(),
        Some(hint) => speech::iso_639_1(hint).ok_or_else(|| {
            ApiError::bad_request(format!(
                "field 'language' must be an ISO-639-1 code such as en, pt or es (pt-BR is read as pt), got '{}'",
                hint.chars().take(40).collect::<String>()
            ))
        })?,
    };
    match sniff::sniff(&form.bytes) {
        Sniffed::Audio(_) => {}
        Sniffed::OtherAudio(what) => {
            return Err(ApiError::bad_request(format!(
                "the file is {what} audio, which is not a supported container: {SEND}"
            )));
        }
        Sniffed::NotAudio(what) => {
            return Err(ApiError::bad_request(format!(
                "the file is {what}, not audio: {SEND}"
            )));
        }
    }
    let duration = (form.bytes.len() as f64 / BYTES_PER_SECOND).max(1.0);
    let duration = (duration * 100.0).round() / 100.0;
    let mut rng = ChaCha8Rng::seed_from_u64(fnv1a(&form.bytes) ^ ctx.settings.seed);
    let sentences = (duration / SECONDS_PER_SENTENCE).ceil().clamp(1.0, 200.0) as usize;
    let text = speech::transcript(&language, sentences, &mut rng);
    Ok(Reply::ok(json!({
        "text": text,
        "language": language,
        "duration": duration,
    })))
}
