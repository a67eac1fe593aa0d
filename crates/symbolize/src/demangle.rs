//! Rust symbol names as people write them: `myapp::server::handle`, hash suffix dropped.

/// Demangles a Rust symbol (legacy `_ZN..E` or v0 `_R..`) without its hash suffix.
///
/// Names that are not Rust symbols come back unchanged (C functions such as `memcpy`).
/// Trait impls keep their form: `<T as Trait>::method`.
pub fn demangle(name: &str) -> String {
    match rustc_demangle::try_demangle(name) {
        // The alternate form omits the `::h0123456789abcdef` hash of legacy symbols and the
        // crate disambiguators of v0 symbols.
        Ok(d) => format!("{d:#}"),
        Err(_) => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::demangle;

    #[test]
    fn legacy_names_lose_their_hash_and_keep_the_module_path() {
        assert_eq!(
            demangle("_ZN5myapp6server6handle17h0123456789abcdefE"),
            "myapp::server::handle"
        );
    }

    #[test]
    fn trait_impls_keep_their_form() {
        assert_eq!(
            demangle(
                "_ZN49_$LT$myapp..Foo$u20$as$u20$core..fmt..Display$GT$3fmt17h0123456789abcdefE"
            ),
            "<myapp::Foo as core::fmt::Display>::fmt"
        );
    }

    #[test]
    fn v0_names_lose_their_disambiguators() {
        assert_eq!(
            demangle("_RNvNtCs1234_5myapp6server6handle"),
            "myapp::server::handle"
        );
    }

    #[test]
    fn c_names_pass_through() {
        assert_eq!(demangle("memcpy"), "memcpy");
    }
}
