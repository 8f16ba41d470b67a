//! Where the code is: executable regions and known code addresses, as plain
//! data for code discovery (which lives in vexil-lift and does not know ELF).
//!
//! Regions come from the executable sections when the file has section
//! headers, because toolchains that do not separate code from read-only data
//! (common on MIPS) put `.rodata`, `.eh_frame` and the ELF headers in the
//! same executable segment, and sweeping those as code would count data as
//! instructions. Without sections, the executable segments are used. On ARM,
//! regions are split at the mapping symbols (`$a`, `$t`, `$d`): literal pools
//! are left out and each piece is decoded in its own instruction set.

use crate::Image;
use crate::image::MapKind;
use vexil_ir::{Arch, IsaMode};

/// A run of executable bytes decoded in one ISA mode.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CodeRegion<'a> {
    /// Virtual address of `bytes[0]`.
    pub addr: u64,
    /// File offset of `bytes[0]`.
    pub offset: u64,
    /// The bytes.
    pub bytes: &'a [u8],
    /// The instruction set the region is decoded in.
    pub mode: IsaMode,
}

impl Image {
    /// The executable bytes of the file, in address order.
    pub fn code_regions(&self) -> Vec<CodeRegion<'_>> {
        let mut spans: Vec<(u64, u64)> = self
            .sections()
            .iter()
            .filter(|s| s.is_alloc() && s.is_exec() && s.has_file_data() && s.size > 0)
            .map(|s| (s.addr, s.addr.saturating_add(s.size)))
            .collect();
        if spans.is_empty() {
            spans = self.exec_ranges().map(|r| (r.start, r.end)).collect();
        }
        spans.sort_unstable();
        let mut out = Vec::new();
        for (start, end) in spans {
            for (lo, hi, mode) in self.mode_runs(start, end) {
                // Keep only what the file backs and an executable segment maps.
                let Ok(bytes) = self.code_at(lo) else {
                    continue;
                };
                let Some(seg) = self.segment_at(lo) else {
                    continue;
                };
                let len = usize::try_from(hi - lo)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                if len == 0 {
                    continue;
                }
                out.push(CodeRegion {
                    addr: lo,
                    offset: seg.offset + (lo - seg.vaddr),
                    bytes: &bytes[..len],
                    mode,
                });
            }
        }
        out
    }

    /// Splits `[start, end)` into runs of one ISA mode (ARM mapping symbols);
    /// data runs are dropped. Other architectures give one run.
    fn mode_runs(&self, start: u64, end: u64) -> Vec<(u64, u64, IsaMode)> {
        if self.arch() != Arch::Arm || self.arm_map.is_empty() {
            let mode = if self.arch() == Arch::Arm {
                self.isa_mode_at(start).unwrap_or(self.entry_mode())
            } else {
                IsaMode::Default
            };
            return vec![(start, end, mode)];
        }
        let mut runs = Vec::new();
        let first = self.arm_map.partition_point(|&(a, _)| a <= start);
        let mut cur = start;
        let mut kind = first.checked_sub(1).map(|i| self.arm_map[i].1);
        for &(a, k) in &self.arm_map[first..] {
            if a >= end {
                break;
            }
            push_run(&mut runs, cur, a, kind);
            cur = a;
            kind = Some(k);
        }
        push_run(&mut runs, cur, end, kind);
        runs
    }

    /// Addresses known to start code: the entry point, the start of each
    /// executable section, and every defined function symbol inside the code.
    pub fn code_starts(&self) -> Vec<(u64, IsaMode)> {
        let regions = self.code_regions();
        let inside = |a: u64| {
            regions
                .iter()
                .any(|r| a >= r.addr && a < r.addr + r.bytes.len() as u64)
        };
        let mut starts = vec![(self.entry(), self.entry_mode())];
        starts.extend(regions.iter().map(|r| (r.addr, r.mode)));
        starts.extend(
            self.symbols()
                .iter()
                .filter(|s| s.defined && s.kind.is_code() && s.addr != 0)
                .map(|s| (s.addr, s.mode)),
        );
        starts.retain(|&(a, _)| inside(a));
        let mut seen = std::collections::HashSet::new();
        starts.retain(|s| seen.insert(*s));
        starts
    }
}

fn push_run(runs: &mut Vec<(u64, u64, IsaMode)>, lo: u64, hi: u64, kind: Option<MapKind>) {
    if hi <= lo {
        return;
    }
    let mode = match kind {
        Some(MapKind::Data) => return,
        Some(MapKind::Thumb) => IsaMode::Thumb,
        Some(MapKind::Arm) | None => IsaMode::Default,
    };
    runs.push((lo, hi, mode));
}
