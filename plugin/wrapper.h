/* The part of Wireshark's C API synack's plugin uses, plus synack's own C shims (shim.c).
 * build.rs runs bindgen over this file with allowlists, so only these names are bound. */
#ifndef SYNACK_WRAPPER_H
#define SYNACK_WRAPPER_H

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <epan/stats_tree.h>
#include <ws_version.h>

/* What the plugin needs to know about the frame being dissected. */
typedef struct {
    guint32 num;          /* frame number, 1-based */
    int visited;          /* dissected before (second pass or GUI re-dissection) */
    gint64 secs;          /* capture time */
    int nsecs;
    guint32 pkt_len;      /* bytes on the wire */
    guint32 cap_len;      /* bytes captured (the tvb's captured length) */
    int linktype;         /* LINKTYPE_ of the frame's encapsulation, -1 if none */
    const guint8 *data;   /* cap_len bytes, or NULL */
} synack_frame_t;

/* Every shim catches Wireshark's exceptions (longjmps) in C, so none crosses a Rust frame. */
/* Fills `out`; the frame's link type is the one of `linktypes` (n of them) Wireshark's
 * encapsulation maps to. */
int synack_frame(tvbuff_t *tvb, packet_info *pinfo, const guint32 *linktypes, int n, synack_frame_t *out);
/* One field occurrence for synack_add_items. */
typedef struct {
    int hf;               /* registered field id */
    int kind;             /* SYNACK_ITEM_* */
    guint32 u;            /* UINT, BOOL (0/1) */
    gint64 secs;          /* RELTIME */
    int nsecs;
    const char *s;        /* STRING: NUL-terminated, copied by Wireshark */
    int level;            /* 0: in the protocol's subtree; 1: under the last level-0 item */
} synack_item_t;
#define SYNACK_ITEM_UINT 0
#define SYNACK_ITEM_BOOL 1
#define SYNACK_ITEM_STRING 2
#define SYNACK_ITEM_RELTIME 3
/* Adds the protocol item titled `title` with a subtree holding the n items (generated; a level-1
 * item goes in a subtree `ett_child` of the item before it), all in one TRY; returns the
 * protocol item (for expert infos), or NULL if Wireshark threw. */
proto_item *synack_add_items(proto_tree *tree, int proto, int ett, int ett_child, tvbuff_t *tvb, const char *title,
                             const synack_item_t *items, int n);
void synack_expert(packet_info *pinfo, proto_item *item, expert_field *ei);
/* An expert info whose text is `text` instead of the registered summary. */
void synack_expert_text(packet_info *pinfo, proto_item *item, expert_field *ei, const char *text);
void synack_col_append(packet_info *pinfo, const char *text);
/* Does this tree want any of the n fields (visible tree, or one of them referenced)? */
int synack_wanted(proto_tree *tree, const int *hfs, int n);

/* Statistics (stats_tree). The tap hands the stats tree each frame's number, as queued by
 * synack_tap_frame when a listener is attached; the tree's callbacks are Rust's, below. */
void synack_tap_frame(int tap_id, packet_info *pinfo, guint32 num);
/* Registers the stats tree on tap `tap` (-z ABBR,tree; Statistics > NAME) once taps register. */
void synack_register_stats(const char *tap, const char *abbr, const char *name);
/* A node created now (shown when zero); its id. */
int synack_st_node(stats_tree *st, const char *name, int parent_id, int with_children);
int synack_st_ranges(stats_tree *st, const char *name, int parent_id, int n, const char **ranges);
void synack_st_set(stats_tree *st, const char *name, int parent_id, int value);
/* One more value for the average/min/max of float node `name` under the root, and its range. */
void synack_st_average(stats_tree *st, const char *name, float value, const char *ranges, int range_parent, int in_range);
/* Implemented in Rust: a frame for tree `st` (1: redraw), a tree opened, a tree closed. */
int synack_stats_packet(stats_tree *st, guint32 num);
void synack_stats_init(stats_tree *st);
void synack_stats_cleanup(stats_tree *st);

#endif
