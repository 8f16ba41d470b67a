//! Loads arbitrary bytes as an ELF file (strict and tolerant), then calls
//! every `Image` accessor on addresses taken from the image itself and
//! from the input, so that nothing the loader accepted can panic later.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vexil_loader::{Image, LoadOptions};

fuzz_target!(|data: &[u8]| {
    for tolerate_bad_sections in [false, true] {
        let opts = LoadOptions {
            tolerate_bad_sections,
        };
        match Image::parse_with(data.to_vec(), &opts) {
            Ok(image) => exercise(&image, data),
            Err(err) => {
                let _ = err.to_string();
            }
        }
    }
});

fn exercise(image: &Image, data: &[u8]) {
    let _ = format!("{image:?}");
    let _ = (
        image.arch(),
        image.endian(),
        image.insn_endian(),
        image.bits(),
    );
    let _ = (
        image.format(),
        image.kind(),
        image.machine_name(),
        image.mips_abi(),
    );
    let _ = (
        image.is_static(),
        image.is_pie(),
        image.has_dynamic(),
        image.interpreter(),
    );
    for w in image.warnings() {
        let _ = w.to_string();
    }

    let mut addrs = vec![image.entry(), 0, u64::MAX, 1 << 32];
    for seg in image.program_headers() {
        let end = seg.vaddr.wrapping_add(seg.memsz);
        let fend = seg.vaddr.wrapping_add(seg.filesz);
        addrs.extend([
            seg.vaddr,
            end,
            end.wrapping_sub(1),
            fend,
            fend.wrapping_sub(1),
        ]);
        let _ = (
            seg.vaddr_range(),
            seg.file_vaddr_range(),
            seg.contains(seg.vaddr),
        );
    }
    for sec in image.sections() {
        addrs.push(sec.addr);
        let _ = (image.section_data(sec), sec.vaddr_range());
        let _ = image.section(&sec.name);
    }
    for sym in image.symbols().iter().take(256) {
        addrs.extend([sym.addr, sym.addr.wrapping_add(sym.size)]);
        let _ = image.symbol(&sym.name);
    }
    for r in image.exec_ranges() {
        addrs.extend([r.start, r.end]);
    }
    for r in image.code_regions() {
        addrs.extend([r.addr, r.addr.wrapping_add(r.bytes.len() as u64)]);
    }
    let _ = image.code_starts();
    // A few addresses straight from the input.
    for chunk in data.chunks_exact(8).take(8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        addrs.push(u64::from_le_bytes(b));
    }

    // Bounded work per input keeps the fuzzer fast on files with many
    // symbols; the interesting addresses (ends of ranges) come first.
    addrs.sort_unstable();
    addrs.dedup();
    for (i, &a) in addrs.iter().enumerate().take(96) {
        if i < 16 {
            let _ = image.read(a, 4096);
        }
        let _ = image.segment_at(a);
        let _ = image.code_at(a).map(<[u8]>::len);
        let _ = image.bytes_at(a).map(<[u8]>::len);
        let _ = image.read(a, 16);
        for size in [1, 2, 4, 8] {
            let _ = image.read_uint(a, size);
        }
        let _ = image.symbol_at(a);
        let _ = image.symbol_containing(a);
        let _ = image.isa_mode_at(a);
    }
}
