//! A replication's patterns running through its month's draws each at its own pace, on the
//! thread pool: the draws run a few chunks ahead of the slowest pattern, and a pattern takes
//! the next chunk as soon as it is drawn. Nothing waits for a chunk's slowest pattern, so three
//! streams of work (the draws and two patterns) keep two cores busy, where drawing and
//! simulating in lock step left one core idle for part of every chunk.
//!
//! Every pattern still sees every step in the same order, so the results are those of the
//! in-turn loop whatever the thread count; an overload is the first a sequential run meets
//! (chunk, step, then pattern).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::Lane;
use super::draws::{Chunk, MonthDraws};
use crate::pattern::Pattern;
use crate::sampling::Document;

/// Chunks drawn ahead of the slowest pattern: enough that the faster pattern rarely waits for
/// the slower one to free a chunk (4 chunks of 8,192 documents left the cores idle a tenth of the
/// time on kyc), few enough that they hold about 4 MB (16 × 2,048 documents of 128 bytes),
/// whatever the month's length.
const AHEAD: usize = 16;

/// An overload found: (chunk, step within it, pattern's position, units waiting, time).
type Found = (u64, usize, usize, usize, f64);

/// Where one pattern stands.
#[derive(Clone, Copy, Default)]
struct At {
    /// The chunk it runs next.
    next: u64,
    /// A task is running it.
    busy: bool,
    /// It has run the whole month, or past the first overload.
    done: bool,
}

/// What the tasks share, behind one lock held only between chunks.
struct Board {
    /// Drawn chunks some pattern still has to run, numbered from `first`.
    drawn: VecDeque<Arc<Chunk>>,
    first: u64,
    /// Emptied chunks to draw into again.
    spare: Vec<Chunk>,
    drawing: bool,
    /// The empty chunk that ends the month has been drawn.
    ended: bool,
    at: Vec<At>,
    overload: Option<Found>,
    /// Documents run by the first pattern and not yet reported.
    unreported: u64,
}

impl Board {
    /// Whether a draw should start: room ahead, the month not over, and someone to run it.
    fn wants_draw(&self) -> bool {
        !self.drawing && !self.ended && self.drawn.len() < AHEAD && self.at.iter().any(|a| !a.done)
    }

    /// Drops the chunks every pattern has run, keeping their buffers.
    fn release(&mut self) {
        while !self.drawn.is_empty() && self.at.iter().all(|a| a.done || a.next > self.first) {
            let chunk = self.drawn.pop_front().expect("not empty");
            self.first += 1;
            if let Ok(chunk) = Arc::try_unwrap(chunk) {
                self.spare.push(chunk);
            }
        }
    }

    /// The chunk pattern `i` runs next, if drawn.
    fn chunk_for(&self, i: usize) -> Option<Arc<Chunk>> {
        let k = usize::try_from(self.at[i].next - self.first).ok()?;
        self.drawn.get(k).cloned()
    }
}

/// The state a run shares between its tasks.
struct Run<'r, 'l, 's> {
    board: Mutex<Board>,
    draws: Mutex<(&'r mut MonthDraws<'s>, Option<&'r mut Vec<Document>>)>,
    lanes: Vec<Mutex<&'r mut Lane<'l>>>,
    max_backlog: usize,
    tick: &'r (dyn Fn(u64) + Sync),
    report_every: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking task makes the scope panic; a poisoned lock only matters for that message.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs every lane through the month `draws` yields (appending its documents to `kept`), on the
/// thread pool; returns the first overload: (pattern, units waiting, time).
pub(super) fn run<'l>(
    lanes: Vec<(&'static dyn Pattern, &mut Lane<'l>)>,
    draws: &mut MonthDraws<'_>,
    kept: Option<&mut Vec<Document>>,
    max_backlog: usize,
    (tick, report_every): (&(dyn Fn(u64) + Sync), u64),
) -> Option<(&'static dyn Pattern, usize, f64)> {
    let (patterns, lanes): (Vec<_>, Vec<_>) = lanes.into_iter().unzip();
    let run = Run {
        board: Mutex::new(Board {
            drawn: VecDeque::new(),
            first: 0,
            spare: Vec::new(),
            drawing: true,
            ended: false,
            at: vec![At::default(); lanes.len()],
            overload: None,
            unreported: 0,
        }),
        draws: Mutex::new((draws, kept)),
        lanes: lanes.into_iter().map(Mutex::new).collect(),
        max_backlog,
        tick,
        report_every,
    };
    rayon::scope(|sc| sc.spawn(|sc| draw(sc, &run)));
    let board = run
        .board
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    tick(board.unreported);
    board
        .overload
        .map(|(_, _, i, waiting, t)| (patterns[i], waiting, t))
}

/// Draws chunks while there is room ahead, waking each pattern whose next chunk it drew.
fn draw<'a>(sc: &rayon::Scope<'a>, run: &'a Run<'_, '_, '_>) {
    loop {
        let mut chunk = lock(&run.board).spare.pop().unwrap_or_default();
        {
            let mut draws = lock(&run.draws);
            let (month, kept) = &mut *draws;
            month.fill(&mut chunk);
            if let Some(kept) = kept {
                kept.extend_from_slice(&chunk.docs);
            }
        }
        let mut b = lock(&run.board);
        b.ended = chunk.steps.is_empty();
        b.drawn.push_back(Arc::new(chunk));
        for i in 0..b.at.len() {
            let a = b.at[i];
            if !a.busy && !a.done && b.chunk_for(i).is_some() {
                b.at[i].busy = true;
                sc.spawn(move |sc| simulate(sc, run, i));
            }
        }
        b.drawing = false;
        if !b.wants_draw() {
            return;
        }
        b.drawing = true;
    }
}

/// Runs pattern `i` through every drawn chunk it has not run, then waits to be woken.
fn simulate<'a>(sc: &rayon::Scope<'a>, run: &'a Run<'_, '_, '_>, i: usize) {
    loop {
        let chunk = lock(&run.board)
            .chunk_for(i)
            .expect("a pattern runs only when its next chunk is drawn");
        let found = lock(&run.lanes[i]).run(&chunk, run.max_backlog);
        let (documents, over) = (chunk.docs.len() as u64, chunk.steps.is_empty());
        drop(chunk);
        let mut b = lock(&run.board);
        let k = b.at[i].next;
        b.at[i].next += 1;
        if let Some((step, waiting, t)) = found {
            b.at[i].done = true;
            let f = (k, step, i, waiting, t);
            if b.overload.is_none_or(|o| (k, step, i) < (o.0, o.1, o.2)) {
                b.overload = Some(f);
            }
        }
        // Past the first overload nothing this pattern does can come earlier.
        if over || b.overload.is_some_and(|o| k >= o.0) {
            b.at[i].done = true;
        }
        let mut report = 0;
        if i == 0 {
            b.unreported += documents;
            if b.unreported >= run.report_every {
                report = std::mem::take(&mut b.unreported);
            }
        }
        b.release();
        if b.wants_draw() {
            b.drawing = true;
            sc.spawn(|sc| draw(sc, run));
        }
        let idle = b.at[i].done || b.chunk_for(i).is_none();
        if idle {
            b.at[i].busy = false;
        }
        drop(b);
        if report > 0 {
            (run.tick)(report);
        }
        if idle {
            return;
        }
    }
}
