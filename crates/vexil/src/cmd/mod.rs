//! One module per subcommand. Each has an `Args` struct (clap derive) and a
//! `run(&Args, &mut dyn Write) -> anyhow::Result<Outcome>`; output goes to
//! the writer, errors are returned (main prints them and picks the exit
//! code).

pub mod bench;
pub mod coverage;
pub mod eval;
pub mod features;
pub mod info;
pub mod lift;
pub mod scan;
pub mod train;

use anyhow::Context;
use std::path::Path;
use vexil_loader::{Image, LoadOptions};

/// Loads an ELF file, with the path in the error.
pub fn load_image(path: &Path, opts: &LoadOptions) -> anyhow::Result<Image> {
    match Image::load_with(path, opts) {
        Ok(image) => Ok(image),
        // Already names the path: "cannot read FILE: No such file ...".
        Err(err @ vexil_loader::Error::Io { .. }) => Err(err.into()),
        Err(err) => Err(err).with_context(|| format!("cannot load {}", path.display())),
    }
}

/// Parses an address: `0x`-prefixed hex or decimal.
pub fn parse_addr(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => s.replace('_', "").parse::<u64>(),
    };
    r.map_err(|e| format!("`{s}` is not an address (0x-prefixed hex or decimal): {e}"))
}

/// `0x`-prefixed lower-case hex.
pub fn hex(v: u64) -> String {
    format!("{v:#x}")
}

/// Discovers and lifts all code of `image` with `guest` (the shared code
/// discovery of `vexil coverage`, `vexil bench` and feature extraction).
pub fn discover_image(
    image: &Image,
    guest: &dyn vexil_lift::Guest,
    opts: &vexil_lift::discover::DiscoverOptions,
) -> vexil_lift::discover::Discovery {
    let (regions, starts) = vexil_features::file::regions_and_starts(image);
    vexil_lift::discover::discover(guest, &regions, &starts, opts)
}

/// The lifter for an image, or an error naming what is missing.
pub fn guest_for_image(image: &Image) -> anyhow::Result<&'static dyn vexil_lift::Guest> {
    vexil_lift::guest_for(image.arch(), image.endian()).ok_or_else(|| {
        anyhow::anyhow!(
            "no lifter for {} ({}-endian) yet",
            image.arch(),
            image.endian()
        )
    })
}
