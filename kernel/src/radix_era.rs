//! The radix-tree era (v4.x: `get_unlocked_mapping_entry()`, `lib/radix-tree.c`,
//! `tree_lock`): its own extract, driver and shims. Called by the build script
//! when [`crate::era::Era::detect`] finds that era.
//!
//! Not built yet: this stub makes the build fail with one sentence until the
//! radix-tree era's module replaces it.

use std::path::Path;

/// Builds the radix-tree era's kernel target from `src` into `out`.
pub fn build(src: &Path, out: &Path) -> Result<(), String> {
    let _ = (src, out);
    Err("radix-tree era (v4.x) support: not built yet".to_string())
}
