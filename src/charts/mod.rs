//! Charts: a drawing model rendered to SVG and PNG without system fonts, axes, and the report's figures.

pub mod canvas;
pub mod figures;
pub mod plot;
