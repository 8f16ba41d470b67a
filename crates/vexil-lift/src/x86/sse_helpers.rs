//! Pure helpers of the vector instructions (SSE4.2 string compares).

use crate::helpers::HelperFn;

/// The vector helper named `name`.
pub(crate) fn pure(name: &str) -> Option<HelperFn> {
    let _ = name;
    None
}
