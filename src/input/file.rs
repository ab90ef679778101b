//! The one way input files are read: a regular file under a size cap, so `/dev/zero`, a FIFO or a
//! file that keeps growing is refused with its name instead of being read until memory runs out.

use std::io::Read;
use std::path::Path;

/// What an input file holds, which sets its size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A workload or a price book: a few kilobytes in practice.
    Toml,
    /// An arrival trace or an empirical distribution's CSV: one row per arrival or observation.
    Data,
    /// A shard file given to `merge`.
    Shard,
}

impl InputKind {
    /// The largest file of this kind that is read, in bytes.
    ///
    /// The caps are generous sanity bounds, not physical limits: each is far above any real file
    /// of its kind and low enough that reading one whole stays within a normal machine's memory.
    pub const fn max_bytes(self) -> u64 {
        match self {
            // Real workloads and price books are a few KB; 64 MiB is four orders of magnitude more.
            InputKind::Toml => 64 << 20,
            // A trace of a 10,000,000-document month at ~100 bytes a row (an RFC 3339 time and a
            // few other columns) is ~1 GB, the largest month the simulator is measured on.
            InputKind::Data => 1 << 30,
            // A simulate shard is ~1 MB per replication of a 100,000-document month, plus ~1.2 KB
            // per document with --per-document: 4 GiB holds thousands of replications or a
            // few-million-document month; merge holds every shard in memory, so more is no use.
            InputKind::Shard => 4 << 30,
        }
    }

    fn what(self) -> &'static str {
        match self {
            InputKind::Toml => "workload and price-book files",
            InputKind::Data => "traces and empirical CSV files",
            InputKind::Shard => "shard files",
        }
    }
}

/// Reads `path` as UTF-8 text, refusing anything that is not a regular file or is larger than
/// `kind`'s cap. The error is an `io::Error` whose message says what is wrong and how to fix it;
/// callers add the file's name.
///
/// # Errors
/// The operating system's error (missing file, no permission), or `InvalidInput` for a directory,
/// device, FIFO or socket, `FileTooLarge` over the cap, `InvalidData` for text that is not UTF-8.
pub fn read_text(path: &Path, kind: InputKind) -> std::io::Result<String> {
    let cap = kind.max_bytes();
    // Checked before opening: opening a FIFO blocks until a writer appears.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let file = std::fs::File::open(path)?;
    // Checked again on the open file, in case the path was replaced in between.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    if meta.len() > cap {
        return Err(too_large(kind, meta.len()));
    }
    let bytes = read_bounded(file, meta.len(), cap, kind.what())?;
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (byte {} is not valid); save it as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Reads at most `cap` bytes: a file may grow while it is read (a log still being written), and a
/// special file may report a size of 0, so the size checked before is not enough.
fn read_bounded(
    reader: impl Read,
    expected: u64,
    cap: u64,
    what: &str,
) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(usize::try_from(expected.min(cap)).unwrap_or(0));
    reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "it grew past the {} limit for {what} while it was read; give a finished copy of it",
                human(cap)
            ),
        ));
    }
    Ok(bytes)
}

/// `text` without a leading UTF-8 byte-order mark, which editors on Windows write: left in, it
/// turns a CSV's first value into something that is not a number, taken for a header and dropped.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Whether the first cell of a CSV's first row, which did not parse as a value, is a header. A
/// cell that starts like a number or a date (a digit, or a sign or point before one) is a
/// malformed value, which must be reported, not dropped as if it were a column name.
pub fn is_header_cell(cell: &str) -> bool {
    let mut chars = cell.chars();
    let first = chars.next();
    let second = chars.next();
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    let looks_numeric = digit(first)
        || (matches!(first, Some('+' | '-' | '.')) && (digit(second) || second == Some('.')));
    !looks_numeric
}

/// A cell from a user's file as quoted in a message: control characters escaped (so a terminal
/// shows them, not obeys them) and long cells cut, so an error never floods the screen.
pub fn quote_cell(cell: &str) -> String {
    const MAX_CHARS: usize = 40;
    let mut out: String = cell
        .chars()
        .take(MAX_CHARS)
        .collect::<String>()
        .escape_debug()
        .to_string();
    if cell.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    format!("'{out}'")
}

fn not_regular(meta: &std::fs::Metadata) -> std::io::Error {
    let ft = meta.file_type();
    let what = if ft.is_dir() {
        "a directory"
    } else {
        special_kind(&ft)
    };
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("it is {what}, not a regular file; give the path of a file"),
    )
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

fn too_large(kind: InputKind, len: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!(
            "it is {}, more than the {} limit for {}; give a smaller file",
            human(len),
            human(kind.max_bytes()),
            kind.what()
        ),
    )
}

/// Bytes in binary units, e.g. `64 MiB`, `1.5 GiB`.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.toml");
        std::fs::write(&path, "name = \"x\"\n").unwrap();
        assert_eq!(read_text(&path, InputKind::Toml).unwrap(), "name = \"x\"\n");
    }

    #[test]
    fn directories_and_devices_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_text(dir.path(), InputKind::Toml).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        #[cfg(unix)]
        {
            let e = read_text(Path::new("/dev/zero"), InputKind::Data).unwrap_err();
            assert!(e.to_string().contains("a device"), "{e}");
        }
    }

    #[test]
    fn a_file_over_the_cap_is_refused_naming_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        let f = std::fs::File::create(&path).unwrap();
        // Sparse: no disk is used.
        f.set_len(InputKind::Toml.max_bytes() + 1).unwrap();
        let e = read_text(&path, InputKind::Toml).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("64 MiB"), "{e}");
    }

    #[test]
    fn a_stream_longer_than_the_cap_stops_at_the_cap() {
        let e = read_bounded(std::io::repeat(b'0'), 0, 1024, "test files").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("1 KiB"), "{e}");
        assert_eq!(read_bounded(&b"12"[..], 2, 2, "x").unwrap(), b"12");
    }

    #[test]
    fn text_that_is_not_utf8_names_the_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, b"12\n\xff\n").unwrap();
        let e = read_text(&path, InputKind::Data).unwrap_err();
        assert!(e.to_string().contains("byte 3"), "{e}");
    }

    #[test]
    fn headers_are_words_and_malformed_numbers_are_not() {
        for header in [
            "timestamp",
            "t",
            "time,doc",
            "\"t\"",
            "inf",
            "NaN",
            "-x",
            "",
        ] {
            assert!(is_header_cell(header), "{header}");
        }
        for value in [
            "1e",
            "2026-02-31T00:00:00Z",
            "-5x",
            "+1",
            ".5q",
            "-.5",
            "0x10",
        ] {
            assert!(!is_header_cell(value), "{value}");
        }
        assert_eq!(strip_bom("\u{feff}12\n"), "12\n");
        assert_eq!(strip_bom("12"), "12");
    }

    #[test]
    fn quoted_cells_are_escaped_and_cut() {
        assert_eq!(quote_cell("ab"), "'ab'");
        assert_eq!(quote_cell("a\u{1b}[31m"), "'a\\u{1b}[31m'");
        let long = "9".repeat(100);
        assert_eq!(quote_cell(&long), format!("'{}…'", "9".repeat(40)));
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(human(64 << 20), "64 MiB");
        assert_eq!(human(1 << 30), "1 GiB");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(12), "12 bytes");
    }
}
