//! The C ABI: the symbols Wireshark looks for, registration, and the post-dissector callback.
//!
//! All `unsafe` of the plugin lives under this module. Rules kept here:
//! - every `extern "C"` entry runs its body inside `catch_unwind` (the release profile keeps
//!   `panic = "unwind"`), so a Rust panic never unwinds into Wireshark;
//! - Wireshark calls that may throw (longjmp) go through the C shims in `plugin/shim.c`, which
//!   catch the exception in C; no longjmp crosses a Rust frame;
//! - bytes are read only up to the tvb's captured length, which the shim reports;
//! - field, subtree and expert ids live in `AtomicI32`s whose addresses Wireshark fills in.
#![allow(unsafe_code)]

pub mod load;

use std::ffi::{c_char, c_int, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

use dissector_core::conn::Anomalies;
use dissector_core::fields::{Field, FieldInfo, FieldType};
use dissector_core::FrameMeta;

use crate::anno::{self, FrameAnno};
use crate::items::{ItemValue, Items};
use crate::store::Store;

/// bindgen's view of the allowlisted Wireshark API (see build.rs).
#[allow(non_upper_case_globals, non_camel_case_types, non_snake_case, dead_code, clippy::all)]
mod sys {
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}

const fn c_array<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    let mut a = [0u8; N];
    let mut i = 0;
    while i < b.len() && i < N - 1 {
        a[i] = b[i];
        i += 1;
    }
    a
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `plugin_version`: a NUL-terminated char array (not a pointer), the crate version.
#[no_mangle]
#[used]
pub static plugin_version: [u8; VERSION.len() + 1] = c_array(VERSION);

/// The Wireshark major version this plugin was built for, from that install's ws_version.h.
#[no_mangle]
#[used]
pub static plugin_want_major: c_int = sys::WIRESHARK_VERSION_MAJOR as c_int;

/// The Wireshark minor version this plugin was built for.
#[no_mangle]
#[used]
pub static plugin_want_minor: c_int = sys::WIRESHARK_VERSION_MINOR as c_int;

/// Wireshark 4.2+ asks what kind of plugin this is: a dissector and a tap listener (its
/// stats tree): WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER.
#[cfg(ws_4_2)]
#[no_mangle]
pub extern "C" fn plugin_describe() -> u32 {
    1 | 1 << 4
}

/// The most fields the plugin can register (ids are preallocated statics).
const MAX_FIELDS: usize = 64;
#[allow(clippy::declare_interior_mutable_const)]
const UNSET: AtomicI32 = AtomicI32::new(-1);
static HF: [AtomicI32; MAX_FIELDS] = [UNSET; MAX_FIELDS];
static ETT: [AtomicI32; 2] = [UNSET; 2];
static PROTO: AtomicI32 = AtomicI32::new(-1);
/// The tap the stats tree listens on: each TCP frame's number.
static TAP: AtomicI32 = AtomicI32::new(-1);
/// The "append [SYN 1/3] tags to the Info column" preference, which Wireshark writes: a
/// gboolean (int) before 4.4, a C bool from 4.4 on.
#[cfg(not(ws_4_4))]
static INFO_TAGS: AtomicI32 = AtomicI32::new(0);
#[cfg(ws_4_4)]
static INFO_TAGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn info_tags_on() -> bool {
    #[cfg(not(ws_4_4))]
    return INFO_TAGS.load(Ordering::Relaxed) != 0;
    #[cfg(ws_4_4)]
    return INFO_TAGS.load(Ordering::Relaxed);
}

/// Wireshark's `expert_field`: two ints it fills in at registration.
#[repr(C)]
struct ExpertId {
    ei: AtomicI32,
    hf: AtomicI32,
}

#[allow(clippy::declare_interior_mutable_const)]
const EXPERT_UNSET: ExpertId = ExpertId { ei: AtomicI32::new(0), hf: AtomicI32::new(-1) };
/// One expert info per anomaly bit, then "inferred", "evicted", the two verdicts and
/// "undecoded".
static EI: [ExpertId; 11] = [EXPERT_UNSET; 11];
const EI_INFERRED: usize = 6;
const EI_EVICTED: usize = 7;
const EI_VERDICT: usize = 8;
const EI_VERDICT_PROBLEM: usize = 9;
const EI_UNDECODED: usize = 10;

/// (anomaly bit, abbrev, group, severity, summary); the last five have no bit.
const EXPERTS: [(u8, &str, u32, u32, &str); 11] = [
    (
        Anomalies::ACK_MISMATCH,
        "synack.expert.ack_mismatch",
        sys::PI_SEQUENCE,
        sys::PI_ERROR,
        "Handshake ACK number is not the peer's ISN + 1",
    ),
    (
        Anomalies::RST_IN_HANDSHAKE,
        "synack.expert.rst_in_handshake",
        sys::PI_SEQUENCE,
        sys::PI_NOTE,
        "RST during the handshake: connection refused or aborted",
    ),
    (
        Anomalies::SYN_RETRANSMISSION,
        "synack.expert.syn_retransmission",
        sys::PI_SEQUENCE,
        sys::PI_NOTE,
        "SYN retransmitted",
    ),
    (
        Anomalies::SYNACK_RETRANSMISSION,
        "synack.expert.synack_retransmission",
        sys::PI_SEQUENCE,
        sys::PI_NOTE,
        "SYN+ACK retransmitted",
    ),
    (
        Anomalies::DATA_ON_SYN,
        "synack.expert.data_on_syn",
        sys::PI_SEQUENCE,
        sys::PI_CHAT,
        "Data on SYN (TCP Fast Open)",
    ),
    (
        Anomalies::NOT_ACCEPTABLE,
        "synack.expert.not_acceptable",
        sys::PI_SEQUENCE,
        sys::PI_WARN,
        "Segment not acceptable in the endpoint's state",
    ),
    (
        0,
        "synack.expert.inferred",
        sys::PI_SEQUENCE,
        sys::PI_NOTE,
        "Connection picked up mid-stream: client inferred from the ports",
    ),
    (
        0,
        "synack.expert.evicted",
        sys::PI_PROTOCOL,
        sys::PI_WARN,
        "Connection limit reached: the least recently used connections were forgotten",
    ),
    (0, "synack.expert.verdict", sys::PI_SEQUENCE, sys::PI_CHAT, "Connection verdict"),
    (0, "synack.expert.verdict_problem", sys::PI_SEQUENCE, sys::PI_WARN, "Connection verdict: a problem"),
    (
        0,
        "synack.expert.undecoded",
        sys::PI_UNDECODED,
        sys::PI_NOTE,
        "An encapsulation synack does not decode: the connections inside are not tracked",
    ),
];

static STATE: Mutex<Option<Store>> = Mutex::new(None);

fn with_state<T>(f: impl FnOnce(&mut Option<Store>) -> T) -> T {
    // A panic while holding the lock poisons it; the state is still usable (or reset below).
    let mut g = STATE.lock().unwrap_or_else(|e| e.into_inner());
    f(&mut g)
}

/// Leak a C string: Wireshark keeps the pointers of registered names for the process's life.
fn leak(s: &str) -> *const c_char {
    let c = CString::new(s.replace('\0', " ")).unwrap_or_default();
    c.into_raw()
}

static PLUGIN: sys::proto_plugin =
    sys::proto_plugin { register_protoinfo: Some(register_protoinfo), register_handoff: Some(register_handoff) };

/// Wireshark's entry point: hand it our registration functions.
#[no_mangle]
pub extern "C" fn plugin_register() {
    let _ = catch_unwind(|| {
        // SAFETY: PLUGIN is a static that outlives the process's use of it; the names are leaked.
        unsafe {
            sys::proto_register_plugin(&PLUGIN);
            sys::synack_register_stats(leak("synack"), leak("synack"), leak(STATS_NAME));
        }
    });
}

fn ftype(t: FieldType) -> (sys::ftenum, c_int) {
    use sys::field_display_e::{BASE_DEC, BASE_NONE};
    use sys::ftenum::*;
    let (ft, base) = match t {
        FieldType::U8 => (FT_UINT8, BASE_DEC),
        FieldType::U16 => (FT_UINT16, BASE_DEC),
        FieldType::U32 => (FT_UINT32, BASE_DEC),
        FieldType::Bool => (FT_BOOLEAN, BASE_NONE),
        FieldType::RelTime => (FT_RELATIVE_TIME, BASE_NONE),
        FieldType::FrameNum => (FT_FRAMENUM, BASE_NONE),
        _ => (FT_STRING, BASE_NONE),
    };
    (ft, base as c_int)
}

fn value_strings(info: &FieldInfo) -> *const c_void {
    let names = info.field.value_names();
    if names.is_empty() {
        return std::ptr::null();
    }
    let mut v: Vec<sys::value_string> =
        names.iter().map(|(n, s)| sys::value_string { value: *n, strptr: leak(s) }).collect();
    v.push(sys::value_string { value: 0, strptr: std::ptr::null() });
    v.leak().as_ptr().cast()
}

fn hf_entry(
    id: &AtomicI32,
    name: &str,
    abbrev: &str,
    t: FieldType,
    strings: *const c_void,
    blurb: &str,
) -> sys::hf_register_info {
    let (ft, display) = ftype(t);
    sys::hf_register_info {
        p_id: id.as_ptr(),
        hfinfo: sys::header_field_info {
            name: leak(name),
            abbrev: leak(abbrev),
            type_: ft,
            display,
            strings,
            bitmask: 0,
            blurb: leak(blurb),
            // HFILL
            id: -1,
            parent: 0,
            same_name_prev_id: -1,
            same_name_next: std::ptr::null_mut(),
            ..Default::default()
        },
    }
}

extern "C" fn register_protoinfo() {
    let _ = catch_unwind(|| {
        let fields = anno::plugin_fields();
        if fields.len() > MAX_FIELDS {
            return;
        }
        // SAFETY: registration calls with 'static strings and arrays leaked for Wireshark to keep.
        unsafe {
            let proto = sys::proto_register_protocol(leak(anno::TITLE), leak("synack"), leak("synack"));
            PROTO.store(proto, Ordering::Relaxed);
            let hf: Vec<sys::hf_register_info> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| hf_entry(&HF[i], f.name, f.abbrev, f.ftype, value_strings(f), f.desc))
                .collect();
            let n = hf.len() as c_int;
            sys::proto_register_field_array(proto, hf.leak().as_mut_ptr(), n);
            let ett: Vec<*mut c_int> = ETT.iter().map(|e| e.as_ptr()).collect();
            sys::proto_register_subtree_array(ett.leak().as_ptr(), ETT.len() as c_int);
            let ei: Vec<sys::ei_register_info> = EXPERTS
                .iter()
                .zip(EI.iter())
                .map(|(&(_, abbrev, group, severity, summary), id)| {
                    let mut e =
                        sys::ei_register_info { ids: (id as *const ExpertId).cast_mut().cast(), ..Default::default() };
                    e.eiinfo.name = leak(abbrev);
                    e.eiinfo.group = group as c_int;
                    e.eiinfo.severity = severity as c_int;
                    e.eiinfo.summary = leak(summary);
                    // EXPFILL: id 0, no protocol, and an empty hf_info with HFILL's ids.
                    e.eiinfo.hf_info.hfinfo.type_ = sys::ftenum::FT_NONE;
                    e.eiinfo.hf_info.hfinfo.id = -1;
                    e.eiinfo.hf_info.hfinfo.same_name_prev_id = -1;
                    e
                })
                .collect();
            let module = sys::expert_register_protocol(proto);
            let n = ei.len() as c_int;
            sys::expert_register_field_array(module, ei.leak().as_mut_ptr(), n);
            let prefs = sys::prefs_register_protocol(proto, None);
            sys::prefs_register_bool_preference(
                prefs,
                leak("info_tags"),
                leak("Tag handshake steps in the Info column"),
                leak("Append [SYN 1/3], [SYN+ACK 2/3] and [ACK 3/3] to the Info column of handshake segments"),
                INFO_TAGS.as_ptr(),
            );
            TAP.store(sys::register_tap(leak("synack")), Ordering::Relaxed);
            sys::register_init_routine(Some(init_capture));
            sys::register_cleanup_routine(Some(cleanup_capture));
        }
    });
}

