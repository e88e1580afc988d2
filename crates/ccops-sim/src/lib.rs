//! Discrete-event simulation of a multi-skill, multi-channel contact center. Pure: no I/O.
