//! IR text parsing: arbitrary text never panics the parser or the verifier,
//! and anything that parses prints back to text that parses to the same
//! block (the printer and parser agree on every accepted input, not only on
//! blocks vexil produced). The second half of the input drives the random
//! block generator, whose blocks must round-trip exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vexil_ir::testgen::{ByteEntropy, GenConfig, random_irsb};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(irsb) = vexil_ir::parse_irsb(&text) {
        let _ = vexil_ir::verify(&irsb);
        let printed = irsb.to_string();
        let again = vexil_ir::parse_irsb(&printed).expect("printed IR must parse");
        assert_eq!(again, irsb, "print/parse changed the block:\n{printed}");
        assert_eq!(again.to_string(), printed);
    }
    let mut e = ByteEntropy::new(data);
    let irsb = random_irsb(&mut e, &GenConfig::default());
    let printed = irsb.to_string();
    let parsed = vexil_ir::parse_irsb(&printed).expect("generated IR must parse");
    assert_eq!(parsed, irsb);
});
