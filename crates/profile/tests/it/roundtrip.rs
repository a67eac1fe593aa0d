//! The codec on Go's own profiles: every fixture decodes, and encoding then decoding it gives
//! back the same profile.

use sextant_profile::Profile;

use crate::fixtures::{name, profiles, read};

#[test]
fn every_fixture_survives_encode_then_decode() {
    for path in profiles() {
        let p = read(&path);
        let again = Profile::parse(&p.encode())
            .unwrap_or_else(|e| panic!("{}: our encoding does not parse: {e}", name(&path)));
        assert!(again == p, "{}: decode(encode(p)) != p", name(&path));
        let mut gz = Vec::new();
        p.write(&mut gz).expect("writing to memory");
        assert!(
            Profile::parse(&gz).expect("gzip round trip") == p,
            "{}: gzip",
            name(&path)
        );
    }
}
