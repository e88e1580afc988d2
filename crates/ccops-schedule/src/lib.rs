//! Scheduling engine: shift scheduling (LP/MIP bound + heuristics), rostering, breaks, checker.
//! Pure: no I/O.
