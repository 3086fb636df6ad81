//! Call queue: who to call next on a call list, and which number to dial.
