//! Queueing engine: Erlang B/C/A/X, chat with concurrency, deferred work, staffing solver.
//! Pure: no I/O.
