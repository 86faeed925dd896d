//! `-T json` and `-T ek` against tshark's: byte for byte with `-e`; without, the same layers in
//! the same order, each of synack's fields with the values tshark has in that layer.

use crate::crosscheck::FIELDS;
use crate::support::{captures, name, synack, tshark};

/// JSON as written, keys kept in order and repeated as tshark repeats them.
#[derive(Debug, Clone, PartialEq)]
enum J {
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
    Other(String),
}

fn parse(s: &str) -> J {
    let b = s.as_bytes();
    let mut i = 0;
    value(b, &mut i)
}

fn ws(b: &[u8], i: &mut usize) {
    while *i < b.len() && b[*i].is_ascii_whitespace() {
        *i += 1;
    }
}

fn string(b: &[u8], i: &mut usize) -> String {
    let mut out = Vec::new();
    *i += 1;
    while b[*i] != b'"' {
        if b[*i] == b'\\' {
            *i += 1;
            match b[*i] {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'u' => {
                    let code = u32::from_str_radix(std::str::from_utf8(&b[*i + 1..*i + 5]).unwrap(), 16).unwrap();
                    let mut buf = [0; 4];
                    out.extend_from_slice(char::from_u32(code).unwrap_or('?').encode_utf8(&mut buf).as_bytes());
                    *i += 4;
                }
                c => out.push(c),
            }
        } else {
            out.push(b[*i]);
        }
        *i += 1;
    }
    *i += 1;
    String::from_utf8_lossy(&out).into_owned()
}

fn value(b: &[u8], i: &mut usize) -> J {
    ws(b, i);
    match b[*i] {
        b'"' => J::Str(string(b, i)),
        b'[' => {
            *i += 1;
            let mut v = Vec::new();
            loop {
                ws(b, i);
                if b[*i] == b']' {
                    *i += 1;
                    return J::Arr(v);
                }
                v.push(value(b, i));
                ws(b, i);
                if b[*i] == b',' {
                    *i += 1;
                }
            }
        }
        b'{' => {
            *i += 1;
            let mut v = Vec::new();
            loop {
                ws(b, i);
                if b[*i] == b'}' {
                    *i += 1;
                    return J::Obj(v);
                }
                let k = string(b, i);
                ws(b, i);
                *i += 1; // ':'
                v.push((k, value(b, i)));
                ws(b, i);
                if b[*i] == b',' {
                    *i += 1;
                }
            }
        }
        _ => {
            let start = *i;
            while *i < b.len() && !matches!(b[*i], b',' | b'}' | b']') && !b[*i].is_ascii_whitespace() {
                *i += 1;
            }
            J::Other(String::from_utf8_lossy(&b[start..*i]).into_owned())
        }
    }
}

/// Every value of key `k` anywhere under `j`, in order.
fn all_of(j: &J, k: &str, out: &mut Vec<String>) {
    match j {
        J::Obj(kv) => {
            for (key, v) in kv {
                match v {
                    J::Str(s) if key == k => out.push(s.clone()),
                    // An item with a subtree is written as an object under its name.
                    J::Obj(_) if key == k => out.push(String::new()),
                    // A nested protocol (a quote in ICMP) is a layer of its own.
                    J::Obj(_) if is_protocol(key) => {}
                    J::Obj(_) => all_of(v, k, out),
                    _ => {}
                }
            }
        }
        J::Arr(v) => v.iter().for_each(|x| all_of(x, k, out)),
        _ => {}
    }
}

/// The protocols synack names layers after: a nested object with such a key is a layer, any
/// other is a subtree (`ip.flags_tree`, `Options`, `Queries`).
fn is_protocol(key: &str) -> bool {
    [
        "frame", "eth", "vlan", "sll", "null", "ppp", "chdlc", "nflog", "radiotap", "wlan", "llc", "mpls", "pppoed",
        "pppoes", "ip", "ipv6", "icmp", "icmpv6", "gre", "erspan", "vxlan", "geneve", "teredo", "gtp", "tcp", "udp",
        "dns", "mdns", "llmnr", "synack",
    ]
    .contains(&key)
}

