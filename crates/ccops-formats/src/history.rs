//! `history` exchange format.
