//! Installing the built plugin where Wireshark looks for personal plugins, removing it, and
//! checking an installed copy against the installed Wireshark.
//!
//! Wireshark loads personal plugins from `~/.local/lib/wireshark/plugins/<major.minor>/epan/`
//! and only if the plugin was built for that same major.minor ("was compiled for Wireshark
//! version X" otherwise). The file name must end in `.so`, and there must be one copy only:
//! two files registering protocol `synack` abort Wireshark with "Duplicate protocol name".

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ffi::load::{read_plugin, PluginInfo};

/// Major.minor of a version string: `4.0.17` → (4, 0).
pub fn major_minor(v: &str) -> Option<(i32, i32)> {
    let mut p = v.trim().split('.');
    Some((p.next()?.parse().ok()?, p.next()?.parse().ok()?))
}

/// The personal plugin folder for Wireshark `major.minor` under `home`.
pub fn plugin_dir(home: &Path, (major, minor): (i32, i32)) -> PathBuf {
    home.join(format!(".local/lib/wireshark/plugins/{major}.{minor}/epan"))
}

/// The installed Wireshark's version, from `tshark --version` (first line ends in the version).
pub fn installed_wireshark() -> Option<String> {
    let out = Command::new("tshark").arg("--version").env("LC_ALL", "C").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next()?;
    // "TShark (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3)."
    first
        .split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('.'))
        .map(|w| w.trim_end_matches('.').to_string())
}

/// The plugin .so next to the running installer (cargo puts both in `target/<profile>/`).
pub fn built_plugin() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the installer's path: {e}"))?;
    let so = exe.with_file_name("libsynack_plugin.so");
    if so.exists() {
        Ok(so)
    } else {
        Err(format!("{} not found: build it with `cargo build --release -p synack-plugin`", so.display()))
    }
}

fn home() -> Result<PathBuf, String> {
    std::env::var_os("HOME").map(PathBuf::from).ok_or_else(|| "HOME is not set".to_string())
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// The profile's files: columns, colouring rules (Wireshark's own follow, added at install
/// time from its global folder) and filter buttons.
const PROFILE: [(&str, &str); 3] = [
    ("preferences", include_str!("../profile/preferences")),
    ("colorfilters", include_str!("../profile/colorfilters")),
    ("dfilter_buttons", include_str!("../profile/dfilter_buttons")),
];

/// Wireshark's personal configuration folder: `$XDG_CONFIG_HOME/wireshark`, else
/// `~/.config/wireshark`.
pub fn config_dir(home: &Path) -> PathBuf {
    match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x).join("wireshark"),
        None => home.join(".config/wireshark"),
    }
}

/// Wireshark's global configuration folder (its default colouring rules), as tshark names it.
fn global_config() -> PathBuf {
    Command::new("tshark")
        .args(["-G", "folders"])
        .env("LC_ALL", "C")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("Global configuration:").map(|d| PathBuf::from(d.trim())))
        })
        .unwrap_or_else(|| PathBuf::from("/usr/share/wireshark"))
}

/// Write the `synack` profile under `config` (Wireshark's personal configuration folder):
/// `wireshark -C synack` opens it. Returns its folder.
pub fn install_profile(config: &Path) -> Result<PathBuf, String> {
    let dir = config.join("profiles/synack");
    write_profile(&dir)?;
    Ok(dir)
}