fn layers(packet: &J) -> &[(String, J)] {
    let J::Obj(top) = packet else { panic!("a packet is an object") };
    let source = &top.iter().find(|(k, _)| k == "_source").expect("_source").1;
    let J::Obj(s) = source else { panic!("_source is an object") };
    let J::Obj(l) = &s.iter().find(|(k, _)| k == "layers").expect("layers").1 else { panic!("layers") };
    l
}

/// Protocol objects, depth first, nested ones (in ICMP) after their parent.
fn protocols<'a>(l: &'a [(String, J)], out: &mut Vec<(&'a str, &'a J)>) {
    for (k, v) in l {
        if !is_protocol(k) {
            continue;
        }
        if let J::Obj(inner) = v {
            out.push((k, v));
            protocols(inner, out);
        }
    }
}

#[test]
fn json_with_fields_is_tsharks_byte_for_byte() {
    let mut diffs = Vec::new();
    for c in captures() {
        // tshark's own exception (tests/exceptions.tsv): it shows records synack cannot.
        if name(&c) == "td_dns_fwdptr.pcap" {
            continue;
        }
        let p = c.to_str().expect("utf-8 path");
        for format in ["json", "ek"] {
            let mut args = vec!["-r", p, "-T", format];
            for f in FIELDS {
                args.extend(["-e", f]);
            }
            let theirs = tshark(&args);
            let (code, ours, err) = synack(&args);
            assert_eq!(code, 0, "{err}");
            if theirs != ours {
                let line = theirs.lines().zip(ours.lines()).position(|(a, b)| a != b).unwrap_or(0);
                diffs.push(format!(
                    "{} -T {format}, line {}: tshark {:?}, synack {:?}",
                    name(&c),
                    line + 1,
                    theirs.lines().nth(line).map(|l| l.chars().take(300).collect::<String>()),
                    ours.lines().nth(line).map(|l| l.chars().take(300).collect::<String>())
                ));
            }
        }
    }
    assert!(diffs.is_empty(), "{} differences:\n{}", diffs.len(), diffs.join("\n"));
}

#[test]
fn json_layers_are_tsharks() {
    let skip = ["td_dns_fwdptr.pcap"]; // tshark's own exception (tests/exceptions.tsv)
    let mut diffs = Vec::new();
    let mut compared = 0;
    for c in captures() {
        if skip.contains(&name(&c).as_str()) {
            continue;
        }
        let p = c.to_str().expect("utf-8 path");
        let theirs = parse(&tshark(&["-r", p, "-T", "json"]));
        let (code, ours, err) = synack(&["-r", p, "-T", "json"]);
        assert_eq!(code, 0, "{err}");
        let ours = parse(&ours);
        let (J::Arr(t), J::Arr(o)) = (&theirs, &ours) else { panic!("arrays") };
        assert_eq!(t.len(), o.len(), "{}", name(&c));
        for (n, (tp, op)) in t.iter().zip(o).enumerate() {
            let (mut tl, mut ol) = (Vec::new(), Vec::new());
            protocols(layers(tp), &mut tl);
            protocols(layers(op), &mut ol);
            // synack's own tree is the plugin's; tshark alone has more protocols (ethertype,
            // data, ...): synack's layers must be tshark's, in order.
            let names_t: Vec<&str> = tl.iter().map(|(k, _)| *k).collect();
            let mut at = 0;
            for (k, obj) in ol.iter().filter(|(k, _)| *k != "synack") {
                let Some(pos) = names_t[at..].iter().position(|x| x == k) else {
                    diffs.push(format!("{} frame {}: layer {k} not in tshark's {names_t:?}", name(&c), n + 1));
                    break;
                };
                let tobj = tl[at + pos].1;
                at += pos + 1;
                let J::Obj(fields) = obj else { continue };
                let mut keys: Vec<&str> =
                    fields.iter().filter(|(_, v)| matches!(v, J::Str(_))).map(|(k, _)| k.as_str()).collect();
                keys.dedup();
                for key in keys {
                    let (mut tv, mut ov) = (Vec::new(), Vec::new());
                    all_of(tobj, key, &mut tv);
                    all_of(obj, key, &mut ov);
                    compared += 1;
                    // tshark's JSON lacks a few items the fields output has (tcp.flags.str
                    // is written as it is in -T fields) and shows hidden items once.
                    if tv != ov {
                        let clip = |v: &Vec<String>| format!("{v:?}").chars().take(200).collect::<String>();
                        diffs.push(format!(
                            "{} frame {} {key}: tshark {}, synack {}",
                            name(&c),
                            n + 1,
                            clip(&tv),
                            clip(&ov)
                        ));
                    }
                }
            }
        }
    }
    assert!(compared > 10_000, "compared {compared} fields");
    crate::support::assert_no_diffs(&diffs);
}

