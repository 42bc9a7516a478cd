"""Ground-level text helpers every stage may import: URL canonicalization (`urls`), text
normalization (`normalize`) and script/language detection (`language`)."""
