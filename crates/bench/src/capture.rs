//! Records the SQL the in-process server issues, through diesel's instrumentation.
//!
//! The recorder is installed as diesel's default instrumentation before the server opens its
//! pool, so every connection the server makes reports each statement as diesel's
//! `debug_query` renders it (`SQL -- binds: [..]`). It records only between [`start`] and
//! [`stop`], which the anchor calls around one request at a time; otherwise the cost is one
//! relaxed atomic load per statement.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use diesel::connection::{set_default_instrumentation, Instrumentation, InstrumentationEvent};

static RECORDING: AtomicBool = AtomicBool::new(false);
static STATEMENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn recorder() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(|event: InstrumentationEvent<'_>| {
        if !RECORDING.load(Ordering::Relaxed) {
            return;
        }
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            if let Ok(mut statements) = STATEMENTS.lock() {
                statements.push(query.to_string());
            }
        }
    }))
}

/// Makes every diesel connection opened from now on report its statements to the recorder.
pub fn install() {
    if let Err(e) = set_default_instrumentation(recorder) {
        eprintln!("cannot record the server's SQL, anchors will be empty: {e}");
    }
}

/// Starts recording (dropping anything recorded before).
pub fn start() {
    if let Ok(mut statements) = STATEMENTS.lock() {
        statements.clear();
    }
    RECORDING.store(true, Ordering::SeqCst);
}

/// Stops recording and returns the statements seen since [`start`].
pub fn stop() -> Vec<String> {
    RECORDING.store(false, Ordering::SeqCst);
    STATEMENTS
        .lock()
        .map(|mut s| std::mem::take(&mut *s))
        .unwrap_or_default()
}