/// Write the profile's files into `dir` (created if need be): a personal profile, or a global
/// one under Wireshark's data folder in a package.
pub fn write_profile(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, text) in PROFILE {
        let mut text = text.to_string();
        // A profile's colouring rules replace Wireshark's: keep those after synack's.
        if name == "colorfilters" {
            if let Ok(global) = std::fs::read_to_string(global_config().join("colorfilters")) {
                text.extend(global.lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")));
            }
        }
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Copy the built plugin to the personal folder of the Wireshark it was built for, and write
/// the `synack` profile.
pub fn install() -> Result<String, String> {
    let so = built_plugin()?;
    let info = read_plugin(&so)?;
    let dir = plugin_dir(&home()?, info.want);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let dest = dir.join("synack.so");
    // Copy to a temporary name and rename, so a running Wireshark never maps a half-written file.
    let tmp = dir.join(".synack.so.tmp");
    std::fs::copy(&so, &tmp).map_err(|e| format!("cannot copy to {}: {e}", tmp.display()))?;
    // The build keeps debug info for profiling; Wireshark needs none of it (most of the file).
    let stripped = Command::new("strip").arg("--strip-debug").arg(&tmp).status().is_ok_and(|s| s.success());
    std::fs::rename(&tmp, &dest).map_err(|e| format!("cannot install {}: {e}", dest.display()))?;
    let profile = install_profile(&config_dir(&home()?))?;
    let mut msg = format!(
        "installed synack {} for Wireshark {}.{} as {}\nprofile with state columns, colours and filter buttons: {} \
         (wireshark -C synack)",
        info.version,
        info.want.0,
        info.want.1,
        dest.display(),
        profile.display()
    );
    if !stripped {
        msg.push_str("\nnote: strip (binutils) did not run: the plugin keeps its debug info");
    }
    if running_as_root() {
        msg.push_str(
            "\nnote: run as root, tshark and Wireshark ignore personal plugins; use them as a normal user, or as root \
             through `unshare -U env WIRESHARK_PLUGIN_DIR=... tshark`",
        );
    }
    Ok(msg)
}

/// Remove the installed plugin.
pub fn uninstall() -> Result<String, String> {
    let so = built_plugin().ok().and_then(|p| read_plugin(&p).ok());
    let want = so
        .map(|i| i.want)
        .or_else(|| installed_wireshark().as_deref().and_then(major_minor))
        .ok_or("cannot tell the Wireshark version")?;
    let dest = plugin_dir(&home()?, want).join("synack.so");
    match std::fs::remove_file(&dest) {
        Ok(()) => Ok(format!("removed {}", dest.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(format!("nothing to remove: {} does not exist", dest.display()))
        }
        Err(e) => Err(format!("cannot remove {}: {e}", dest.display())),
    }
}

/// Check a plugin file (default: the installed one) against the installed Wireshark.
pub fn check(path: Option<PathBuf>) -> Result<String, String> {
    let installed = installed_wireshark();
    let mm = installed.as_deref().and_then(major_minor);
    let path = match path {
        Some(p) => p,
        None => {
            plugin_dir(&home()?, mm.ok_or("tshark is not installed: cannot tell which plugin folder Wireshark reads")?)
                .join("synack.so")
        }
    };
    let info: PluginInfo = read_plugin(&path)?;
    verdict(&path, &info, installed.as_deref())
}

/// Whether the installed Wireshark (`installed`, e.g. `4.0.17`) will load a plugin that says
/// `info` about itself, and if not, how to fix it.
pub fn verdict(path: &Path, info: &PluginInfo, installed: Option<&str>) -> Result<String, String> {
    let mm = installed.and_then(major_minor);
    let mut msg = format!(
        "{}: synack {}, built for Wireshark {}.{}; installed Wireshark: {}",
        path.display(),
        info.version,
        info.want.0,
        info.want.1,
        installed.unwrap_or("not found")
    );
    if !info.has_register {
        return Err(format!("{msg}\nplugin_register is missing: this is not a Wireshark plugin"));
    }
    match mm {
        Some(v) if v != info.want => Err(format!(
            "{msg}\nmismatch: Wireshark {}.{} will refuse it (\"was compiled for Wireshark version {}.{}\").\n\
             fix: install the development files of the installed Wireshark (libwireshark-dev {}.{}) and run \
             `cargo run --release -p synack-plugin -- install` again",
            v.0, v.1, info.want.0, info.want.1, v.0, v.1
        )),
        Some((4, m)) if m >= 2 && !info.has_describe => {
            Err(format!("{msg}\nplugin_describe is missing: Wireshark 4.2+ will list it as an unknown plugin type; rebuild against 4.2+"))
        }
        Some(_) => {
            msg.push_str("\nok: versions match");
            Ok(msg)
        }
        None => Ok(msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_follows_major_minor() {
        assert_eq!(major_minor("4.0.17"), Some((4, 0)));
        assert_eq!(
            plugin_dir(Path::new("/home/u"), (4, 4)),
            PathBuf::from("/home/u/.local/lib/wireshark/plugins/4.4/epan")
        );
    }

    #[test]
    fn a_plugin_for_another_wireshark_is_refused_with_the_fix() {
        let info = PluginInfo { version: "0.1.0".into(), want: (4, 4), has_register: true, has_describe: true };
        let e = verdict(Path::new("x.so"), &info, Some("4.0.17")).unwrap_err();
        assert!(e.contains("was compiled for Wireshark version 4.4") && e.contains("libwireshark-dev 4.0"), "{e}");
        let ok = PluginInfo { want: (4, 0), has_describe: false, ..info.clone() };
        assert!(verdict(Path::new("x.so"), &ok, Some("4.0.17")).is_ok());
        // 4.2+ wants plugin_describe.
        let old = PluginInfo { want: (4, 4), has_describe: false, ..info };
        assert!(verdict(Path::new("x.so"), &old, Some("4.4.19")).unwrap_err().contains("plugin_describe"));
    }
}
