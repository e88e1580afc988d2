//! Calendar: Gregorian <-> Chinese lunar, Chinese statutory holidays (incl. 调休), user events.
//! Pure: no I/O (holiday files are parsed from strings handed in by the caller).