/// `-T ek` without `-e`: each layer under tshark's key, each of synack's fields under tshark's
/// `proto_field` key with tshark's value. tshark's ek keeps only the last of a key repeated in
/// one layer (`eth_eth_addr`, `tcp_tcp_option_kind`); synack keeps every occurrence as an
/// array, so those are compared through `-e` above instead.
#[test]
fn ek_layers_are_tsharks() {
    let mut diffs = Vec::new();
    let mut compared = 0;
    for c in captures() {
        // td_dns_fwdptr: tshark's own exception; synth_dns_label_bytes: tshark's ek writes
        // label bytes past ASCII as JSON that does not parse.
        if ["td_dns_fwdptr.pcap", "synth_dns_label_bytes.pcap"].contains(&name(&c).as_str()) {
            continue;
        }
        let p = c.to_str().expect("utf-8 path");
        let theirs = tshark(&["-r", p, "-T", "ek"]);
        let (code, ours, err) = synack(&["-r", p, "-T", "ek"]);
        assert_eq!(code, 0, "{err}");
        let (t, o): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), ours.lines().collect());
        assert_eq!(t.len(), o.len(), "{}", name(&c));
        for (n, (tl, ol)) in t.iter().zip(&o).enumerate().skip(1).step_by(2) {
            let layers = |j: J| match j {
                J::Obj(kv) => kv.into_iter().find(|(k, _)| k == "layers").map(|(_, v)| v),
                _ => None,
            };
            let (Some(J::Obj(tl)), Some(J::Obj(ol))) = (layers(parse(tl)), layers(parse(ol))) else {
                panic!("{} line {}: no layers", name(&c), n + 1)
            };
            let as_list = |j: &J| match j {
                J::Arr(v) => v.clone(),
                x => vec![x.clone()],
            };
            for (proto, obj) in ol.iter().filter(|(k, _)| k != "synack") {
                let Some((_, tobj)) = tl.iter().find(|(k, _)| k == proto) else {
                    diffs.push(format!("{} doc {}: layer {proto} not in tshark's", name(&c), n / 2 + 1));
                    continue;
                };
                for (tone, one) in as_list(tobj).iter().zip(as_list(obj).iter()) {
                    let (J::Obj(tk), J::Obj(ok)) = (tone, one) else { continue };
                    // Nested layers (quotes in ICMP) are compared by json_layers_are_tsharks.
                    for (k, v) in ok.iter().filter(|(_, v)| !matches!(v, J::Arr(_) | J::Obj(_))) {
                        // An item with a subtree (sack_perm) is written under another key.
                        let Some((_, tv)) = tk.iter().rev().find(|(tk, _)| tk == k) else {
                            // Expert items under tcp.analysis.flags are written in
                            // tshark's _ws.expert subtree.
                            if !k.ends_with("sack_perm") && *v != J::Other("null".into()) {
                                diffs.push(format!("{} doc {} {k}: not in tshark's", name(&c), n / 2 + 1));
                            }
                            continue;
                        };
                        compared += 1;
                        if tv != v {
                            diffs.push(format!("{} doc {} {k}: tshark {tv:?}, synack {v:?}", name(&c), n / 2 + 1));
                        }
                    }
                }
            }
        }
    }
    assert!(compared > 10_000, "compared {compared} values");
    crate::support::assert_no_diffs(&diffs);
}
