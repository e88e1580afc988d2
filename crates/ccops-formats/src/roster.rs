//! `roster` exchange format.
