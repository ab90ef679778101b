//! Input files read safely (a regular file under a size cap) and TOML parsed with key paths: the
//! lowest layer of reading, shared by `config` and `pricing`, importing neither.

pub mod file;
pub mod toml;

pub use file::{InputKind, read_text};
