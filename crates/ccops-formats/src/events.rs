//! `events` exchange format.
