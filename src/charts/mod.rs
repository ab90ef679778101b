//! Charts drawn with plotters from the report model: each answers one question, renders to SVG
//! (text as text) and to PNG at 2× with a bundled font, byte for byte the same for the same inputs.

mod draw;
pub mod figures;
mod render;

#[cfg(test)]
mod tests;