extern "C" fn register_handoff() {
    let _ = catch_unwind(|| {
        // SAFETY: the dissector function and protocol id are valid for the process's life.
        unsafe {
            let h = sys::create_dissector_handle(Some(dissect), PROTO.load(Ordering::Relaxed));
            sys::register_postdissector(h);
        }
    });
}

/// A capture is opened (or re-dissected from scratch): start with empty state.
extern "C" fn init_capture() {
    let _ = catch_unwind(|| with_state(|s| *s = Some(Store::new())));
}

/// The capture is closed: free everything.
extern "C" fn cleanup_capture() {
    let _ = catch_unwind(|| with_state(|s| *s = None));
}

unsafe extern "C" fn dissect(
    tvb: *mut sys::tvbuff_t,
    pinfo: *mut sys::packet_info,
    tree: *mut sys::proto_tree,
    _data: *mut c_void,
) -> c_int {
    catch_unwind(AssertUnwindSafe(|| dissect_frame(tvb, pinfo, tree))).unwrap_or(0)
}

fn dissect_frame(tvb: *mut sys::tvbuff_t, pinfo: *mut sys::packet_info, tree: *mut sys::proto_tree) -> c_int {
    let mut f = sys::synack_frame_t::default();
    let linktypes = dissector_core::link::SUPPORTED;
    // SAFETY: the shim reads pinfo and the tvb inside TRY, and `linktypes.len()` values from
    // the static list; `f` is a valid out-pointer.
    if unsafe { sys::synack_frame(tvb, pinfo, linktypes.as_ptr(), linktypes.len() as c_int, &mut f) } == 0 {
        return 0;
    }
    let data: &[u8] = if f.data.is_null() {
        &[]
    } else {
        // SAFETY: the shim returned tvb_get_ptr(tvb, 0, cap_len): cap_len readable bytes that
        // live as long as the tvb, i.e. this call.
        unsafe { std::slice::from_raw_parts(f.data, f.cap_len as usize) }
    };
    // The annotation is shown from where it is kept, with the state locked: Wireshark
    // dissects on one thread, and the shims let no exception longjmp out of show.
    with_state(|s| {
        let st = s.get_or_insert_with(Store::new);
        let meta = FrameMeta {
            number: f.num,
            ts_ns: i128::from(f.secs) * 1_000_000_000 + i128::from(f.nsecs),
            caplen: f.cap_len,
            len: f.pkt_len,
            linktype: u32::try_from(f.linktype).unwrap_or(u32::MAX),
        };
        if f.visited == 0 {
            st.first_pass(meta, data);
        } else if !st.finalized() {
            st.finalize();
        }
        // Nothing to add when there is no tree, or when it is tshark's pruned tree and no synack
        // field is asked for (-T fields -e other.fields, a filter on other fields).
        // Registration is over by the first dissection: the ids are read once.
        static IDS: std::sync::OnceLock<Vec<c_int>> = std::sync::OnceLock::new();
        let ids =
            IDS.get_or_init(|| HF.iter().chain(EI.iter().map(|e| &e.hf)).map(|a| a.load(Ordering::Relaxed)).collect());
        // SAFETY: the shim reads the tree's flags and asks about registered ids; it does not throw.
        let shown = !tree.is_null() && unsafe { sys::synack_wanted(tree, ids.as_ptr(), ids.len() as c_int) } != 0;
        let undecoded = st.undecoded_at(f.num);
        let Some(anno) = st.anno(meta, data, shown) else {
            if let Some(u) = undecoded {
                show_undecoded(u, tvb, pinfo, tree);
            }
            return;
        };
        if anno.track.is_some() {
            // SAFETY: the shim queues the number in the frame's pool, inside TRY.
            unsafe { sys::synack_tap_frame(TAP.load(Ordering::Relaxed), pinfo, f.num) };
        }
        if info_tags_on() {
            if let Some(stage) = anno.stage() {
                let tag = CString::new(anno::info_tag(stage)).unwrap_or_default();
                // SAFETY: the shim appends a copy of the string inside TRY.
                unsafe { sys::synack_col_append(pinfo, tag.as_ptr()) };
            }
        }
        if !shown {
            // The expert infos still go to the expert tap, which asks for no tree: tshark -z
            // expert and Wireshark's Expert Information dialog (a retap without a tree).
            experts(&anno, pinfo, std::ptr::null_mut());
            return;
        }
        let late = if f.visited != 0 { st.used_by(f.num, anno.dns_messages()) } else { Vec::new() };
        show(&anno, &late, tvb, pinfo, tree);
    });
    f.cap_len as c_int
}

