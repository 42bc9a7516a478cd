"""Ground-level text helpers every stage may import: URL canonicalization (`urls`), text
normalization (`normalize`), script/language detection (`language`) and plain-text tables
(`table`)."""
