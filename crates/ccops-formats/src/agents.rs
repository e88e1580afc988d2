//! `agents` exchange format.