/// What `show` builds per frame, kept between frames so that showing allocates nothing.
#[derive(Default)]
struct Scratch {
    built: Items,
    items: Vec<sys::synack_item_t>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

fn show(
    anno: &FrameAnno,
    late: &[u32],
    tvb: *mut sys::tvbuff_t,
    pinfo: *mut sys::packet_info,
    tree: *mut sys::proto_tree,
) {
    SCRATCH.with(|sc| {
        let Ok(mut sc) = sc.try_borrow_mut() else { return };
        let Scratch { built, items } = &mut *sc;
        built.build(anno, late);
        items.clear();
        for &(index, value) in &built.items {
            let Some(hf) = HF.get(index) else { continue };
            let mut item = sys::synack_item_t {
                hf: hf.load(Ordering::Relaxed),
                level: c_int::from(
                    anno::plugin_fields().get(index).is_some_and(|f| f.field == Field::SynackVerdictCode),
                ),
                kind: 0,
                u: 0,
                secs: 0,
                nsecs: 0,
                s: std::ptr::null(),
            };
            match value {
                ItemValue::Uint(n) => (item.kind, item.u) = (sys::SYNACK_ITEM_UINT as c_int, n),
                ItemValue::Bool(b) => (item.kind, item.u) = (sys::SYNACK_ITEM_BOOL as c_int, u32::from(b)),
                ItemValue::RelTime { secs, nsecs } => {
                    (item.kind, item.secs, item.nsecs) = (sys::SYNACK_ITEM_RELTIME as c_int, secs, nsecs)
                }
                ItemValue::Str(at) => {
                    let Some(s) = built.text.get(at..) else { continue };
                    (item.kind, item.s) = (sys::SYNACK_ITEM_STRING as c_int, s.as_ptr().cast());
                }
            }
            items.push(item);
        }
        // The title and strings are NUL-terminated in `built.text`, which outlives the call.
        let top = add_subtree(tree, tvb, built.text.as_ptr().cast(), items);
        if !top.is_null() {
            experts(anno, pinfo, top);
        }
    });
}

/// synack's subtree with `title` and `items` (null when Wireshark threw). `title` and the
/// items' strings must be NUL-terminated and outlive the call; Wireshark copies them.
fn add_subtree(
    tree: *mut sys::proto_tree,
    tvb: *mut sys::tvbuff_t,
    title: *const std::ffi::c_char,
    items: &[sys::synack_item_t],
) -> *mut sys::proto_item {
    // SAFETY: the shim adds every item inside one TRY; the callers keep the title and strings
    // NUL-terminated and alive for the call.
    unsafe {
        sys::synack_add_items(
            tree,
            PROTO.load(Ordering::Relaxed),
            ETT[0].load(Ordering::Relaxed),
            ETT[1].load(Ordering::Relaxed),
            tvb,
            title,
            items.as_ptr(),
            items.len() as c_int,
        )
    }
}

/// Expert info `i` on `top`, with `text`.
fn expert_text(pinfo: *mut sys::packet_info, top: *mut sys::proto_item, i: usize, text: &std::ffi::CStr) {
    // SAFETY: shim call with an expert id registered in register_protoinfo; the text is
    // NUL-terminated and outlives the call (Wireshark copies it).
    unsafe { sys::synack_expert_text(pinfo, top, (&EI[i] as *const ExpertId).cast_mut().cast(), text.as_ptr()) };
}

/// A frame that carries no connection synack tracks but was the first with an encapsulation
/// it does not decode: a subtree saying so, with the expert info (once per kind a capture).
fn show_undecoded(
    (what, count): (&str, u64),
    tvb: *mut sys::tvbuff_t,
    pinfo: *mut sys::packet_info,
    tree: *mut sys::proto_tree,
) {
    let (Ok(title), Ok(text)) = (
        std::ffi::CString::new(format!("{}: {what} not decoded", anno::TITLE)),
        std::ffi::CString::new(format!(
            "synack does not decode {what} ({count} frame{} so far, the first here): the connections inside are not \
             tracked",
            if count == 1 { "" } else { "s" }
        )),
    ) else {
        return;
    };
    // Without a tree (the expert tap's retap) the expert info goes without an item.
    let top = if tree.is_null() { std::ptr::null_mut() } else { add_subtree(tree, tvb, title.as_ptr(), &[]) };
    expert_text(pinfo, top, EI_UNDECODED, &text);
}

fn experts(anno: &FrameAnno, pinfo: *mut sys::packet_info, top: *mut sys::proto_item) {
    if let Some(v) = anno.track.as_ref().and_then(|t| t.verdict.as_ref()) {
        let i = if v.is_problem() { EI_VERDICT_PROBLEM } else { EI_VERDICT };
        if let Ok(text) = std::ffi::CString::new(format!("Verdict: {}", v.sentence())) {
            expert_text(pinfo, top, i, &text);
        }
    }
    for (i, &(bit, ..)) in EXPERTS.iter().enumerate() {
        let on = match i {
            EI_INFERRED => anno.inferred_start,
            EI_EVICTED => anno.evicted > 0,
            EI_VERDICT | EI_VERDICT_PROBLEM | EI_UNDECODED => false,
            _ => anno.anomalies().has(bit),
        };
        if on {
            // SAFETY: shim call with an expert id registered in register_protoinfo.
            unsafe { sys::synack_expert(pinfo, top, (&EI[i] as *const ExpertId).cast_mut().cast()) };
        }
    }
}

/// The Statistics menu's entry (`-z synack,tree` prints it as the title).
const STATS_NAME: &str = "TCP handshakes";

/// An open stats tree: its counts and the ids of its fixed nodes.
struct Tree {
    st: usize,
    stats: crate::stats::Stats,
    connections: c_int,
    groups: [c_int; 5],
}

/// Every open stats tree (the GUI may have several windows; tshark one per -z).
static TREES: Mutex<Vec<Tree>> = Mutex::new(Vec::new());

fn cstr(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// A stats tree opens (or restarts for a retap): its fixed nodes, with empty counts.
/// # Safety
/// Called by Wireshark (through the shim) with a tree it owns.
#[no_mangle]
pub unsafe extern "C" fn synack_stats_init(st: *mut sys::stats_tree) {
    use crate::stats::{fixed_nodes, Group, CONNECTIONS, IRTT_BUCKETS, IRTT_RANGES};
    let _ = catch_unwind(|| {
        // SAFETY (every call below): shim calls on the tree Wireshark handed us, with
        // NUL-terminated names that outlive the calls (the tree copies them).
        let node = |name: &str, parent: c_int, children: bool| unsafe {
            sys::synack_st_node(st, cstr(name).as_ptr(), parent, c_int::from(children))
        };
        let connections = node(CONNECTIONS, 0, true);
        let groups = Group::ALL.map(|g| node(g.name(), connections, true));
        for (g, name) in fixed_nodes() {
            node(name, groups[g as usize], false);
        }
        let ranges: Vec<CString> = IRTT_BUCKETS.iter().map(|r| cstr(r)).collect();
        let mut ptrs: Vec<*const c_char> = ranges.iter().map(|r| r.as_ptr()).collect();
        unsafe { sys::synack_st_ranges(st, cstr(IRTT_RANGES).as_ptr(), 0, ptrs.len() as c_int, ptrs.as_mut_ptr()) };
        let mut trees = TREES.lock().unwrap_or_else(|e| e.into_inner());
        trees.retain(|t| t.st != st as usize);
        trees.push(Tree { st: st as usize, stats: Default::default(), connections, groups });
    });
}

/// A stats tree closes.
/// # Safety
/// Called by Wireshark (through the shim) with a tree it owns.
#[no_mangle]
pub unsafe extern "C" fn synack_stats_cleanup(st: *mut sys::stats_tree) {
    let _ = catch_unwind(|| TREES.lock().unwrap_or_else(|e| e.into_inner()).retain(|t| t.st != st as usize));
}

/// Frame `num` for tree `st`: the counts it changes. 1 when any did.
/// # Safety
/// Called by Wireshark (through the shim) with a tree it owns.
#[no_mangle]
pub unsafe extern "C" fn synack_stats_packet(st: *mut sys::stats_tree, num: u32) -> c_int {
    use crate::stats::{irtt_us, CONNECTIONS, IRTT, IRTT_RANGES};
    catch_unwind(|| {
        let Some(track) = with_state(|s| s.as_ref()?.track(num)) else { return 0 };
        let mut trees = TREES.lock().unwrap_or_else(|e| e.into_inner());
        let Some(tree) = trees.iter_mut().find(|t| t.st == st as usize) else { return 0 };
        let (counts, irtt) = tree.stats.frame(&track);
        for c in &counts {
            let parent = match c.group {
                Some(g) => tree.groups[g as usize],
                None if c.name == CONNECTIONS => 0,
                None => tree.connections,
            };
            // SAFETY: shim call on the tree Wireshark handed us; the name outlives the call.
            unsafe { sys::synack_st_set(st, cstr(&c.name).as_ptr(), parent, c.value) };
        }
        if let Some(ns) = irtt {
            // SAFETY: as above.
            unsafe {
                sys::synack_st_average(
                    st,
                    cstr(IRTT).as_ptr(),
                    ns as f32 / 1e6,
                    cstr(IRTT_RANGES).as_ptr(),
                    0,
                    irtt_us(ns),
                )
            };
        }
        c_int::from(!counts.is_empty() || irtt.is_some())
    })
    .unwrap_or(0)
}
