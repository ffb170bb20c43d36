use std::fmt;

/// The error categories of SPEC.md section 4.6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Truncated,
    TooLarge,
    Malformed,
    UnknownKind,
}

impl Category {
    /// The category's name as SPEC.md and the vectors spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Truncated => "truncated",
            Category::TooLarge => "too_large",
            Category::Malformed => "malformed",
            Category::UnknownKind => "unknown_kind",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A frame or payload that breaks SPEC.md sections 3 or 4. It carries a
/// static detail so that building it never allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub category: Category,
    pub detail: &'static str,
}

impl DecodeError {
    pub(crate) const fn new(category: Category, detail: &'static str) -> Self {
        DecodeError { category, detail }
    }

    pub(crate) const fn malformed(detail: &'static str) -> Self {
        DecodeError::new(Category::Malformed, detail)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.category, self.detail)
    }
}

impl std::error::Error for DecodeError {}

/// A message that no encoder may send (SPEC.md section 4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    EmptyUri,
    EmptyName,
    TooLarge,
    /// A string the runner would reject for its length (SPEC.md 6.7).
    OverLimit {
        field: &'static str,
        len: usize,
        limit: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let EncodeError::OverLimit { field, len, limit } = self {
            return write!(
                f,
                "encode: {field} of {len} bytes exceeds the limit of {limit} bytes"
            );
        }
        f.write_str(match self {
            EncodeError::EmptyUri => "encode start: empty uri",
            EncodeError::EmptyName => "encode marker: empty name",
            EncodeError::TooLarge => "encode: payload larger than 65536 bytes",
            EncodeError::OverLimit { .. } => unreachable!(),
        })
    }
}

impl std::error::Error for EncodeError {}
