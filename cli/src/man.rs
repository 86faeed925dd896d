//! Man pages from the command line's own definition: `synack man` for synack(1), `synack man
//! conv` for synack-conv(1), and so on for each subcommand, with a synopsis that names each
//! option's argument, EXAMPLES, EXIT STATUS and SEE ALSO.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_mangen::roff::{bold, italic, roman, Roff};

use crate::args::Cli;

/// Examples for a page: (command line, what it does).
fn examples(page: &str) -> &'static [(&'static str, &'static str)] {
    match page {
        "synack" => &[
            ("synack -r capture.pcap", "one line per packet, as tshark's, plus each endpoint's state"),
            ("synack -r capture.pcap -Y 'synack.stage == \"SYN+ACK\"'", "only the SYN+ACKs"),
            ("synack -r capture.pcap -Y 'tcp.port in {80, 443} && ip.addr == 10.0.0.0/8'", "tshark's filter language"),
            (
                "synack -r capture.pcap -T fields -e frame.number -e tcp.flags.str -e synack.state.server",
                "fields for programs, as tshark -T fields",
            ),
            ("synack -r capture.pcap -T json -e tcp.stream", "tshark's JSON"),
            ("tcpdump -w - | synack -r - -T fields -e tcp.options.mss_val", "from a pipe"),
        ],
        "conv" => &[
            ("synack conv -r capture.pcap", "one row per TCP connection, with its verdict"),
            ("synack conv -r capture.pcap -T csv > conns.csv", "for a spreadsheet"),
            ("synack conv -r capture.pcap -T json --lang ko", "for programs, the verdicts in Korean"),
        ],
        "ladder" => &[
            ("synack ladder -r capture.pcap --explain", "the first connection's handshake, step by step"),
            ("synack ladder -r capture.pcap --stream 3 --explain --lang ko", "stream 3, explained in Korean"),
        ],
        "watch" => &[
            ("synack watch -i eth0", "live: the connections on eth0, redrawn in place; q quits"),
            ("synack watch -r capture.pcap -Y 'tcp.port == 443' --interval 5", "a file, HTTPS only"),
        ],
        "completions" => &[
            ("synack completions bash > /etc/bash_completion.d/synack", "bash completion, field names after -e and -Y"),
            ("synack completions zsh > ~/.zfunc/_synack", "zsh"),
        ],
        "man" => &[
            ("synack man > synack.1", "this command's page"),
            ("synack man conv > synack-conv.1", "a subcommand's page"),
        ],
        _ => &[],
    }
}

/// The pages there are: synack, then one per subcommand.
pub(crate) fn pages() -> Vec<String> {
    let root = Cli::command();
    std::iter::once("synack".to_string())
        .chain(root.get_subcommands().filter(|s| s.get_name() != "help").map(|s| s.get_name().to_string()))
        .collect()
}

fn synopsis(cmd: &clap::Command, name: &str, roff: &mut Roff) {
    let mut line = vec![bold(name.replace('-', " "))];
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let flag = match (arg.get_short(), arg.get_long()) {
            (Some(s), _) => format!("-{s}"),
            (None, Some(l)) => format!("--{l}"),
            (None, None) => {
                let v = arg.get_value_names().and_then(|v| v.first()).map(|v| v.to_string()).unwrap_or_default();
                line.push(roman(" "));
                line.push(italic(v));
                continue;
            }
        };
        line.push(roman(" ["));
        line.push(bold(flag));
        let takes = arg.get_action().takes_values();
        if takes {
            let v = arg.get_value_names().and_then(|v| v.first()).map(|v| v.to_string());
            let v = v.unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
            line.push(roman(" "));
            line.push(italic(v));
        }
        line.push(roman("]"));
        if matches!(arg.get_action(), clap::ArgAction::Append) {
            line.push(roman("..."));
        }
    }
    if name == "synack" {
        line.push(roman(" ["));
        line.push(italic("COMMAND"));
        line.push(roman("]"));
    }
    roff.control("SH", ["SYNOPSIS"]).text(line);
}

/// Write page `page` (`synack`, `conv`, `ladder`, ...) in roff, ASCII only: troff reads
/// other characters (the help's arrows) as named glyphs, `\[u2192]`.
pub(crate) fn render(page: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut page_text = Vec::new();
    render_page(page, &mut page_text)?;
    let mut ascii = String::new();
    for c in String::from_utf8_lossy(&page_text).chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            ascii.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out.write_all(ascii.as_bytes())
}

fn render_page(page: &str, out: &mut dyn Write) -> io::Result<()> {
    let root = Cli::command();
    let (cmd, name) = if page == "synack" {
        (root.clone(), "synack".to_string())
    } else {
        // Every subcommand has its page (a hand-kept list once left watch out).
        let Some(sub) = root.find_subcommand(page).filter(|_| pages().iter().any(|p| p == page)) else {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("no man page {page}: {}", pages().join(", "))));
        };
        // clap names are 'static; one small string per page printed.
        let full: &'static str = Box::leak(format!("synack-{page}").into_boxed_str());
        (sub.clone().name(full), full.to_string())
    };
    // The version goes in the title only: watch's -V is tshark's verbose, not --version.
    let cmd = cmd.version(env!("CARGO_PKG_VERSION")).disable_version_flag(true);
    let man = clap_mangen::Man::new(cmd.clone()).title(name.clone()).section("1");
    man.render_title(out)?;
    man.render_name_section(out)?;
    let mut roff = Roff::new();
    synopsis(&cmd, &name, &mut roff);
    roff.to_writer(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    if page == "synack" {
        man.render_subcommands_section(out)?;
    }
    let mut roff = Roff::new();
    roff.control("SH", ["EXAMPLES"]);
    for (line, what) in examples(page) {
        roff.control("TP", []).text([bold(*line)]).text([roman(*what)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    roff.control("TP", []).text([bold("0")]).text([roman(
        "Success, including a capture cut short (its whole packets are printed, then a warning) and an output pipe closed early.",
    )]);
    roff.control("TP", []).text([bold("2")]).text([roman(
        "A usage or input error: an unknown option or field, a filter that does not parse, a capture that cannot be read, a stream the capture does not have.",
    )]);
    roff.control("SH", ["SEE ALSO"]);
    let others: Vec<String> = pages()
        .into_iter()
        .filter(|p| p != page)
        .map(|p| if p == "synack" { "synack(1)".to_string() } else { format!("synack-{p}(1)") })
        .chain(["tshark(1)".to_string(), "wireshark-filter(4)".to_string()])
        .collect();
    roff.text([roman(others.join(", "))]);
    roff.to_writer(out)
}
