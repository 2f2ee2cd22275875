//! What a file's first bytes say it is: one of the audio containers transcription takes, or
//! something else, named for the 400 (the declared content type alone proves nothing).
//!
//! Audio: WAV (`RIFF`/`RF64` … `WAVE`), MP3 (an `ID3` tag or an MPEG audio frame sync),
//! MP4/M4A (an ISO `ftyp` box that is not an image brand), Ogg (`OggS`), WebM/Matroska
//! (`1A 45 DF A3`), FLAC (`fLaC`) and MPEG program streams (`00 00 01 BA`, the `.mpeg` files).

/// What the bytes of an upload are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// A supported audio container, by name.
    Audio(&'static str),
    /// Audio in a container transcription does not take, by name.
    OtherAudio(&'static str),
    /// Not audio: what it is, with its article ("a PNG image").
    NotAudio(&'static str),
}

/// Sniffs `bytes`.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    use Sniffed::{Audio, NotAudio, OtherAudio};
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if bytes.is_empty() {
        return NotAudio("empty");
    }
    if (at(0, b"RIFF") || at(0, b"RF64")) && at(8, b"WAVE") {
        return Audio("WAV");
    }
    if at(0, b"RIFF") {
        return NotAudio(match bytes.get(8..12) {
            Some(b"WEBP") => "a WebP image",
            Some(b"AVI ") => "an AVI video",
            _ => "a RIFF file that is not WAVE audio",
        });
    }
    if at(4, b"ftyp") {
        return match bytes.get(8..12) {
            Some(b"heic" | b"heix" | b"mif1" | b"msf1" | b"avif" | b"avis") => {
                NotAudio("a HEIF/AVIF image")
            }
            _ => Audio("MP4/M4A"),
        };
    }
    let magic: &[(&[u8], Sniffed)] = &[
        (b"ID3", Audio("MP3")),
        (b"OggS", Audio("Ogg")),
        (b"fLaC", Audio("FLAC")),
        (&[0x1A, 0x45, 0xDF, 0xA3], Audio("WebM/Matroska")),
        (&[0x00, 0x00, 0x01, 0xBA], Audio("MPEG program stream")),
        (b"FORM", OtherAudio("AIFF")),
        (b"#!AMR", OtherAudio("AMR")),
        (b"MThd", OtherAudio("MIDI")),
        (b"\x89PNG", NotAudio("a PNG image")),
        (&[0xFF, 0xD8, 0xFF], NotAudio("a JPEG image")),
        (b"GIF8", NotAudio("a GIF image")),
        (b"%PDF", NotAudio("a PDF document")),
        (
            b"PK\x03\x04",
            NotAudio("a ZIP archive (or a DOCX, XLSX or other zipped file)"),
        ),
        (&[0x1F, 0x8B], NotAudio("a gzip archive")),
        (b"7z\xBC\xAF", NotAudio("a 7-Zip archive")),
        (b"\x7FELF", NotAudio("an ELF executable")),
        (
            &[0xD0, 0xCF, 0x11, 0xE0],
            NotAudio("an MS Office (OLE) document"),
        ),
    ];
    if let Some((_, found)) = magic.iter().find(|(m, _)| bytes.starts_with(m)) {
        return *found;
    }
    if let Some(found) = frame_sync(bytes) {
        return found;
    }
    if is_text(bytes) {
        // Two-letter magic numbers are checked after text, which may start with them.
        return NotAudio("text");
    }
    if bytes.starts_with(b"MZ") {
        return NotAudio("a Windows executable");
    }
    if bytes.starts_with(b"BM") && bytes.get(6..10) == Some(&[0, 0, 0, 0]) {
        return NotAudio("a BMP image");
    }
    NotAudio("unknown binary data")
}

/// An MPEG audio frame header at the start: 11 set bits, a valid version and a layer (MP3);
/// layer bits `00` there are AAC in ADTS.
fn frame_sync(bytes: &[u8]) -> Option<Sniffed> {
    let (&first, &second) = (bytes.first()?, bytes.get(1)?);
    if first != 0xFF || second & 0xE0 != 0xE0 {
        return None;
    }
    let version = (second >> 3) & 0b11;
    let layer = (second >> 1) & 0b11;
    match (version, layer) {
        (0b01, _) => None,
        (_, 0b00) => Some(Sniffed::OtherAudio("AAC (ADTS)")),
        _ => Some(Sniffed::Audio("MP3")),
    }
}

/// Whether the first KiB reads as text: UTF-8 without control characters besides whitespace
/// (a multi-byte character cut at the end is allowed).
fn is_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    valid
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

#[cfg(test)]
mod tests {
    use super::Sniffed::{Audio, NotAudio, OtherAudio};
    use super::*;

    #[test]
    fn the_supported_containers_are_recognized_by_their_magic_numbers() {
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), Audio("WAV"));
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0"), Audio("MP3"));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64]), Audio("MP3"));
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A \0\0\0\0"), Audio("MP4/M4A"));
        assert_eq!(sniff(b"OggS\0\x02"), Audio("Ogg"));
        assert_eq!(
            sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]),
            Audio("WebM/Matroska")
        );
        assert_eq!(sniff(b"fLaC\0\0\0\x22"), Audio("FLAC"));
    }

    #[test]
    fn other_files_are_named() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), NotAudio("a PNG image"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), NotAudio("a WebP image"));
        assert_eq!(sniff(b"\0\0\0\x1cftypheic"), NotAudio("a HEIF/AVIF image"));
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80]), OtherAudio("AAC (ADTS)"));
        assert_eq!(sniff("hello, wörld\n".as_bytes()), NotAudio("text"));
        assert_eq!(sniff(b"MZ report"), NotAudio("text"));
        assert_eq!(sniff(b"MZ\x90\0\x03\0"), NotAudio("a Windows executable"));
        assert_eq!(
            sniff(&[0x00, 0x9C, 0x13, 0x07]),
            NotAudio("unknown binary data")
        );
        assert_eq!(sniff(b""), NotAudio("empty"));
    }
}
