//! `requirements` exchange format.
