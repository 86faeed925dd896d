//! Reading an installed plugin's exported symbols with libloading, for `synack-plugin check`.

use std::ffi::{c_char, c_int, CStr};
use std::path::Path;

/// What a plugin .so says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// `plugin_version`.
    pub version: String,
    /// `plugin_want_major`, `plugin_want_minor`: the Wireshark it was built for.
    pub want: (i32, i32),
    /// `plugin_register` is exported.
    pub has_register: bool,
    /// `plugin_describe` is exported (needed by Wireshark 4.2+).
    pub has_describe: bool,
}

/// Open the shared object at `path` and read its plugin symbols.
pub fn read_plugin(path: &Path) -> Result<PluginInfo, String> {
    // SAFETY: loading runs the library's initialisers; synack's plugin has none beyond the
    // dynamic linker's, and libwireshark's are those tshark runs too.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| format!("cannot load {}: {e}", path.display()))?;
    // SAFETY: each symbol is read with the type the plugin ABI gives it: a char array, two ints,
    // and functions (only their presence is checked, they are not called).
    unsafe {
        let version = lib
            .get::<*const c_char>(b"plugin_version\0")
            .map(|s| CStr::from_ptr(*s).to_string_lossy().into_owned())
            .map_err(|e| format!("{}: no plugin_version: {e}", path.display()))?;
        let int = |name: &[u8]| -> Result<i32, String> {
            lib.get::<*const c_int>(name).map(|s| **s).map_err(|e| {
                format!("{}: no {}: {e}", path.display(), String::from_utf8_lossy(&name[..name.len() - 1]))
            })
        };
        let want = (int(b"plugin_want_major\0")?, int(b"plugin_want_minor\0")?);
        let has_register = lib.get::<unsafe extern "C" fn()>(b"plugin_register\0").is_ok();
        let has_describe = lib.get::<unsafe extern "C" fn() -> u32>(b"plugin_describe\0").is_ok();
        Ok(PluginInfo { version, want, has_register, has_describe })
    }
}
