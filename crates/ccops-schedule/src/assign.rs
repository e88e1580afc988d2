//! Assigning given open shifts to agents (the `roster_*.json` benchmark). Filled in below.
