//! `synack-plugin`: install, remove or check synack's Wireshark plugin.
//!
//!   cargo run --release -p synack-plugin -- install     build and install for the current user
//!   cargo run --release -p synack-plugin -- uninstall   remove it
//!   cargo run --release -p synack-plugin -- check [SO]  compare a plugin with the installed Wireshark
//!   synack-plugin profile DIR                           write the synack profile into DIR (packaging)

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["install"] => synack_plugin::install::install(),
        ["uninstall"] => synack_plugin::install::uninstall(),
        ["check"] => synack_plugin::install::check(None),
        ["check", path] => synack_plugin::install::check(Some(path.into())),
        ["profile", dir] => synack_plugin::install::write_profile(std::path::Path::new(dir))
            .map(|()| format!("wrote the synack profile in {dir}")),
        _ => {
            eprintln!(
                "usage: synack-plugin install | uninstall | check [PLUGIN.so] | profile DIR\n\
                 \n  install    copy the built plugin to ~/.local/lib/wireshark/plugins/<major.minor>/epan/synack.so\
                 \n  uninstall  remove it\
                 \n  check      open the installed plugin (or PLUGIN.so) and compare its Wireshark version with tshark's\
                 \n  profile    write the synack profile's files into DIR (a package's global profile)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("synack-plugin: {msg}");
            ExitCode::from(1)
        }
    }
}
