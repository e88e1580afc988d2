//! `contacts` exchange format.
