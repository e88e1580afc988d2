//! `staffing` exchange format.
