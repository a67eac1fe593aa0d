//! Fuzzes the profile decoder: any input must give a profile or an error, never a panic, a
//! hang or an allocation beyond what the input could hold; and a profile that decodes must
//! survive encode → decode unchanged and print as `-raw` does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sextant_profile::Profile;

fuzz_target!(|data: &[u8]| {
    let Ok(profile) = Profile::parse(data) else { return };
    let again = Profile::parse(&profile.encode()).expect("our own encoding must decode");
    assert_eq!(again, profile, "decode(encode(p)) must equal p");
    let _ = profile.to_string();
});
