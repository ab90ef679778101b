//! The `[batching]` section: documents grouped into batches (case files), whether documents of a
//! batch may share memory, and the cost of rebuilding context between them.

use serde::Serialize;

use super::super::dist::{Dist, Support};
use super::super::raw::RawBatching;
use super::document::{MAX_DOCUMENT_SECONDS, MAX_TOKENS};
use super::value::{Ctx, nn, scope};
use crate::error::Problems;

/// Documents of one batch (case file): a batch is drawn whole, so this bounds memory per draw.
pub const MAX_DOCUMENTS_PER_BATCH: f64 = 10_000.0;

/// A session or invocation boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// One per document.
    PerDocument,
    /// One per batch (case file).
    PerBatch,
}

/// Batching, validated.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Batching {
    pub documents_per_batch: Dist,
    pub mean_batch_size: f64,
    pub isolation: Scope,
    pub context_rebuild_seconds: Dist,
    pub context_rebuild_tokens: Dist,
}

/// The batch size and isolation, checked first: the month's volume (a trace counts batches) and
/// the other sections' sharing rules depend on them.
pub(crate) struct BatchSize {
    pub(crate) documents_per_batch: Dist,
    pub(crate) mean_batch_size: f64,
    pub(crate) isolation: Scope,
}

impl BatchSize {
    pub(crate) fn from_raw(b: &RawBatching, ctx: &Ctx, p: &mut Problems) -> BatchSize {
        let documents_per_batch = ctx.dist(
            p,
            &b.documents_per_batch,
            "batching.documents_per_batch",
            1.0,
            (Support::Positive, MAX_DOCUMENTS_PER_BATCH),
        );
        BatchSize {
            mean_batch_size: documents_per_batch.mean().round().max(1.0),
            documents_per_batch,
            isolation: scope(b.isolation, Scope::PerDocument),
        }
    }
}

impl Batching {
    /// Completes the section's checks after [`BatchSize::from_raw`].
    pub(crate) fn from_raw(
        b: &RawBatching,
        size: BatchSize,
        ctx: &Ctx,
        p: &mut Problems,
    ) -> Batching {
        Batching {
            documents_per_batch: size.documents_per_batch,
            mean_batch_size: size.mean_batch_size,
            isolation: size.isolation,
            context_rebuild_seconds: ctx.dist(
                p,
                &b.context_rebuild_seconds,
                "batching.context_rebuild_seconds",
                0.0,
                nn(MAX_DOCUMENT_SECONDS),
            ),
            context_rebuild_tokens: ctx.dist(
                p,
                &b.context_rebuild_tokens,
                "batching.context_rebuild_tokens",
                0.0,
                nn(MAX_TOKENS),
            ),
        }
    }
}
